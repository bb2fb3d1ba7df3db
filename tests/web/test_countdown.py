"""The countdown's time left and colour, at the moments the reminders fall due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sentinel.incidents.deadline import ClockState, deadline
from sentinel.web.countdown import countdown

AWARE = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)


def state(now: datetime, *, notified: datetime | None = None, stopped: bool = False) -> ClockState:
    due = deadline(AWARE)
    return ClockState(AWARE, due, due - now, notified, stopped)


def at(hours: float) -> datetime:
    return AWARE + timedelta(hours=hours)


def test_green_until_a_day_is_left_then_amber_then_red_six_hours_before() -> None:
    assert countdown(state(at(1)), at(1)).tone == "ok"
    assert countdown(state(at(47.99)), at(47.99)).tone == "ok"
    assert countdown(state(at(48)), at(48)).tone == "amber"
    assert countdown(state(at(65.99)), at(65.99)).tone == "amber"
    assert countdown(state(at(66)), at(66)).tone == "red"


def test_time_left_is_in_hours_and_minutes_across_the_dst_change() -> None:
    # awareness Friday 27 March 11:00 CET; clocks go forward on Sunday 29 March
    now = datetime(2026, 3, 29, 12, 30, tzinfo=UTC)
    shown = countdown(state(now), now)
    assert shown.text == "21h 30m left"
    assert shown.deadline == datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


def test_past_the_deadline_it_says_by_how_much_in_red() -> None:
    shown = countdown(state(at(73.5)), at(73.5))
    assert (shown.tone, shown.text) == ("red", "overdue by 1h 30m")


def test_stops_once_the_ap_is_notified_and_says_when_it_was_late() -> None:
    on_time = countdown(state(at(80), notified=at(70)), at(80))
    late = countdown(state(at(80), notified=at(75)), at(80))
    assert (on_time.tone, on_time.text) == ("stopped", "AP notified")
    assert late.text == "AP notified (late)"


def test_no_awareness_means_no_clock() -> None:
    assert countdown(None, at(0)).text == "no awareness time yet"
