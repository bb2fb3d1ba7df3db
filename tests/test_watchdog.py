"""The watchdog on both stores, with the injected clock: one alert per stalled job and stall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sentinel.alerts import Alerts
from sentinel.job_runs import last_successes, record_run
from sentinel.notify.outbox import KIND as OUTBOX
from sentinel.store.base import Store
from sentinel.watchdog import RULE_NAME, Watchdog, Watched
from tests.conftest import ManualClock

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 13:00 CET
LEASE = timedelta(minutes=1)
RULE = Watched("rule bulk_member_views", timedelta(minutes=5))
REMINDERS = Watched("incident reminders", timedelta(minutes=1))


def watchdog(store: Store, clock: ManualClock, *jobs: Watched) -> Watchdog:
    return Watchdog(
        Alerts(store, clock), clock, jobs, lease=LEASE, zone=AMSTERDAM, watching_since=T0
    )


def ran(store: Store, clock: ManualClock, job: Watched, error: str | None = None) -> None:
    record_run(store, job.job, job.interval, worker="w1", finished=clock.now(), error=error)


def open_alerts(store: Store) -> list:
    return store.find_records("alert", {"rule_name": RULE_NAME, "open": True})


def test_a_rule_that_misses_twice_its_interval_raises_one_alert_until_it_runs_again(
    store: Store, clock: ManualClock
) -> None:
    clock.set(T0)
    ran(store, clock, RULE)
    dog = watchdog(store, clock, RULE)
    clock.advance(minutes=10)
    assert dog.run().late == []  # exactly twice the interval: not late yet

    clock.advance(seconds=1)
    first = dog.run()
    clock.advance(minutes=5)
    again = dog.run()

    assert len(first.raised) == 1 and again.raised == []
    [alert] = open_alerts(store)
    assert (
        alert.data["summary"]
        == "detection rule bulk_member_views has not run since 2026-03-10 13:00 CET"
    )
    assert alert.data["severity"] == "high"
    assert alert.data["group"] == {"sentinel.job": "rule bulk_member_views"}
    assert store.get_record(OUTBOX, f"alert:{alert.id}") is not None  # sent like any alert

    ran(store, clock, RULE)
    cleared = dog.run()
    assert cleared.cleared == [alert.id] and open_alerts(store) == []
    closed = store.get_record("alert", alert.id)
    assert closed is not None
    assert (
        closed.data["close_reason"]
        == "detection rule bulk_member_views ran again (2026-03-10 13:15 CET)"
    )


def test_a_failing_run_does_not_count_and_a_new_stall_is_a_new_alert(
    store: Store, clock: ManualClock
) -> None:
    clock.set(T0)
    ran(store, clock, RULE)
    dog = watchdog(store, clock, RULE)
    clock.advance(minutes=11)
    ran(store, clock, RULE, error="FAILING: StoreUnavailable: connection refused")
    [stall] = dog.run().raised
    ran(store, clock, RULE)
    dog.run()

    clock.advance(minutes=11)
    [second] = dog.run().raised

    assert second != stall
    assert last_successes(store) == {RULE.job: T0 + timedelta(minutes=11)}


def test_stalled_reminders_are_critical_and_a_death_is_given_the_lease_to_move_on(
    store: Store, clock: ManualClock
) -> None:
    clock.set(T0)
    ran(store, clock, REMINDERS)
    dog = watchdog(store, clock, REMINDERS)
    clock.advance(seconds=119)  # twice the interval is also the interval plus the lease
    assert dog.run().late == []
    clock.advance(seconds=2)

    [aid] = dog.run().raised

    alert = store.get_record("alert", aid)
    assert alert is not None and alert.data["severity"] == "critical"
    assert alert.data["summary"] == (
        "the 72-hour reminder job has not run since 2026-03-10 13:00 CET"
    )


def test_a_job_that_never_completed_is_late_counted_from_when_watching_began(
    store: Store, clock: ManualClock
) -> None:
    pull = Watched("ingest app", timedelta(seconds=30))
    dog = watchdog(store, clock, pull)
    clock.set(T0 + timedelta(seconds=90))  # interval + lease
    assert dog.run().late == []
    clock.advance(seconds=1)

    [aid] = dog.run().raised

    alert = store.get_record("alert", aid)
    assert alert is not None
    assert alert.data["summary"] == (
        "the pull of source app has not completed a run since the workers started "
        "watching it (2026-03-10 13:00 CET)"
    )
