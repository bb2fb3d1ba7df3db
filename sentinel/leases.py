"""Leases: which worker runs a scheduled job, until when, under which fencing number.

One record per job (``lease/<job>``): its owner, when the lease expires, and
the epoch, which grows by one with every new owner and is the fencing number
the owner's checkpoint and rule-state writes carry (``sentinel.store.fencing``).
Taking, renewing and handing back are compare-and-set writes on the record's
version, so of two workers racing for a free job exactly one wins, on
Elasticsearch and on one SQLite file shared by several processes alike.

Expiry is judged by the clock of whoever reads the lease. A lease does not
stop its owner from running (a paused owner wakes up believing it still holds
it); the fencing number is what refuses that owner's late writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sentinel.clock import Clock
from sentinel.events import format_timestamp, parse_timestamp
from sentinel.store.base import ConflictError, Record, Store
from sentinel.store.fencing import Fence

KIND = "lease"
_PAGE = 1000


class LeaseLost(Exception):
    """The lease has passed to another worker (or was handed back): its job must stop here."""


@dataclass(frozen=True, slots=True)
class Lease:
    job: str
    owner: str | None
    """None once handed back."""
    expires: datetime
    epoch: int
    acquired: datetime | None
    version: str

    def free(self, now: datetime) -> bool:
        return self.owner is None or self.expires <= now

    @property
    def fence(self) -> Fence:
        return Fence(self.job, self.epoch)

    @classmethod
    def from_record(cls, rec: Record) -> Lease:
        d = rec.data
        return cls(
            job=rec.id,
            owner=d.get("owner"),
            expires=parse_timestamp(d["expires"]),
            epoch=int(d["epoch"]),
            acquired=parse_timestamp(d["acquired"]) if d.get("acquired") else None,
            version=rec.version,
        )


class Leases:
    """The leases as one worker (``owner``) takes, renews and hands them back."""

    def __init__(self, store: Store, clock: Clock, owner: str, duration: timedelta) -> None:
        self.store = store
        self.clock = clock
        self.owner = owner
        self.duration = duration

    def get(self, job: str) -> Lease | None:
        rec = self.store.get_record(KIND, job)
        return Lease.from_record(rec) if rec is not None else None

    def all(self) -> list[Lease]:
        return all_leases(self.store)

    def acquire(self, job: str, seen: Lease | None = None) -> Lease | None:
        """Take the job if its lease is free or expired, with the next epoch; None if not.

        ``seen`` is the lease as last read (saves a read); a stale one only makes
        the write fail, as does losing the race to another worker.
        """
        now = self.clock.now()
        current = seen if seen is not None else self.get(job)
        if current is not None and not current.free(now):
            return None
        epoch = current.epoch + 1 if current is not None else 1
        data = self._data(job, now, epoch, acquired=now)
        try:
            if current is None:
                rec = self.store.create_record(KIND, job, data)
            else:
                rec = self.store.update_record(KIND, job, data, current.version)
        except ConflictError:
            return None
        return Lease.from_record(rec)

    def renew(self, lease: Lease) -> Lease:
        """Extend a lease this worker holds; ``LeaseLost`` if it is no longer this worker's."""
        now = self.clock.now()
        data = self._data(lease.job, now, lease.epoch, acquired=lease.acquired or now)
        version = lease.version
        for _ in range(3):
            try:
                return Lease.from_record(self.store.update_record(KIND, lease.job, data, version))
            except ConflictError:
                current = self.get(lease.job)
                if current is None or not self._mine(current, lease):
                    raise LeaseLost(self._lost(lease, current)) from None
                version = current.version
        raise LeaseLost(f"lease of {lease.job!r} kept changing while it was being renewed")

    def release(self, lease: Lease) -> bool:
        """Hand the job back at once (a clean stop); False if it was no longer this worker's."""
        now = self.clock.now()
        data = self._data(lease.job, now, lease.epoch, acquired=lease.acquired or now)
        data.update(owner=None, expires=format_timestamp(now), released=format_timestamp(now))
        version = lease.version
        for _ in range(3):
            try:
                self.store.update_record(KIND, lease.job, data, version)
                return True
            except ConflictError:
                current = self.get(lease.job)
                if current is None or not self._mine(current, lease):
                    return False
                version = current.version
        return False

    def _mine(self, current: Lease, lease: Lease) -> bool:
        return current.owner == self.owner and current.epoch == lease.epoch

    def _lost(self, lease: Lease, current: Lease | None) -> str:
        if current is None or current.owner is None:
            return f"the lease of {lease.job!r} was handed back or removed"
        return (
            f"the lease of {lease.job!r} passed to {current.owner} "
            f"(epoch {current.epoch}; this worker held epoch {lease.epoch})"
        )

    def _data(self, job: str, now: datetime, epoch: int, *, acquired: datetime) -> dict[str, Any]:
        return {
            "job": job,
            "owner": self.owner,
            "epoch": epoch,
            "expires": format_timestamp(now + self.duration),
            "acquired": format_timestamp(acquired),
            "renewed": format_timestamp(now),
        }


def all_leases(store: Store) -> list[Lease]:
    """Every job's lease, held or not, in job order."""
    out: list[Lease] = []
    after: str | None = None
    while True:
        page = store.find_records(KIND, limit=_PAGE, after=after)
        out += [Lease.from_record(r) for r in page]
        if len(page) < _PAGE:
            return out
        after = page[-1].id
