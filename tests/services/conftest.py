"""Service fixtures: the services over each real store, and alerts raised from real events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sentinel.alerts import Alerts
from sentinel.config import Settings
from sentinel.detection.evaluate import Detection
from sentinel.detection.model import Meta, Rule
from sentinel.events import Event, event_id
from sentinel.services.actor import Caller
from sentinel.services.context import ServiceContext
from sentinel.store.base import Store
from sentinel.store.query import EventQuery, Match, all_of
from tests.conftest import ManualClock

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

RULE = Rule(
    id="6a1e0c52-3f0b-4a8e-9f37-1d2c3b4a5e6f",
    name="terminated_account_activity",
    title="Activity by a terminated account",
    description="",
    file="rules/x.yml",
    line=1,
    kind="match",
    meta=Meta(severity="critical", categories=("contact",), playbook="insider_misuse"),
    filter=Match("sentinel.account.status", "eq", "terminated"),
    group_by=("user.name",),
)
ANALYST = Caller("anna", permissions=frozenset({"alerts:read", "alerts:triage"}))
VIEWER = Caller("victor", permissions=frozenset({"alerts:read", "incidents:read"}))


@pytest.fixture
def ctx(store: Store, clock: ManualClock) -> ServiceContext:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        store_url="sqlite:///unused.db",
        incidents={"playbooks_dir": REPO / "playbooks"},
    )
    return ServiceContext(settings, store, clock)


def raise_alert(
    ctx: ServiceContext, user: str, *, hour: int = 0, events: int = 2, rule: Rule = RULE
) -> str:
    """``events`` events by a terminated ``user`` in one hour, detected and recorded as an alert."""
    start = T0 + timedelta(hours=hour)
    stored = [
        Event(
            id=event_id("app", f"{user}-{hour}-{n}"),
            timestamp=start + timedelta(minutes=n),
            source="app",
            fields={
                "user.name": user,
                "event.action": "member.view",
                "sentinel.account.status": "terminated",
                "sentinel.member.id": f"M{100 + n}",
            },
        )
        for n in range(events)
    ]
    ctx.store.write_events(stored)
    detection = Detection(
        rule=rule,
        group={"user.name": user},
        start=start,
        end=start + timedelta(hours=1),
        count=events,
        first=stored[0].timestamp,
        last=stored[-1].timestamp,
        evidence=EventQuery(
            all_of(rule.filter, Match("user.name", "eq", user)), start, start + timedelta(hours=1)
        ),
        key=start.isoformat(),
        summary=f"{events} event(s) for user.name={user}",
    )
    [alert] = Alerts(ctx.store, ctx.clock).record([detection], notify=False).new
    return alert


def nested(flat: dict[str, object]) -> dict[str, object]:
    """A facts document from dotted names (``{"subjects.people": 3}`` → ``{"subjects": …}``)."""
    tree: dict[str, object] = {}
    for name, value in flat.items():
        node = tree
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[leaf] = value
    return tree
