"""The outbox: notifications are queued in the store, then delivered with retries.

Queueing is idempotent by id, so a job that runs twice (a restart, a second
worker) queues a notification once; delivery to each channel is tracked
separately so a failing channel never holds up the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sentinel.clock import Clock
from sentinel.store.base import ConflictError, Record, Store

KIND = "notification"


@dataclass(frozen=True, slots=True)
class Notification:
    id: str
    """Deterministic for what it announces (an alert id, an incident and reminder offset)."""
    template: str
    """Message template family under templates/notify/ (e.g. "alert", "reminder")."""
    title: str
    severity: str
    context: dict[str, Any]
    """Template variables; JSON-serialisable."""
    channels: list[str] = field(default_factory=list)
    """Channel names from settings; empty means the configured default channels."""
    link: str | None = None


def enqueue(store: Store, notification: Notification, clock: Clock) -> bool:
    """Queue once; False when a notification with this id was queued before."""
    now = clock.now().isoformat()
    data = {
        "template": notification.template,
        "title": notification.title,
        "severity": notification.severity,
        "context": notification.context,
        "channels": notification.channels,
        "link": notification.link,
        "created": now,
        "status": "pending",
        "deliveries": {},
    }
    try:
        store.create_record(KIND, notification.id, data)
    except ConflictError:
        return False
    return True


def pending(store: Store, limit: int = 500) -> list[Record]:
    return store.find_records(KIND, {"status": "pending"}, order_by="created", limit=limit)
