"""The overview's figures: alerts per rule per local day, sources, failing rules and deliveries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sentinel.services.actor import Caller
from sentinel.services.context import ServiceContext
from sentinel.services.overview import OverviewService
from tests.conftest import ManualClock
from tests.services.conftest import T0, raise_alert

EVERYONE = Caller("ops")


def test_alerts_per_rule_per_local_day(ctx: ServiceContext, clock: ManualClock) -> None:
    clock.set(T0 + timedelta(days=2))
    raise_alert(ctx, "m.bakker", hour=0)  # 10 March, 10:00 in Amsterdam
    raise_alert(ctx, "s.visser", hour=14)  # 10 March 23:00 UTC is 11 March 00:00 local
    raise_alert(ctx, "j.smit", hour=15)
    figures = OverviewService(ctx).alerts_per_day(EVERYONE, days=3)
    assert figures.days == [date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)]
    [rule] = figures.rules
    assert (rule.rule_name, rule.days, rule.total) == ("terminated_account_activity", [1, 2, 0], 3)


def test_alerts_per_day_follow_local_days_across_the_clock_change(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    """29 March 2026 is 23 hours long in Amsterdam: 28 March 23:00 to 29 March 22:00 UTC."""
    clock.set(datetime(2026, 3, 30, 12, 0, tzinfo=UTC))
    hours = {
        "a.late": datetime(2026, 3, 28, 22, 0, tzinfo=UTC),  # 28 March, 23:00 +01:00
        "b.midnight": datetime(2026, 3, 28, 23, 0, tzinfo=UTC),  # 29 March, 00:00 +01:00
        "c.evening": datetime(2026, 3, 29, 21, 0, tzinfo=UTC),  # 29 March, 23:00 +02:00
        "d.next": datetime(2026, 3, 29, 22, 0, tzinfo=UTC),  # 30 March, 00:00 +02:00
    }
    for user, at in hours.items():
        raise_alert(ctx, user, hour=int((at - T0) / timedelta(hours=1)))

    figures = OverviewService(ctx).alerts_per_day(EVERYONE, days=3)

    assert figures.days == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    [rule] = figures.rules
    assert (rule.days, rule.total) == ([1, 2, 1], 4)


def test_failing_rules_and_failed_notifications_are_listed(ctx: ServiceContext) -> None:
    ctx.store.put_record(
        "rule_state",
        "r-1",
        {"status": "failing", "error": "store timed out", "last_run": "2026-03-10T09:00:00Z"},
    )
    ctx.store.put_record("rule_state", "r-2", {"status": "ok", "error": None})
    ctx.store.create_record(
        "notification",
        "n-1",
        {
            "template": "alert",
            "title": "AL-1 bulk views",
            "severity": "high",
            "context": {},
            "channels": [],
            "created": "2026-03-10T09:00:00.000Z",
            "status": "failed",
            "deliveries": {
                "mail": {"status": "failed", "error": "550 mailbox unknown"},
                "slack": {"status": "sent"},
            },
        },
    )
    service = OverviewService(ctx)
    [failing] = service.failing_rules(EVERYONE)
    assert (failing.rule, failing.error) == ("r-1", "store timed out")
    [failed] = service.failed_notifications(EVERYONE)
    assert failed.channels == {"mail": "550 mailbox unknown"}


def test_sources_show_their_newest_event_and_lag(ctx: ServiceContext, clock: ManualClock) -> None:
    raise_alert(ctx, "m.bakker", events=3)
    clock.set(T0 + timedelta(hours=1, minutes=2))
    [app] = OverviewService(ctx).sources(EVERYONE)
    assert (app.source, app.newest, app.lag_seconds) == ("app", T0 + timedelta(minutes=2), 3600.0)
