"""The 72-hour clock of Art. 33(1): deadline, time left, and reminders sent once each.

All arithmetic is in UTC, so the deadline is exactly 72 real hours after
awareness even when a DST change falls in between; people see it in local time
(``sentinel.localtime.show``). Reminders go through the notification outbox with
an id per incident and offset, which the outbox queues once: a scheduler job can
call ``send_due_reminders`` every minute, on any number of workers, across
restarts, and each reminder still goes out once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sentinel.clock import Clock
from sentinel.incidents.model import KIND, Incident
from sentinel.localtime import show, span
from sentinel.notify.outbox import Notification, enqueue
from sentinel.store.base import Store

WINDOW = timedelta(hours=72)
DEFAULT_REMINDERS: tuple[timedelta, ...] = (
    timedelta(hours=24),
    timedelta(hours=48),
    timedelta(hours=66),
    timedelta(hours=72),
)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def deadline(awareness: datetime) -> datetime:
    return awareness.astimezone(UTC) + WINDOW


@dataclass(frozen=True, slots=True)
class ClockState:
    awareness: datetime
    deadline: datetime
    left: timedelta
    """Negative once the deadline has passed."""
    notified: datetime | None
    """When the AP was first notified, if it was."""
    stopped: bool
    """True when no notification is pending any more (notified, decided against, closed)."""

    @property
    def overdue(self) -> bool:
        return self.notified is None and not self.stopped and self.left < timedelta(0)

    @property
    def late(self) -> bool | None:
        return None if self.notified is None else self.notified > self.deadline

    def describe(self, zone: ZoneInfo) -> str:
        due = show(self.deadline, zone, seconds=False)
        if self.notified is not None:
            when = show(self.notified, zone, seconds=False)
            return f"AP notified {when} ({'after' if self.late else 'before'} the deadline {due})"
        if self.stopped:
            return f"no AP notification pending (deadline was {due})"
        if self.left < timedelta(0):
            return f"deadline {due} passed {span(-self.left)} ago"
        return f"deadline {due}, {span(self.left)} left"


def clock_state(incident: Incident, now: datetime) -> ClockState | None:
    if incident.awareness is None:
        return None
    due = deadline(incident.awareness.at)
    initial = incident.initial_notification()
    return ClockState(
        awareness=incident.awareness.at,
        deadline=due,
        left=due - now,
        notified=initial.at if initial else None,
        stopped=not incident.clock_running and initial is None,
    )


def offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def due_reminders(
    incident: Incident, now: datetime, offsets: Sequence[timedelta] = DEFAULT_REMINDERS
) -> list[timedelta]:
    """Offsets whose moment has come, while the AP still has to be notified."""
    if incident.awareness is None or not incident.clock_running:
        return []
    return [o for o in sorted(offsets) if now >= incident.awareness.at + o]


def reminder_id(incident_id: str, offset: timedelta) -> str:
    return f"reminder:{incident_id}:{offset_label(offset)}"


def send_due_reminders(
    store: Store,
    clock: Clock,
    offsets: Sequence[timedelta] = DEFAULT_REMINDERS,
    *,
    zone: ZoneInfo = AMSTERDAM,
    channels: Sequence[str] = (),
) -> list[str]:
    """Queue every reminder that is due and not queued before; returns the ids queued now."""
    now = clock.now()
    queued = []
    for incident in _running(store):
        for offset in due_reminders(incident, now, offsets):
            if enqueue(store, _reminder(incident, offset, now, zone, channels), clock):
                queued.append(reminder_id(incident.id, offset))
    return queued


def _running(store: Store, page: int = 500) -> Iterator[Incident]:
    after: str | None = None
    while True:
        records = store.find_records(KIND, {"clock_running": True}, limit=page, after=after)
        for rec in records:
            yield Incident.from_data(rec.id, rec.data)
        if len(records) < page:
            return
        after = records[-1].id


def _reminder(
    incident: Incident,
    offset: timedelta,
    now: datetime,
    zone: ZoneInfo,
    channels: Sequence[str],
) -> Notification:
    assert incident.awareness is not None
    due = deadline(incident.awareness.at)
    left = due - now
    status = (
        f"{span(left)} left to notify the AP" if left > timedelta(0) else "the deadline has passed"
    )
    local_due = show(due, zone, seconds=False)
    return Notification(
        id=reminder_id(incident.id, offset),
        template="reminder",
        title=f"{incident.id} {incident.title}: {status} (deadline {local_due})",
        severity="critical" if offset >= timedelta(hours=66) else "high",
        context={
            "incident": {
                "id": incident.id,
                "title": incident.title,
                "severity": incident.severity,
                "status": incident.status,
                "commander": incident.commander,
                **_categories(incident),
            },
            "offset": offset_label(offset),
            "awareness": show(incident.awareness.at, zone),
            "deadline": show(due, zone),
            "left": span(left),
            "overdue": left <= timedelta(0),
        },
        channels=list(channels),
        link=f"/incidents/{incident.id}",
    )


def _categories(incident: Incident) -> dict[str, list[str]]:
    """The personal data involved, when known: the reminder says what is at stake."""
    known = incident.parsed_facts().data.categories
    return {"categories": [str(c) for c in known]} if isinstance(known, list) and known else {}
