"""`sentinel workers list|jobs`, against a real SQLite store that two workers share."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from sentinel.cli import workers
from sentinel.coordinator import Coordinator
from sentinel.job_runs import record_run
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock

runner = CliRunner()
JOBS = ["ingest app", "rule bulk_member_views", "incident reminders"]


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    return f"sqlite:///{tmp_path / 'sentinel.db'}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def shared(store_url: str, clock: ManualClock) -> list[Coordinator]:
    """Two live workers ("[b]" with a name as a host might spell it) holding the three jobs."""
    store = SQLiteStore(store_url)
    store.init()
    lease = timedelta(seconds=60)
    a = Coordinator(store, clock, JOBS, lease=lease, worker="host-a:101:aaaaaa")
    b = Coordinator(store, clock, JOBS, lease=lease, worker="[b]:202:bbbbbb")
    for w in (a, b, a, b):
        w.tick()
    record_run(
        store,
        "incident reminders",
        timedelta(minutes=1),
        worker=a.worker,
        finished=clock.now() - timedelta(minutes=5),
    )
    record_run(store, "ingest app", timedelta(seconds=30), worker=b.worker, finished=clock.now())
    return [a, b]


def test_list_json_gives_each_worker_its_jobs_with_lease_expiry_and_epoch(
    store_url: str, shared: list[Coordinator], clock: ManualClock
) -> None:
    result = runner.invoke(workers.app, ["list", "--json", "--store", store_url])

    assert result.exit_code == 0, result.output
    listed = orjson.loads(result.stdout)
    assert {w["worker"] for w in listed} == {w.worker for w in shared}
    for entry in listed:
        assert set(entry) == {"worker", "last_seen", "jobs"}
        assert datetime.fromisoformat(entry["last_seen"]) == clock.now()
        mine = next(w for w in shared if w.worker == entry["worker"])
        assert sorted(j["job"] for j in entry["jobs"]) == mine.held()
        for job in entry["jobs"]:
            assert set(job) == {"job", "lease_expires", "epoch"}
            assert datetime.fromisoformat(job["lease_expires"]) == clock.now() + timedelta(
                seconds=60
            )
    assert sorted(j["job"] for w in listed for j in w["jobs"]) == sorted(JOBS)


def test_list_shows_people_live_and_stopped_workers_with_names_as_text(
    store_url: str, shared: list[Coordinator]
) -> None:
    shared[0].stop()

    table = runner.invoke(workers.app, ["list", "--store", store_url], env={"COLUMNS": "200"})

    assert table.exit_code == 0, table.output
    assert "1 live worker(s), 2 seen in the last day" in table.output
    assert "[b]:202:bbbbbb" in table.output  # not taken for markup
    assert "host-a:101:aaaaaa" in table.output


def test_jobs_shows_each_jobs_last_success_and_which_are_late(
    store_url: str, shared: list[Coordinator]
) -> None:
    result = runner.invoke(workers.app, ["jobs", "--json", "--store", store_url])

    assert result.exit_code == 0, result.output
    jobs = {j["job"]: j for j in orjson.loads(result.stdout)}
    assert set(jobs) == {"incident reminders", "ingest app"}
    assert jobs["incident reminders"]["late"] is True  # 5 minutes on a 1-minute interval
    assert jobs["ingest app"]["late"] is False
    assert jobs["ingest app"]["worker"] == "[b]:202:bbbbbb"
