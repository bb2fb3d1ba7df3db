"""`sentinel run` on a store that fills up: it backs off, logs each change once, loses nothing."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sentinel.config import load_settings
from sentinel.coordinator import Coordinator
from sentinel.scheduler import Service, ingest_jobs
from sentinel.store.query import EventQuery
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock
from tests.store.small_disk import SmallDisk, small_disk, write_app_log

LINES = 6000
__all__ = ["small_disk"]


def test_run_backs_off_from_a_full_disk_and_resumes_exactly_when_it_is_freed(
    tmp_path: Path,
    small_disk: SmallDisk,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    write_app_log(tmp_path / "app.jsonl", LINES)
    (tmp_path / "sentinel.toml").write_text(
        f'batch_size = 500\n[[sources]]\nname = "app"\nkind = "file"\n'
        f'path = "{tmp_path / "app.jsonl"}"\nformat = "jsonl"\n'
    )
    settings = load_settings(tmp_path / "sentinel.toml", store_url=small_disk.url)
    store = SQLiteStore(small_disk.url)
    store.init()
    clock = ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    service = Service(clock, store, lease=timedelta(hours=1), heartbeat=timedelta(minutes=1))
    [pull] = ingest_jobs(settings, store, clock)
    coordinator = Coordinator(store, clock, [pull.id], lease=timedelta(hours=1))
    coordinator.tick()  # this worker holds the source's lease
    service.coordinator = coordinator
    run = service._wrap(pull, coordinator)  # one scheduled run, here and now
    caplog.set_level(logging.INFO, logger="sentinel")
    small_disk.fill()

    run()  # the disk fills: said once
    kept = store.count_events(EventQuery())
    run()  # backing off: not even tried
    clock.advance(seconds=30)
    run()  # tried again, same cause: not said again
    said = [r.getMessage() for r in caplog.records]
    [fault] = [m for m in said if "store unavailable" in m]
    assert fault.startswith("store unavailable (ingest app): SQLite store ")
    assert "its disk is full" in fault
    assert not any("Traceback" in m or m.startswith("ingest app:") for m in said)
    assert 0 < kept == store.count_events(EventQuery()) < LINES

    small_disk.free()
    clock.advance(seconds=59)
    run()  # the wait doubled to a minute: not yet
    assert store.count_events(EventQuery()) == kept
    clock.advance(seconds=1)
    run()

    said = [r.getMessage() for r in caplog.records]
    assert "store answers again after 1m; jobs resume from their checkpoints" in said
    assert any(
        m.startswith(f"ingest app: read {LINES - kept:,}, stored {LINES - kept:,}") for m in said
    )
    assert store.count_events(EventQuery()) == LINES  # every line once
    assert store.count_dead_letters() == {}
    store.close()
