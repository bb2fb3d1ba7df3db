"""The 72-hour countdown as people see it: time left, and a colour that follows the reminders.

Green while no late reminder is due; amber from the reminder a day before the
deadline (48 h after awareness); red from the last reminder before it (66 h) and
once it has passed. The arithmetic is the clock's own (UTC, 72 real hours), so a
DST change in between moves the local deadline, never the time left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sentinel.incidents.deadline import DEFAULT_REMINDERS, WINDOW, ClockState

Tone = Literal["ok", "amber", "red", "stopped", "none"]

AMBER_FROM = sorted(DEFAULT_REMINDERS)[-3]
RED_FROM = sorted(DEFAULT_REMINDERS)[-2]


@dataclass(frozen=True, slots=True)
class Countdown:
    tone: Tone
    text: str
    """What the badge says: '23h 59m left', 'overdue by 1h 5m', 'AP notified'."""
    deadline: datetime | None


def hours_minutes(delta: timedelta) -> str:
    """``71h 59m``: hours and minutes, as a 72-hour clock is read (never days)."""
    minutes = int(delta.total_seconds()) // 60
    return f"{minutes // 60}h {minutes % 60:02d}m"


def countdown(state: ClockState | None, now: datetime) -> Countdown:
    if state is None:
        return Countdown("none", "no awareness time yet", None)
    if state.notified is not None:
        late = " (late)" if state.late else ""
        return Countdown("stopped", f"AP notified{late}", state.deadline)
    if state.stopped:
        return Countdown("stopped", "no AP notification pending", state.deadline)
    left = state.deadline - now
    if left <= timedelta(0):
        return Countdown("red", f"overdue by {hours_minutes(-left)}", state.deadline)
    elapsed = WINDOW - left
    tone: Tone = "red" if elapsed >= RED_FROM else "amber" if elapsed >= AMBER_FROM else "ok"
    return Countdown(tone, f"{hours_minutes(left)} left", state.deadline)
