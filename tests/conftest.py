"""Shared fixtures: an injected clock and a fresh SQLite store per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sentinel.store.sqlite import SQLiteStore

REAL_LOGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "real-logs"


class ManualClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, start: datetime) -> None:
        assert start.tzinfo is not None
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        assert when.tzinfo is not None
        self._now = when


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(f"sqlite:///{tmp_path / 'sentinel.db'}")
    store.init()
    yield store
    store.close()


@pytest.fixture
def real_logs() -> Path:
    if not REAL_LOGS.is_dir():
        pytest.skip(f"public captures not present at {REAL_LOGS}")
    return REAL_LOGS
