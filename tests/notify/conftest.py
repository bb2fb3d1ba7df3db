"""Notifications queued by the real producers (alerts, 72-hour reminders, playbook steps)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sentinel.alerts import Alerts
from sentinel.detection.evaluate import Detection
from sentinel.detection.model import Meta, Rule
from sentinel.incidents.deadline import send_due_reminders
from sentinel.incidents.playbooks import load_playbooks
from sentinel.incidents.runs import Runs, default_handlers
from sentinel.incidents.service import Incidents
from sentinel.notify import outbox
from sentinel.notify.render import Message, Renderer
from sentinel.store.base import Record, Store
from sentinel.store.query import EventQuery, Match
from tests.conftest import ManualClock

BASE_URL = "https://sentinel.example.nl"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"

RULE = Rule(
    id="bulk-member-views",
    name="bulk_member_views",
    title="Bulk viewing of member records by one account",
    description="",
    file="rules/bulk_member_views.yml",
    line=1,
    kind="value_count",
    meta=Meta(severity="high", categories=("contact", "identity"), channels=()),
    filter=Match("event.action", "eq", "member.view"),
    group_by=("user.name",),
)


def queue_alert(
    store: Store,
    clock: ManualClock,
    *,
    user: str = "m.bakker",
    channels: tuple[str, ...] = (),
) -> Record:
    """An alert raised and its notification queued, as the detection engine does it."""
    rule = replace(RULE, meta=replace(RULE.meta, channels=channels))
    start = clock.now() - timedelta(hours=1)
    detection = Detection(
        rule=rule,
        group={"user.name": user},
        start=start,
        end=clock.now(),
        count=340,
        distinct=312,
        first=start + timedelta(minutes=1),
        last=start + timedelta(minutes=55),
        evidence=EventQuery(rule.filter, start, clock.now()),
        key=start.isoformat(),
        summary=f"312 distinct member.id within 1h for user.name={user}",
    )
    [aid] = Alerts(store, clock).record([detection]).new
    rec = store.get_record(outbox.KIND, f"alert:{aid}")
    assert rec is not None
    return rec


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(AMSTERDAM, BASE_URL + "/")


@pytest.fixture
def alert_note(store: Store, clock: ManualClock) -> Record:
    return queue_alert(store, clock)


@pytest.fixture
def alert_message(renderer: Renderer, alert_note: Record) -> Message:
    return renderer.render(alert_note.id, alert_note.data)


@pytest.fixture
def incidents(store: Store, clock: ManualClock) -> Incidents:
    return Incidents(store, clock)


def queue_reminder(incidents: Incidents, clock: ManualClock, after: timedelta) -> Record:
    """Open an incident now, let ``after`` pass, and queue the reminders then due."""
    inc = incidents.open("Member list e-mailed to a partner", by="carol").incident
    clock.advance(after)
    queued = send_due_reminders(incidents.store, clock)
    rec = incidents.store.get_record(outbox.KIND, queued[-1])
    assert rec is not None and inc.id in rec.id
    return rec


def queue_step(incidents: Incidents, clock: ManualClock) -> Record:
    """Complete the triage step of a playbook whose step notifies the default channels."""
    books, errors = load_playbooks(PLAYBOOKS)
    assert not errors
    runs = Runs(incidents.store, clock, incidents, books, default_handlers(incidents))
    inc_id = incidents.open("Letter to the wrong member", by="carol").incident.id
    runs.start(inc_id, "misdirected_communication", by="carol")
    clock.advance(minutes=30)
    runs.complete(inc_id, "triage", by="carol")
    rec = incidents.store.get_record(outbox.KIND, f"playbook:{inc_id}:triage:default")
    assert rec is not None
    return rec
