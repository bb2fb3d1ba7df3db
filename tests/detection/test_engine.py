"""Engine windows with an injected clock: late events, restarts, catch-up, flatline, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sentinel.alerts import Alerts
from sentinel.detection.engine import Engine
from sentinel.events import format_timestamp
from sentinel.store.base import StoreError
from tests.detection.conftest import ev

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

VIEWS = """
title: Member record viewed
name: member_view
logsource: {product: sentinel}
detection:
  s:
    event.action: member.view
  condition: s
level: low
---
title: Bulk viewing of member records
name: bulk_view
correlation:
  type: value_count
  rules: [member_view]
  group-by: [user.name]
  timespan: 1h
  condition: {gte: 5, field: sentinel.member.id}
level: high
sentinel:
  interval: 5m
  delay: 2m
  categories: [contact]
"""

TERMINATED = """
title: Activity by a terminated account
name: terminated
logsource: {product: sentinel}
detection:
  s:
    sentinel.account.inactive: true
  condition: s
level: high
sentinel:
  group-by: [user.name]
  window: 1h
  suppress: 6h
"""

SILENT = """
title: Service gone silent
name: silent
logsource: {product: sentinel}
detection:
  s:
    service.name|exists: true
  condition: s
level: medium
sentinel:
  delay: 0s
  flatline:
    group-by: [service.name]
    span: 2h
    history: 1d
