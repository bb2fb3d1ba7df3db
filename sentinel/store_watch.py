"""Whether the store answers, for ``sentinel run``: back off while it does not, say so once.

A full disk or a read-only store makes every job fail the same way. Logging each failure
every interval buries the one line that matters, and hammering a store that cannot take
writes helps nobody. The first failure is logged with its cause; while the store stays
unavailable the jobs wait (30 s, then doubling up to 10 minutes) and only a different
cause is logged again; the first run that gets through logs that the store answers again.
The jobs resume from their checkpoints and saved places, so nothing is lost or doubled.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sentinel.clock import Clock
from sentinel.localtime import span
from sentinel.store.base import StoreUnavailable

log = logging.getLogger("sentinel.jobs")


@dataclass
class StoreWatch:
    clock: Clock
    first_wait: timedelta = timedelta(seconds=30)
    longest_wait: timedelta = timedelta(minutes=10)
    cause: str | None = None
    """Why the store did not answer the last run, or None while it answers."""
    since: datetime | None = None
    retry_at: datetime | None = None
    _wait: timedelta = timedelta(0)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def may_run(self) -> bool:
        """False while backing off from a store that did not answer."""
        with self._lock:
            return self.retry_at is None or self.clock.now() >= self.retry_at

    def failed(self, job: str, exc: StoreUnavailable) -> None:
        now = self.clock.now()
        with self._lock:
            cause = str(exc)
            if cause != self.cause:
                log.error(
                    "store unavailable (%s): %s; jobs pause and resume from their checkpoints "
                    "when it answers",
                    job,
                    cause,
                )
                self.since = self.since or now
                self._wait = self.first_wait
            else:
                self._wait = min(self._wait * 2, self.longest_wait)
            self.cause = cause
            self.retry_at = now + self._wait

    def answered(self) -> None:
        with self._lock:
            if self.cause is None:
                return
            down = self.clock.now() - self.since if self.since else timedelta(0)
            log.info("store answers again after %s; jobs resume from their checkpoints", span(down))
            self.cause = self.since = self.retry_at = None
