"""One worker's part in sharing the jobs: its heartbeat, its leases, the balance with the others.

Every ``heartbeat`` the worker says it is alive (``worker/<id>``), renews the
leases it holds, and compares its share with the other live workers': it hands
back idle jobs beyond ``ceil(jobs / live workers)`` and takes free or expired
ones up to that share. Which jobs a worker prefers is decided by rendezvous
hashing of worker and job, so workers reach for different jobs first and a
job tends to stay where it is. A worker that stops cleanly hands everything
back at once; one that dies stops renewing, and its jobs move on when their
leases expire.

A job's run asks ``running(job)`` for its fence: only while this worker holds
the job's lease, and only until the lease's expiry as this worker last renewed
it, so a worker whose renewals fail stops before others may take over.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sentinel.clock import Clock
from sentinel.events import format_timestamp, parse_timestamp
from sentinel.leases import Lease, LeaseLost, Leases
from sentinel.store.base import Record, Store, StoreError
from sentinel.store.fencing import Fence

log = logging.getLogger("sentinel.workers")

WORKER = "worker"
FORGET_AFTER = timedelta(days=1)
"""A worker not seen for this long is removed from the list of workers."""
_PAGE = 1000


def worker_name() -> str:
    """Host and process, and a random part so a restarted process is never taken for its past."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def rank(worker: str, job: str) -> int:
    """How much ``worker`` prefers ``job`` (rendezvous hashing): higher is taken first."""
    digest = hashlib.blake2b(f"{worker}\x1f{job}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass(slots=True)
class TickReport:
    live: int = 0
    share: int = 0
    claimed: list[str] = field(default_factory=list)
    handed_back: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


def worker_records(store: Store) -> list[Record]:
    out: list[Record] = []
    after: str | None = None
    while True:
        page = store.find_records(WORKER, limit=_PAGE, after=after)
        out += page
        if len(page) < _PAGE:
            return out
        after = page[-1].id


def is_live(rec: Record, now: datetime, lease: timedelta) -> bool:
    """Seen within a lease's length and not stopped: counted when the jobs are shared out."""
    data = rec.data
    return data.get("stopped") is None and parse_timestamp(data["last_seen"]) + lease > now


class Coordinator:
    """Holds this worker's leases for the jobs ``jobs`` and keeps the share fair."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        jobs: Sequence[str],
        *,
        lease: timedelta,
        worker: str | None = None,
        on_claimed: Callable[[str], None] = lambda job: None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.jobs = list(dict.fromkeys(jobs))
        self.lease = lease
        self.worker = worker or worker_name()
        self.on_claimed = on_claimed
        self.leases = Leases(store, clock, self.worker, lease)
        self.started = parse_timestamp(format_timestamp(clock.now()))
        """When this worker started, to the millisecond as the store keeps times."""
        self._held: dict[str, Lease] = {}
        self._valid_until: dict[str, datetime] = {}
        self._busy = {job: threading.Lock() for job in self.jobs}
        self._lock = threading.Lock()

    # what a job's run asks ----------------------------------------------------
    def fence(self, job: str) -> Fence | None:
        """The fence for ``job`` while this worker holds its lease and it has not run out."""
        with self._lock:
            lease = self._held.get(job)
            if lease is None or self.clock.now() >= self._valid_until[job]:
                return None
            return lease.fence

    def holds(self, job: str, fence: Fence) -> bool:
        """Still the holder under the same epoch: asked between batches of a long run."""
        return self.fence(job) == fence

    @contextmanager
    def running(self, job: str) -> Iterator[Fence | None]:
        """Hold off handing ``job`` back while it runs; yields its fence, None if not ours."""
        with self._busy[job]:
            yield self.fence(job)

    def held(self) -> list[str]:
        with self._lock:
            return sorted(self._held)

    # the heartbeat --------------------------------------------------------------
    def tick(self) -> TickReport:
        """One round: say this worker is alive, renew, hand back beyond the share, take up to it."""
        report = TickReport()
        now = self.clock.now()
        self._beat(now)
        report.lost = self._renew()
        workers = worker_records(self.store)
        self._forget(workers, now)
        live = [r for r in workers if is_live(r, now, self.lease)]
        report.live = len({r.id for r in live} | {self.worker})
        report.share = math.ceil(len(self.jobs) / report.live)
        report.handed_back = self._hand_back(report.share)
        report.claimed = self._claim(report.share)
        for job in report.claimed:
            self.on_claimed(job)
        return report

    def _beat(self, now: datetime) -> None:
        host, _, rest = self.worker.partition(":")
        pid = rest.split(":")[0]
        self.store.put_record(
            WORKER,
            self.worker,
            {
                "worker": self.worker,
                "host": host,
                "pid": int(pid) if pid.isdigit() else None,
                "started": format_timestamp(self.started),
                "last_seen": format_timestamp(now),
                "stopped": None,
            },
        )

    def _renew(self) -> list[str]:
        lost = []
        for job in self.held():
            with self._lock:
                lease = self._held.get(job)
            if lease is None:
                continue
            began = self.clock.now()
            try:
                renewed = self.leases.renew(lease)
            except LeaseLost as exc:
                log.warning("%s; %s stops here", exc, job)
                self._drop(job)
                lost.append(job)
                continue
            with self._lock:
                if job in self._held:
                    self._held[job] = renewed
                    self._valid_until[job] = began + self.lease
        return lost

    def _hand_back(self, share: int) -> list[str]:
        excess = len(self.held()) - share
        out: list[str] = []
        for job in sorted(self.held(), key=lambda j: rank(self.worker, j)):
            if len(out) >= excess:
                break
            lock = self._busy[job]
            if not lock.acquire(blocking=False):
                continue  # running: handed back at a later tick, once it is idle
            try:
                if self._give_up(job):
                    out.append(job)
            finally:
                lock.release()
        if out:
            log.info("handed back %s to share the jobs out", ", ".join(out))
        return out

    def _claim(self, share: int) -> list[str]:
        now = self.clock.now()
        seen = {lease.job: lease for lease in self.leases.all()}
        free = [
            job
            for job in self.jobs
            if job not in self._held and (job not in seen or seen[job].free(now))
        ]
        claimed = []
        for job in sorted(free, key=lambda j: rank(self.worker, j), reverse=True):
            if len(self._held) >= share:
                break
            began = self.clock.now()
            lease = self.leases.acquire(job, seen.get(job))
            if lease is None:
                continue
            with self._lock:
                self._held[job] = lease
                self._valid_until[job] = began + self.lease
            claimed.append(job)
        if claimed:
            log.info("took %s", ", ".join(f"{j} (epoch {self._held[j].epoch})" for j in claimed))
        return claimed

    def _forget(self, workers: list[Record], now: datetime) -> None:
        """Drop workers gone for a day from the list; their leases expired long ago."""
        for rec in workers:
            if parse_timestamp(rec.data["last_seen"]) + FORGET_AFTER < now:
                self.store.delete_record(WORKER, rec.id)

    def _give_up(self, job: str) -> bool:
        with self._lock:
            lease = self._held.get(job)
        self._drop(job)
        return lease is not None and self.leases.release(lease)

    def _drop(self, job: str) -> None:
        with self._lock:
            self._held.pop(job, None)
            self._valid_until.pop(job, None)

    # stopping -------------------------------------------------------------------
    def stop(self) -> list[str]:
        """Hand every lease back and say this worker has stopped (call once its runs are done)."""
        handed = [job for job in self.held() if self._give_up(job)]
        try:
            rec = self.store.get_record(WORKER, self.worker)
            if rec is not None:
                now = format_timestamp(self.clock.now())
                self.store.put_record(WORKER, self.worker, {**rec.data, "stopped": now})
        except StoreError as exc:
            log.warning("could not mark worker %s stopped: %s", self.worker, exc)
        return handed
