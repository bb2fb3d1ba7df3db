"""Figures many people read and nobody needs to the second, kept for a few seconds.

The queue's counts per rule and the overview's alerts per day read every alert
record, and the ingest lag counts every event per source; with thousands of
alerts and a million events that is most of a page's time. Each is computed
at most once per ``ttl`` per process (the permission is still checked on every
request) and dropped at once when this process triages alerts; a change made
elsewhere (the CLI, the API, another worker) shows within ``ttl``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Recent:
    def __init__(self, ttl: float = 15.0, now: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.now = now
        self._kept: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, make: Callable[[], T]) -> T:
        now = self.now()
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and now - kept[0] < self.ttl:
            return kept[1]  # type: ignore[no-any-return]
        value = make()
        with self._lock:
            self._kept[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def recent(app_state: Any) -> Recent:
    found: Recent | None = getattr(app_state, "recent", None)
    if found is None:
        found = Recent()
        app_state.recent = found
    return found
