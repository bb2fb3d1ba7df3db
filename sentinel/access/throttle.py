"""Lockout and rate limit after repeated failures, kept in the store so every worker sees them.

Two counters: one per account name (wrong passwords and wrong codes) and one per
client address. A counter that reaches its limit within the window locks for a
while; the lock expires by itself. Account counters exist for names nobody has,
too, so being locked out says nothing about whether an account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sentinel.access.model import THROTTLE_KIND, ThrottleDoc
from sentinel.clock import Clock
from sentinel.store.base import ConflictError, Store

_ATTEMPTS = 10


class LockedOut(Exception):
    """Too many failures: no attempt is even checked until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__("too many failed attempts; wait before trying again")
        self.until = until


@dataclass(frozen=True, slots=True)
class Limit:
    failures: int
    window: timedelta
    lock: timedelta


class Throttle:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def check(self, key: str) -> None:
        """LockedOut while the key's lock runs."""
        rec = self.store.get_record(THROTTLE_KIND, key)
        if rec is None:
            return
        doc: ThrottleDoc = ThrottleDoc.load(THROTTLE_KIND, key, rec.data)
        if doc.locked_until is not None and doc.locked_until > self.clock.now():
            raise LockedOut(doc.locked_until)

    def fail(self, key: str, limit: Limit) -> datetime | None:
        """Count one failure; the time the key is locked until when this one locked it."""
        for _attempt in range(_ATTEMPTS):
            now = self.clock.now()
            rec = self.store.get_record(THROTTLE_KIND, key)
            doc = ThrottleDoc.load(THROTTLE_KIND, key, rec.data) if rec else ThrottleDoc()
            recent = [t for t in doc.failures if now - t < limit.window] + [now]
            locked = None
            if len(recent) >= limit.failures:
                locked = now + limit.lock
                recent = []
            new = ThrottleDoc(failures=recent, locked_until=locked or doc.locked_until)
            try:
                if rec is None:
                    self.store.create_record(THROTTLE_KIND, key, new.dump())
                else:
                    self.store.update_record(THROTTLE_KIND, key, new.dump(), rec.version)
            except ConflictError:
                continue
            return locked
        return None

    def forget_stale(self, window: timedelta) -> int:
        """Delete counters with no failure inside ``window`` and no running lock."""
        now = self.clock.now()
        gone = 0
        after: str | None = None
        while True:
            records = self.store.find_records(THROTTLE_KIND, after=after)
            for r in records:
                doc = ThrottleDoc.load(THROTTLE_KIND, r.id, r.data)
                locked = doc.locked_until is not None and doc.locked_until > now
                recent = any(now - t < window for t in doc.failures)
                if not locked and not recent and self.store.delete_record(THROTTLE_KIND, r.id):
                    gone += 1
            if len(records) < 1000:
                return gone
            after = records[-1].id

    def clear(self, key: str) -> None:
        self.store.delete_record(THROTTLE_KIND, key)
