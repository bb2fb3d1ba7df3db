"""The service's scheduler: one run of a job at a time, overdue runs folded, clean stops.

APScheduler runs jobs on its own threads against the wall clock, so these tests
start the real scheduler and hand off between threads with events; nothing
sleeps. The service's clock only says when the first runs are due and, as it
never moves on its own, keeps the worker's leases valid for the whole test.
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
from sentinel.leases import all_leases
from sentinel.scheduler import Claim, JobSpec, Service, ingest_jobs, retention_job
from sentinel.store.base import Store, WriteResult
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


LEASE, HEARTBEAT = timedelta(minutes=1), timedelta(seconds=15)


def worker(clock: ManualClock, store: Store) -> Service:
    return Service(clock, store, lease=LEASE, heartbeat=HEARTBEAT)


@pytest.fixture
def service(sqlite_store: SQLiteStore) -> Iterator[Service]:
    """A worker, alone on its store, whose first runs are due now."""
    svc = worker(ManualClock(datetime.now(UTC)), sqlite_store)
    yield svc
    svc.stop()


def test_a_job_never_runs_twice_at_once(service: Service, watch: Callable[..., Watch]) -> None:
    runs, release = Runs(), threading.Event()

    def slow(_claim: Claim) -> str:
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


def test_overdue_runs_are_folded_into_one(sqlite_store: SQLiteStore) -> None:
    runs = Runs()

    def job(_claim: Claim) -> str:
        with runs:
            return "ran"

    # an hour behind with a one-minute interval: 60 runs are overdue, 5 of them within the
    # grace time; they fold into one run, and the next is a minute away
    service = worker(ManualClock(datetime.now(UTC) - timedelta(hours=1)), sqlite_store)
    service.add([JobSpec(id="every minute", interval=timedelta(minutes=1), run=job)])
    service.start()
    assert runs.first.wait(HAND_OFF)
    service.stop()  # waits for every run handed to the workers

    assert runs.started == 1


def test_a_failing_run_is_logged_and_the_job_runs_again(
    service: Service, watch: Callable[..., Watch]
) -> None:
    runs = Runs()

    def flaky(_claim: Claim) -> str:
        with runs:
            if runs.started == 1:
                raise RuntimeError("disk full")
        return "ok"

    failed = watch("sentinel.jobs", "flaky failed; it runs again at its next interval")
    service.add([JobSpec(id="flaky", interval=timedelta(milliseconds=10), run=flaky)])
    service.start()

    assert failed.done.wait(HAND_OFF)
    assert runs.second.wait(HAND_OFF)


class Log:
    """Which worker ran which job, in order, and an event per (worker, job) run."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, str]] = []
        self.events: dict[tuple[str, str], threading.Event] = {}
        self._lock = threading.Lock()

    def ran(self, worker: str, job: str) -> threading.Event:
        with self._lock:
            return self.events.setdefault((worker, job), threading.Event())

    def job(self, worker: str, name: str, **options: bool) -> JobSpec:
        def run(_claim: Claim) -> str:
            with self._lock:
                self.runs.append((worker, name))
            self.ran(worker, name).set()
            return "ran"

        return JobSpec(id=name, interval=timedelta(hours=1), run=run, **options)


def test_a_worker_runs_only_what_it_holds_and_a_job_it_takes_over_at_once(
    sqlite_store: SQLiteStore,
) -> None:
    clock, log = ManualClock(datetime.now(UTC)), Log()
    # The test ticks the coordinators itself: heartbeats far apart keep theirs out of the way
    # however slowly the machine runs the steps.
    a, b = (Service(clock, sqlite_store, lease=LEASE * 60, heartbeat=LEASE * 30) for _ in "ab")
    try:
        a.add([log.job("a", "x"), log.job("a", "y")])
        b.add([log.job("b", "x"), log.job("b", "y")])
        a.start()  # alone: it takes both jobs and runs them
        assert log.ran("a", "x").wait(HAND_OFF) and log.ran("a", "y").wait(HAND_OFF)
        b.start()  # nothing is free: its first scheduled runs do nothing
        assert a.coordinator is not None and b.coordinator is not None
        [moved] = a.coordinator.tick().handed_back  # two workers now: one job each
        assert b.coordinator.tick().claimed == [moved]

        assert log.ran("b", moved).wait(HAND_OFF)  # run at once, not an hour later
    finally:
        a.stop()
        b.stop()
    # Who ran what: a run already due when a job was claimed may come on top of the one the
    # claim starts (both by its holder), so runs are not counted.
    assert set(log.runs) == {("a", "x"), ("a", "y"), ("b", moved)}


def test_rules_start_once_every_source_has_been_pulled(
    service: Service, watch: Callable[..., Watch]
) -> None:
    order: list[str] = []
    pulling, release = threading.Event(), threading.Event()

    def pull(_claim: Claim) -> str:
        pulling.set()
        release.wait(HAND_OFF)
        order.append("pulled")
        return "read 1"

    def rule(_claim: Claim) -> str:
        order.append("rule")
        return "0 detections"

    started = watch("sentinel.jobs", "rule r: 0 detections")
    service.add(
        [
            JobSpec(id="rule r", interval=timedelta(hours=1), run=rule, after_pulls=True),
            JobSpec(id="ingest app", interval=timedelta(hours=1), run=pull, pull=True),
        ]
    )
    service.start()  # both are due now; the rule's first run finds the source not pulled yet
    assert pulling.wait(HAND_OFF)
    release.set()

    assert started.done.wait(HAND_OFF)
    assert order == ["pulled", "rule"]


def test_a_clean_stop_hands_every_lease_back(service: Service, sqlite_store: SQLiteStore) -> None:
    log = Log()
    service.add([log.job("w", "x"), log.job("w", "y")])
    coordinator = service.start()
    assert log.ran("w", "x").wait(HAND_OFF) and log.ran("w", "y").wait(HAND_OFF)
    assert {lease.owner for lease in all_leases(sqlite_store)} == {coordinator.worker}

    assert sorted(service.stop()) == ["x", "y"]

    assert {lease.owner for lease in all_leases(sqlite_store)} == {None}
    me = sqlite_store.get_record("worker", coordinator.worker)
    assert me is not None and me.data["stopped"] is not None


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
    stopping = threading.Event()
    store = HeldStore(settings.store_url, stopping)
    store.init()
    service = worker(clock, store)
    service.stopping = stopping
    try:
        logged = watch("sentinel.jobs", "ingest app: read 2, stored 2")
        service.add(ingest_jobs(settings, store, clock))
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
    assert job.run(Claim(None, lambda: False)) == "purged 2 event(s) and 0 dead letter(s)"
    assert sqlite_store.count_events(EventQuery()) == 2
    assert sqlite_store.get_record("alert", "AL-old") is not None


def test_retention_setting_is_a_day_or_more() -> None:
    assert Settings(retention="180d").retention == timedelta(days=180)
    with pytest.raises(ValueError, match="less than a day"):
        Settings(retention="12h")
