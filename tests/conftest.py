"""Shared fixtures: an injected clock, a fresh SQLite store, and ``store`` over both stores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore
from tests.store.es_server import es_prefix, es_store, es_target, sleeps

REAL_LOGS = Path(
    os.environ.get("SENTINEL_REAL_LOGS")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "real-logs"
)
"""The public captures; ``SENTINEL_REAL_LOGS`` points elsewhere (a worktree, CI's cache)."""


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


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest) -> Store:
    """What lives in the store (alerts, incidents, drafts, notifications) behaves alike on both."""
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "es_store")


@pytest.fixture
def real_logs() -> Path:
    if not REAL_LOGS.is_dir():
        pytest.skip(f"public captures not present at {REAL_LOGS}")
    return REAL_LOGS


__all__ = ["es_prefix", "es_store", "es_target", "sleeps"]
