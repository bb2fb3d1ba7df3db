"""Figures many people read and nobody needs to the second, kept for a few seconds.

The overview's ingest lag counts every event per source: with a million events
that is most of the page's time, and a lag is only read to the minute. It is
computed at most once per ``ttl`` per process (the permission is still checked
on every request), so new events show within ``ttl``.
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


def recent(app_state: Any) -> Recent:
    found: Recent | None = getattr(app_state, "recent", None)
    if found is None:
        found = Recent()
        app_state.recent = found
    return found