"""


def views(user: str, n: int, at: datetime, step: timedelta = timedelta(seconds=30)) -> list:
    return [
        ev(
            at + i * step,
            user__name=user,
            event__action="member.view",
            sentinel__member__id=f"M{i}",
        )
        for i in range(n)
    ]


def engine(store, rules, clock, **kw) -> Engine:
    return Engine(store, rules, Alerts(store, clock), clock, **kw)


def test_threshold_crossed_raises_one_alert_and_quiet_account_none(
    sqlite_store, clock, rules_from
) -> None:
    rules = rules_from(VIEWS)
    sqlite_store.write_events(views("busy", 7, T0) + views("quiet", 3, T0))
    clock.set(T0 + timedelta(minutes=20))
    run = engine(sqlite_store, rules, clock, initial_lookback=timedelta(hours=1)).run(
        rules.rules["bulk_view"]
    )
    assert run.error is None
    [aid] = run.new_alerts
    alert = sqlite_store.get_record("alert", aid).data
    assert alert["group"] == {"user.name": "busy"}
    assert alert["distinct"] == 7
    assert alert["categories"] == ["contact"]


def test_late_event_is_seen_by_the_next_overlapping_run(sqlite_store, clock, rules_from) -> None:
    rules = rules_from(VIEWS)
    rule = rules.rules["bulk_view"]
    eng = engine(sqlite_store, rules, clock, initial_lookback=timedelta(hours=1))
    sqlite_store.write_events(views("late", 4, T0))
    clock.set(T0 + timedelta(minutes=10))
    assert eng.run(rule).new_alerts == []
    # the fifth view happened at 09:07 but reaches the store only after that run
    sqlite_store.write_events(
        [
            ev(
                T0 + timedelta(minutes=7),
                user__name="late",
                event__action="member.view",
                sentinel__member__id="M99",
            )
        ]
    )
    clock.advance(minutes=5)
    assert len(eng.run(rule).new_alerts) == 1


def test_restart_and_rerun_never_duplicate_alerts(sqlite_store, clock, rules_from) -> None:
    rules = rules_from(VIEWS)
    rule = rules.rules["bulk_view"]
    sqlite_store.write_events(views("busy", 6, T0))
    clock.set(T0 + timedelta(minutes=15))
    first = engine(sqlite_store, rules, clock, initial_lookback=timedelta(hours=1)).run(rule)
    assert len(first.new_alerts) == 1
    sqlite_store.write_events(views("busy", 9, T0 + timedelta(minutes=20), timedelta(seconds=10)))
    clock.advance(minutes=10)
    restarted = engine(sqlite_store, rules, clock, initial_lookback=timedelta(hours=1)).run(rule)
    assert restarted.new_alerts == [] and restarted.updated == 1
    assert len(sqlite_store.find_records("alert")) == 1
    assert sqlite_store.get_record("alert", first.new_alerts[0]).data["distinct"] == 9


def test_catch_up_after_downtime_goes_window_by_window_and_reports_lag(
    sqlite_store, clock, rules_from
) -> None:
    rules = rules_from(VIEWS)
    rule = rules.rules["bulk_view"]
    eng = engine(
        sqlite_store,
        rules,
        clock,
        initial_lookback=timedelta(hours=1),
        max_window=timedelta(hours=6),
    )
    clock.set(T0)
    eng.run(rule)
    # two days down; bursts on both days
    sqlite_store.write_events(views("a", 5, T0 + timedelta(hours=20)))
    sqlite_store.write_events(views("b", 5, T0 + timedelta(hours=40)))
    clock.advance(hours=48)
    run = eng.run(rule)
    assert run.windows == 9  # 48 h plus the 2-minute overlap, in 6-hour windows
    assert len(run.new_alerts) == 2
    assert run.lag == rule.meta.delay
    [status] = eng.status()
    assert status.lag == rule.meta.delay and status.status == "ok"


def test_suppression_folds_repeats_into_the_open_alert(sqlite_store, clock, rules_from) -> None:
    rules = rules_from(TERMINATED)
    rule = rules.rules["terminated"]
    for hours in (0, 2, 4):
        sqlite_store.write_events(
            [
                ev(
                    T0 + timedelta(hours=hours),
                    user__name="m.bakker",
                    sentinel__account__inactive=True,
                )
            ]
        )
    clock.set(T0 + timedelta(hours=5))
    run = engine(sqlite_store, rules, clock, initial_lookback=timedelta(hours=6)).run(rule)
    assert len(run.new_alerts) == 1 and run.folded == 2
    alert = sqlite_store.get_record("alert", run.new_alerts[0]).data
    assert alert["count"] == 3
    assert len(alert["occurrences"]) == 3
    # a rerun over the same range changes nothing
    again = engine(sqlite_store, rules, clock, initial_lookback=timedelta(hours=6)).backfill(
        T0 - timedelta(hours=1), T0 + timedelta(hours=5), [rule]
    )
    assert sqlite_store.get_record("alert", run.new_alerts[0]).data["count"] == 3
    assert again[1][0].new_alerts == []


def test_repeat_after_suppression_span_raises_a_new_alert(sqlite_store, clock, rules_from) -> None:
    rules = rules_from(TERMINATED)
    rule = rules.rules["terminated"]
    for hours in (0, 10):
        sqlite_store.write_events(
            [
                ev(
                    T0 + timedelta(hours=hours),
                    user__name="m.bakker",
                    sentinel__account__inactive=True,
                )
            ]
        )
    clock.set(T0 + timedelta(hours=11))
    run = engine(sqlite_store, rules, clock, initial_lookback=timedelta(hours=12)).run(rule)
    assert len(run.new_alerts) == 2


def test_flatline_fires_once_and_clears_when_events_resume(sqlite_store, clock, rules_from) -> None:
    rules = rules_from(SILENT)
    rule = rules.rules["silent"]
    eng = engine(sqlite_store, rules, clock, initial_lookback=timedelta(hours=1))
    sqlite_store.write_events(
        [
            ev(T0 + timedelta(minutes=m), service__name=s)
            for m in range(0, 60, 5)
            for s in ("api", "portal")
        ]
    )
    clock.set(T0 + timedelta(hours=1))
    assert eng.run(rule).new_alerts == []
    sqlite_store.write_events(
        [ev(T0 + timedelta(hours=1, minutes=m), service__name="portal") for m in range(0, 180, 5)]
    )
    clock.set(T0 + timedelta(hours=3, minutes=5))
    fired = eng.run(rule)
    assert len(fired.new_alerts) == 1
    alert = sqlite_store.get_record("alert", fired.new_alerts[0])
    assert alert.data["group"] == {"service.name": "api"}
    clock.advance(minutes=30)
    assert eng.run(rule).new_alerts == []  # still silent: same alert, no second one
    sqlite_store.write_events([ev(clock.now() - timedelta(minutes=1), service__name="api")])
    clock.advance(minutes=5)
    cleared = eng.run(rule)
    assert cleared.cleared == 1
    alert = sqlite_store.get_record("alert", fired.new_alerts[0]).data
    assert alert["status"] == "closed" and alert["close_reason"] == "events resumed"


EXPECTED_API = SILENT.replace("history: 1d", "history: 1d\n    expected: [api]")


def test_an_expected_service_never_heard_alerts_only_once_other_logs_arrive(
    sqlite_store, clock, rules_from
) -> None:
    rules = rules_from(EXPECTED_API)
    rule = rules.rules["silent"]
    eng = engine(sqlite_store, rules, clock, initial_lookback=timedelta(hours=1))
    clock.set(T0 + timedelta(hours=3))
    assert eng.run(rule).new_alerts == []  # an empty store: no data yet, not silence
    sqlite_store.write_events(
        [ev(T0 + timedelta(hours=3, minutes=m), service__name="portal") for m in range(0, 180, 5)]
    )
    clock.set(T0 + timedelta(hours=6))
    fired = eng.run(rule)
    assert len(fired.new_alerts) == 1
    assert sqlite_store.get_record("alert", fired.new_alerts[0]).data["group"] == {
        "service.name": "api"
    }


class BrokenForOneRule:
    """The real store, except that queries touching one field fail."""

    def __init__(self, store, field: str) -> None:
        self._store, self._field = store, field

    def aggregate(self, query, agg):
        if self._field in repr(query.filter):
            raise StoreError("disk I/O error")
        return self._store.aggregate(query, agg)

    def __getattr__(self, name: str):
        return getattr(self._store, name)


def test_failing_rule_is_marked_with_its_error_and_others_go_on(
    sqlite_store, clock, rules_from
) -> None:
    rules = rules_from(VIEWS, TERMINATED)
    sqlite_store.write_events(views("busy", 6, T0))
    sqlite_store.write_events([ev(T0, user__name="x", sentinel__account__inactive=True)])
    clock.set(T0 + timedelta(minutes=30))
    store = BrokenForOneRule(sqlite_store, "sentinel.account.inactive")
    eng = engine(store, rules, clock, initial_lookback=timedelta(hours=1))
    runs = {r.rule: r for r in eng.run_all()}
    assert runs["terminated"].error is not None and "disk I/O" in runs["terminated"].error
    assert runs["bulk_view"].error is None and len(runs["bulk_view"].new_alerts) == 1
    status = {s.rule: s for s in eng.status()}
    assert status["terminated"].status == "failing"
    assert "disk I/O" in (status["terminated"].error or "")
    assert status["bulk_view"].status == "ok"


def test_burst_straddling_a_window_boundary_is_caught_once(sqlite_store, clock, rules_from) -> None:
    rules = rules_from(VIEWS)
    # 8 distinct members from 09:40 to 10:15: each clock hour holds 4, below the
    # threshold of 5, but the 09:30-10:30 window holds all 8: one alert, not none
    at = T0 + timedelta(minutes=40)
    sqlite_store.write_events(views("straddler", 8, at, timedelta(minutes=5)))
    clock.set(T0 + timedelta(hours=2))
    run = engine(sqlite_store, rules, clock, initial_lookback=timedelta(hours=3)).run(
        rules.rules["bulk_view"]
    )
    assert len(run.new_alerts) == 1
    alert = sqlite_store.get_record("alert", run.new_alerts[0]).data
    assert alert["distinct"] == 8


def test_each_run_keeps_what_it_asked_of_the_store_with_the_rule_state(
    sqlite_store, clock, rules_from
) -> None:
    rules = rules_from(VIEWS)
    rule = rules.rules["bulk_view"]
    sqlite_store.write_events(views("busy", 7, T0))
    clock.set(T0 + timedelta(minutes=20))
    eng = engine(sqlite_store, rules, clock, initial_lookback=timedelta(hours=1))
    run = eng.run(rule)
    # the two grids of two-hour windows, then the times of the seven views in the dense one
    assert (run.budget.requests, run.budget.hits) == (3, 7)
    assert run.as_dict()["budget"] == run.budget.as_dict()
    [status] = eng.status()
    assert status.budget == run.budget
    # a run catching up a day asks once per window, and its figures replace the last run's
    clock.advance(days=1)
    again = eng.run(rule)
    assert again.windows == 5 and again.budget.requests == 5 * 2 + 1
    [status] = eng.status()
    assert status.budget == again.budget


def test_a_replay_goes_in_day_long_passes_and_finds_what_catch_up_windows_find(
    sqlite_store, clock, rules_from
) -> None:
    rules = rules_from(VIEWS)
    rule = rules.rules["bulk_view"]
    sqlite_store.write_events(views("a", 6, T0 + timedelta(hours=5, minutes=50)))
    sqlite_store.write_events(views("b", 6, T0 + timedelta(hours=30)))
    clock.set(T0 + timedelta(days=2))
    start, end = T0, T0 + timedelta(days=2)
    replayed, [run] = engine(sqlite_store, rules, clock).backfill(
        start, end, [rule], store_alerts=False
    )
    assert run.windows == 2
    windowed, [small] = engine(
        sqlite_store, rules, clock, replay_window=timedelta(hours=6)
    ).backfill(start, end, [rule], store_alerts=False)
    assert small.windows == 8
    assert run.budget.requests < small.budget.requests

    def ids(found):
        return {(d.group["user.name"], d.key) for d in found}

    assert (
        ids(replayed)
        == ids(windowed)
        == {
            ("a", format_timestamp(T0 + timedelta(hours=5))),
            ("b", format_timestamp(T0 + timedelta(hours=30))),
        }
    )
