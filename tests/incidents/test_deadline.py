"""The 72-hour clock across DST changes and restarts, and late notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.incidents.deadline import (
    AMSTERDAM,
    clock_state,
    deadline,
    due_reminders,
    send_due_reminders,
)
from sentinel.incidents.decisions import decide
from sentinel.incidents.model import IncidentError
from sentinel.incidents.notifications import record_notification
from sentinel.incidents.service import Incidents
from sentinel.localtime import show
from sentinel.notify import outbox
from sentinel.store import open_store
from sentinel.store.base import Store
from tests.conftest import ManualClock

# Saturday 28 March 2026, 10:00 CET; clocks go forward on Sunday 29 March at 02:00.
SPRING_AWARE = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
# Saturday 24 October 2026, 10:00 CEST; clocks go back on Sunday 25 October at 03:00.
AUTUMN_AWARE = datetime(2026, 10, 24, 8, 0, tzinfo=UTC)


def test_deadline_is_72_real_hours_across_spring_forward(
    incidents: Incidents, clock: ManualClock
) -> None:
    clock.set(SPRING_AWARE)
    inc = incidents.open("Ransomware on a garage-facing server", by="carol").incident
    state = clock_state(inc, clock.now())
    assert state is not None
    assert state.deadline - state.awareness == timedelta(hours=72)
    assert show(state.awareness, AMSTERDAM) == "2026-03-28 10:00:00 CET"
    # 72 real hours, shown one wall-clock hour later because an hour was skipped.
    assert show(state.deadline, AMSTERDAM) == "2026-03-31 11:00:00 CEST"
    assert state.describe(AMSTERDAM) == "deadline 2026-03-31 11:00 CEST, 3d 0h left"
    clock.set(datetime(2026, 3, 30, 22, 0, tzinfo=UTC))
    assert clock_state(inc, clock.now()).describe(AMSTERDAM) == (  # type: ignore[union-attr]
        "deadline 2026-03-31 11:00 CEST, 11h 0m left"
    )


def test_deadline_is_72_real_hours_across_fall_back() -> None:
    due = deadline(AUTUMN_AWARE)
    assert due == datetime(2026, 10, 27, 8, 0, tzinfo=UTC)
    assert show(AUTUMN_AWARE, AMSTERDAM) == "2026-10-24 10:00:00 CEST"
    assert show(due, AMSTERDAM) == "2026-10-27 09:00:00 CET"


def _queued(store: Store) -> list[str]:
    return [r.id for r in store.find_records(outbox.KIND, limit=100)]


def test_reminders_once_each_across_dst_and_a_restart(store: Store, clock: ManualClock) -> None:
    clock.set(SPRING_AWARE)
    inc_id = Incidents(store, clock).open("Stolen tablet", by="carol").incident.id

    clock.set(SPRING_AWARE + timedelta(hours=23, minutes=59))
    assert send_due_reminders(store, clock) == []
    clock.set(SPRING_AWARE + timedelta(hours=24))  # Sunday 11:00 CEST, after the change
    assert send_due_reminders(store, clock) == [f"reminder:{inc_id}:24h"]
    clock.advance(minutes=1)
    assert send_due_reminders(store, clock) == []

    # A restart: a fresh store connection and service over the same database.
    restarted = open_store(store.url, getattr(store, "settings", None))
    try:
        clock.set(SPRING_AWARE + timedelta(hours=48))
        assert send_due_reminders(restarted, clock) == [f"reminder:{inc_id}:48h"]
        assert send_due_reminders(restarted, clock) == []
        clock.set(SPRING_AWARE + timedelta(hours=80))  # down through 66h and 72h
        assert send_due_reminders(restarted, clock) == [
            f"reminder:{inc_id}:66h",
            f"reminder:{inc_id}:72h",
        ]
        assert send_due_reminders(restarted, clock) == []
    finally:
        restarted.close()
    assert sorted(_queued(store)) == sorted(f"reminder:{inc_id}:{h}h" for h in (24, 48, 66, 72))
    reminder = store.get_record(outbox.KIND, f"reminder:{inc_id}:24h")
    assert reminder is not None
    assert reminder.data["template"] == "reminder"
    assert reminder.data["context"]["deadline"] == "2026-03-31 11:00:00 CEST"
    assert reminder.data["context"]["left"] == "2d 0h"


def test_configured_offsets(incidents: Incidents, clock: ManualClock) -> None:
    inc = incidents.open("x", by="c").incident
    offsets = [timedelta(hours=1), timedelta(minutes=90)]
    assert due_reminders(inc, clock.now() + timedelta(minutes=95), offsets) == offsets
    queued = send_due_reminders(incidents.store, _later(clock, minutes=61), offsets)
    assert queued == [f"reminder:{inc.id}:1h"]


def _later(clock: ManualClock, **delta: float) -> ManualClock:
    clock.advance(**delta)
    return clock


def test_no_reminders_once_notified_or_decided_against(
    incidents: Incidents, clock: ManualClock
) -> None:
    notified = incidents.open("notified", by="c").incident.id
    declined = incidents.open("declined", by="c").incident.id
    record_notification(incidents, notified, kind="initial", by="dpo", reference="AP-1")
    decide(
        incidents,
        declined,
        notify_authority="no",
        notify_subjects="no",
        reason="encrypted laptop, key safe: unlikely to result in a risk",
        by="dpo",
    )
    clock.advance(hours=30)
    assert send_due_reminders(incidents.store, clock) == []


def test_late_notification_needs_the_reason_for_delay(
    incidents: Incidents, clock: ManualClock
) -> None:
    clock.set(SPRING_AWARE)
    inc_id = incidents.open("Misdirected payment overview", by="carol").incident.id
    clock.set(SPRING_AWARE + timedelta(hours=73))
    with pytest.raises(IncidentError) as err:
        record_notification(incidents, inc_id, kind="initial", by="dpo", reference="M-77")
    message = str(err.value)
    assert "1h 0m past the 72-hour deadline (2026-03-31 11:00:00 CEST)" in message
    assert "--delay-reason" in message
    assert incidents.get(inc_id).incident.notifications == []

    inc = record_notification(
        incidents,
        inc_id,
        kind="initial",
        by="dpo",
        reference="M-77",
        delay_reason="the partner reported the misdirected mail only on Monday",
    ).incident
    sent = inc.notifications[0]
    assert (sent.late, sent.reference) == (True, "M-77")
    assert sent.delay_reason == "the partner reported the misdirected mail only on Monday"
    assert (inc.status, inc.clock_running) == ("notified", False)
    state = clock_state(inc, clock.now())
    assert state is not None and state.late is True


def test_notification_in_time_needs_no_reason(incidents: Incidents, clock: ManualClock) -> None:
    inc_id = incidents.open("x", by="c").incident.id
    clock.advance(hours=71)
    inc = record_notification(incidents, inc_id, kind="initial", by="dpo").incident
    assert inc.notifications[0].late is False
    made_earlier = incidents.open("y", by="c").incident.id
    clock.advance(hours=80)
    inc = record_notification(
        incidents,
        made_earlier,
        kind="initial",
        by="dpo",
        at=clock.now() - timedelta(hours=10),
    ).incident
    assert inc.notifications[0].late is False
