"""The rule pack and running it: validate, the examples, and a backfill over a past range."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sentinel.access.permissions import ROLE_PERMISSIONS
from sentinel.alerts import KIND as ALERT
from sentinel.events import Event, event_id
from sentinel.services.actor import Caller
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden, Invalid
from sentinel.services.rules import RulePack, RuleService
from sentinel.store.query import EventQuery
from tests.services.conftest import REPO, T0

ANALYST = Caller("anna", permissions=ROLE_PERMISSIONS["analyst"])
VIEWER = Caller("victor", permissions=ROLE_PERMISSIONS["viewer"])
TYPO_RULE = """\
title: Typo
name: typo_rule
id: 0b7c0e4e-6a52-4a4e-8f1d-7d1f0e9a2b11
logsource:
  product: sentinel
detection:
  selection:
    event.acton: member.export
  condition: selection
level: high
"""


def leaver_events(ctx: ServiceContext, user: str, hour: int, n: int = 3) -> None:
    ctx.store.write_events(
        [
            Event(
                id=event_id("app", f"{user}-{hour}-{i}"),
                timestamp=T0 + timedelta(hours=hour, minutes=i),
                source="app",
                fields={
                    "user.name": user,
                    "event.action": "member.view",
                    "sentinel.account.inactive": True,
                },
            )
            for i in range(n)
        ]
    )


def test_validate_names_each_refused_rule_and_the_examples_run_in_a_scratch_store(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "typo.yml").write_text(TYPO_RULE)
    for name in ("inactive_account_activity.yml", "inactive_account_activity.examples.yml"):
        (folder / name).write_text((REPO / "rules" / name).read_text())

    checked = RulePack(ctx.settings, folder).validate(VIEWER)

    assert checked.rules == ["inactive_account_activity"]
    [refused] = checked.errors
    assert (Path(refused.file).name, refused.line, refused.rule) == ("typo.yml", 8, "typo_rule")
    assert "'event.acton' is never carried by events" in str(refused)
    tested = RulePack(ctx.settings, folder).test_examples(VIEWER, "inactive_account_activity")
    assert [(r.rule, r.passed, r.reason) for r in tested.results] == [
        ("inactive_account_activity", True, "ok")
    ]
    assert tested.refused and not tested.ok
    with pytest.raises(Invalid, match="1 rule\\(s\\) refused"):
        RulePack(ctx.settings, folder).list(VIEWER)
    with pytest.raises(Invalid, match="no loaded rule named 'nope'"):
        RulePack(ctx.settings, folder).test_examples(VIEWER, "nope")
    assert ctx.store.count_events(EventQuery()) == 0  # the examples ran elsewhere


def test_a_backfill_finds_each_burst_once_stores_it_once_and_notifies_nobody(
    ctx: ServiceContext,
) -> None:
    leaver_events(ctx, "m.jansen", hour=0)
    leaver_events(ctx, "p.smit", hour=5)
    service = RuleService(ctx, REPO / "rules")
    start, end = T0 - timedelta(hours=1), T0 + timedelta(hours=8)

    dry = service.backfill(ANALYST, start, end, rules=["inactive_account_activity"], dry_run=True)
    assert sorted(d.group["user.name"] for d in dry.detections) == ["m.jansen", "p.smit"]
    assert ctx.store.find_records(ALERT) == []

    stored = service.backfill(ANALYST, start, end, rules=["inactive_account_activity"])
    again = service.backfill(ANALYST, start, end, rules=["inactive_account_activity"])

    [run] = stored.runs
    assert (run.rule, run.error, len(run.new_alerts)) == ("inactive_account_activity", None, 2)
    assert again.runs[0].new_alerts == []
    alerts = ctx.store.find_records(ALERT)
    assert len(alerts) == 2 and not any(a.data.get("notified") for a in alerts)
    assert ctx.store.find_records("notification") == []
    with pytest.raises(Invalid, match="unknown rule\\(s\\) no_such_rule"):
        service.backfill(ANALYST, start, end, rules=["no_such_rule"])
    with pytest.raises(Invalid, match="must be before"):
        service.backfill(ANALYST, end, start)
    with pytest.raises(Forbidden, match="rules:run"):
        service.backfill(VIEWER, start, end)
