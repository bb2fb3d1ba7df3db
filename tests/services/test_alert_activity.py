"""Counts per rule, a group's activity around its alert, and the members it touched."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from sentinel.events import Event, event_id
from sentinel.services.alert_activity import AlertActivity
from sentinel.services.alerts import AlertService
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden, NotFound
from tests.services.conftest import ANALYST, RULE, T0, raise_alert

NOBODY = type(ANALYST)("nobody", permissions=frozenset())


def test_counts_per_rule_show_open_and_all_alerts(ctx: ServiceContext) -> None:
    first = raise_alert(ctx, "m.bakker", hour=0)
    raise_alert(ctx, "s.visser", hour=2)
    AlertService(ctx).close(ANALYST, first, "false positive: test account")
    [count] = AlertActivity(ctx).per_rule(ANALYST)
    assert (count.rule_name, count.open, count.total) == ("terminated_account_activity", 1, 2)


def test_rules_with_more_open_alerts_come_first(ctx: ServiceContext) -> None:
    other = replace(RULE, id="0b9d7e1a-5c3f-4e2d-8a6b-7c8d9e0f1a2b", name="after_hours")
    for n, user in enumerate(["a.jansen", "b.peters", "c.dekker"]):
        raise_alert(ctx, user, hour=n, rule=other)
    closed = raise_alert(ctx, "m.bakker", hour=0)
    AlertService(ctx).close(ANALYST, closed, "handled: account removed")
    raise_alert(ctx, "d.vos", hour=5, rule=other)

    counts = AlertActivity(ctx).per_rule(ANALYST)

    assert [(c.rule_name, c.open, c.total) for c in counts] == [
        ("after_hours", 4, 4),
        ("terminated_account_activity", 0, 1),
    ]


def test_activity_counts_all_the_groups_events_around_the_window(ctx: ServiceContext) -> None:
    alert = raise_alert(ctx, "m.bakker", hour=3, events=4)
    # the same account earlier that day, outside what the rule selected
    ctx.store.write_events(
        [
            Event(
                id=event_id("app", f"earlier-{n}"),
                timestamp=T0 + timedelta(hours=1, minutes=n),
                source="app",
                fields={"user.name": "m.bakker", "event.action": "login"},
            )
            for n in range(3)
        ]
    )
    activity = AlertActivity(ctx).around(ANALYST, alert)
    assert activity.step == "30m"
    assert sum(b.count for b in activity.buckets) == 7
    inside = [b for b in activity.buckets if b.in_window]
    assert sum(b.count for b in inside) == 4
    assert [b.start for b in inside] == [T0 + timedelta(hours=3), T0 + timedelta(hours=3.5)]
    assert any(b.count == 3 and not b.in_window for b in activity.buckets)


def test_members_touched_by_the_evidence_most_events_first(ctx: ServiceContext) -> None:
    alert = raise_alert(ctx, "m.bakker", events=3)
    members = AlertActivity(ctx).members(ANALYST, alert)
    assert [(m.member, m.events) for m in members] == [("M100", 1), ("M101", 1), ("M102", 1)]


def test_asks_for_alerts_read_and_names_a_missing_alert(ctx: ServiceContext) -> None:
    with pytest.raises(Forbidden):
        AlertActivity(ctx).per_rule(NOBODY)
    with pytest.raises(NotFound, match="no alert AL-nope"):
        AlertActivity(ctx).around(ANALYST, "AL-nope")
