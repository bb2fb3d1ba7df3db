"""The service's scheduler: one run of a job at a time, overdue runs folded, clean stops.

APScheduler runs jobs on its own threads against the wall clock, so these tests
start the real scheduler and hand off between threads with events; nothing
sleeps. The service's clock only says when the first runs are due.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sentinel.config import Settings, load_settings
from sentinel.events import Event
from sentinel.ingest import ingest_source
from sentinel.scheduler import JobSpec, Service, ingest_jobs, retention_job
from sentinel.store.base import WriteResult
from sentinel.store.query import EventQuery
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock

HAND_OFF = 10.0
"""Seconds to wait for another thread; only reached when something is broken."""


class Runs:
    """Counts a job's runs and how many were under way at once."""

    def __init__(self) -> None:
        self.started = 0
        self.running = 0
        self.most_at_once = 0
        self.first = threading.Event()
        self.second = threading.Event()
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.started += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            (self.first if self.started == 1 else self.second).set()

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.running -= 1


class Watch(logging.Handler):
    """Sets an event once a logger has said something containing ``text`` ``times`` times."""

    def __init__(self, text: str, times: int = 1) -> None:
        super().__init__()
        self.text, self.times, self.seen = text, times, 0
        self.done = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen += 1
            if self.seen >= self.times:
                self.done.set()


@pytest.fixture
def watch() -> Iterator[Callable[[str, str, int], Watch]]:
    attached: list[tuple[logging.Logger, Watch, int]] = []

    def attach(logger: str, text: str, times: int = 1) -> Watch:
        log = logging.getLogger(logger)
        handler = Watch(text, times)
        attached.append((log, handler, log.level))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        return handler

    yield attach
    for log, handler, level in attached:
        log.removeHandler(handler)
        log.setLevel(level)


@pytest.fixture
def service() -> Iterator[Service]:
    """A service whose first runs are due now."""
    svc = Service(ManualClock(datetime.now(UTC)))
    yield svc
    svc.stop()


def test_a_job_never_runs_twice_at_once(service: Service, watch: Callable[..., Watch]) -> None:
    runs, release = Runs(), threading.Event()

    def slow() -> str:
        with runs:
            release.wait(HAND_OFF)
        return "done"

    # due every 10 ms; the first run holds on until three more runs have come due and been refused
    refused = watch("apscheduler.scheduler", "maximum number of running instances reached", 3)
    service.add([JobSpec(id="slow", interval=timedelta(milliseconds=10), run=slow)])
    service.start()
    assert runs.first.wait(HAND_OFF)
    assert refused.done.wait(HAND_OFF)
    assert runs.started == 1
    release.set()
    assert runs.second.wait(HAND_OFF)  # once it is done, the job runs again
    service.stop()

    assert runs.most_at_once == 1


def test_overdue_runs_are_folded_into_one() -> None:
    runs = Runs()

    def job() -> str:
        with runs:
            return "ran"

    # an hour behind with a one-minute interval: 60 runs are overdue, 5 of them within the
    # grace time; they fold into one run, and the next is a minute away
    service = Service(ManualClock(datetime.now(UTC) - timedelta(hours=1)))
    service.add([JobSpec(id="every minute", interval=timedelta(minutes=1), run=job)])
    service.start()
    assert runs.first.wait(HAND_OFF)
    service.stop()  # waits for every run handed to the workers

    assert runs.started == 1


def test_a_failing_run_is_logged_and_the_job_runs_again(
    service: Service, watch: Callable[..., Watch]
) -> None:
    runs = Runs()

    def flaky() -> str:
        with runs:
            if runs.started == 1:
                raise RuntimeError("disk full")
        return "ok"

    failed = watch("sentinel.jobs", "flaky failed; it runs again at its next interval")
    service.add([JobSpec(id="flaky", interval=timedelta(milliseconds=10), run=flaky)])
    service.start()

    assert failed.done.wait(HAND_OFF)
    assert runs.second.wait(HAND_OFF)


def test_run_now_runs_jobs_here_in_order_and_not_once_stopping(service: Service) -> None:
    order: list[tuple[str, threading.Thread]] = []

    def job(name: str) -> JobSpec:
        return JobSpec(
            id=name,
            interval=timedelta(minutes=1),
            run=lambda: order.append((name, threading.current_thread())) or name,
        )

    service.run_now([job("ingest app"), job("ingest gateway")])
    assert order == [
        ("ingest app", threading.current_thread()),
        ("ingest gateway", threading.current_thread()),
    ]

    service.stopping.set()
    service.run_now([job("ingest portal")])
    assert [name for name, _ in order] == ["ingest app", "ingest gateway"]


class HeldStore(SQLiteStore):
    """A real store that holds its first event write until the service is stopping."""

    def __init__(self, url: str, stopping: threading.Event) -> None:
        super().__init__(url)
        self.stopping = stopping
        self.writing = threading.Event()

    def write_events(self, events: Sequence[Event]) -> WriteResult:
        result = super().write_events(events)
        if not self.writing.is_set():
            self.writing.set()
            assert self.stopping.wait(HAND_OFF)
        return result


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    (tmp_path / "app.jsonl").write_text(
        "".join(
            f'{{"@timestamp":"2026-11-24T12:0{i}:00Z","event":{{"action":"login"}},'
            f'"user":{{"name":"j.devries"}}}}\n'
            for i in range(6)
        )
    )
    config = tmp_path / "sentinel.toml"
    config.write_text(
        f'store_url = "sqlite:///{tmp_path}/sentinel.db"\nbatch_size = 2\n\n'
        '[[sources]]\nname = "app"\nkind = "file"\npath = "app.jsonl"\nformat = "jsonl"\n'
    )
    return load_settings(config)


def test_stopping_lets_ingest_finish_its_current_batch_and_no_more(
    settings: Settings, watch: Callable[..., Watch]
) -> None:
    clock = ManualClock(datetime.now(UTC))
    service = Service(clock)
    store = HeldStore(settings.store_url, service.stopping)
    store.init()
    try:
        logged = watch("sentinel.jobs", "ingest app: read 2, stored 2")
        service.add(ingest_jobs(settings, store, clock, service.stopping))
        service.start()
        assert store.writing.wait(HAND_OFF)  # the first batch of 2 is being written
        service.stop()  # asks to stop, then waits for the job

        assert logged.done.is_set()
        assert store.count_events(EventQuery()) == 2
        rest = ingest_source(settings, settings.source("app"), store, clock)
        assert (rest.read, rest.stored, rest.duplicates) == (4, 4, 0)  # resumed after the batch
    finally:
        store.close()


def test_retention_deletes_old_events_and_keeps_alerts(
    sqlite_store: SQLiteStore, clock: ManualClock
) -> None:
    now = clock.now()
    sqlite_store.write_events(
        [
            Event(id=f"e{days}", timestamp=now - timedelta(days=days), source="app")
            for days in (1, 100, 200, 400)
        ]
    )
    sqlite_store.create_record("alert", "AL-old", {"status": "closed"})
    job = retention_job(sqlite_store, clock, timedelta(days=180))

    assert job.interval == timedelta(days=1)
    assert job.run() == "purged 2 event(s) and 0 dead letter(s)"
    assert sqlite_store.count_events(EventQuery()) == 2
    assert sqlite_store.get_record("alert", "AL-old") is not None


def test_retention_setting_is_a_day_or_more() -> None:
    assert Settings(retention="180d").retention == timedelta(days=180)
    with pytest.raises(ValueError, match="less than a day"):
        Settings(retention="12h")
