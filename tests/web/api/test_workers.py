"""GET /api/workers and /api/workers/jobs: the lists `sentinel workers list|jobs --json` print."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from sentinel.cli import workers
from sentinel.coordinator import Coordinator
from sentinel.job_runs import record_run
from tests.web.api.conftest import Api

JOBS = ["ingest app", "rule bulk_member_views", "incident reminders"]


@pytest.fixture
def shared(sqlite_api: Api) -> list[Coordinator]:
    """Two workers sharing three jobs on the app's store; one job ran, one failed after that."""
    lease = timedelta(seconds=60)
    store, clock = sqlite_api.store, sqlite_api.clock
    a = Coordinator(store, clock, JOBS, lease=lease, worker="host-a:101:aaaaaa")
    b = Coordinator(store, clock, JOBS, lease=lease, worker="<b>:202:bbbbbb")
    for w in (a, b, a, b):
        w.tick()
    ran = clock.now() - timedelta(minutes=5)
    record_run(store, "ingest app", timedelta(seconds=30), worker=a.worker, finished=ran)
    record_run(
        store,
        "ingest app",
        timedelta(seconds=30),
        worker=b.worker,
        finished=clock.now(),
        error="connection refused",
    )
    return [a, b]


def cli_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *args: str) -> list[dict]:
    """What the command line prints for the same store (the app's SQLite file)."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    result = CliRunner().invoke(workers.app, [*args, "--json", "--store", url])
    assert result.exit_code == 0, result.output
    return orjson.loads(result.stdout)


def test_the_api_lists_each_worker_and_its_leases_as_the_command_line_does(
    sqlite_api: Api,
    shared: list[Coordinator],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    viewer = sqlite_api.person("viewer", enrol=False)

    answer = viewer.client.get("/api/workers")

    assert answer.status_code == 200, answer.text
    listed = answer.json()
    assert listed == cli_json(monkeypatch, tmp_path, "list")
    assert {w["worker"] for w in listed} == {"host-a:101:aaaaaa", "<b>:202:bbbbbb"}
    for entry in listed:
        assert set(entry) == {"worker", "last_seen", "jobs"}
        mine = next(w for w in shared if w.worker == entry["worker"])
        assert sorted(j["job"] for j in entry["jobs"]) == mine.held()
        assert all(set(j) == {"job", "lease_expires", "epoch"} for j in entry["jobs"])
    assert sorted(j["job"] for w in listed for j in w["jobs"]) == sorted(JOBS)


def test_the_api_gives_each_jobs_last_success_and_error_as_the_command_line_does(
    sqlite_api: Api,
    shared: list[Coordinator],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    viewer = sqlite_api.person("viewer", enrol=False)

    [job] = viewer.client.get("/api/workers/jobs").json()

    assert job["job"] == "ingest app"
    assert job["last_error"] == "connection refused" and job["worker"] == "<b>:202:bbbbbb"
    ran = datetime.fromisoformat(job["last_success"])
    assert ran == sqlite_api.clock.now() - timedelta(minutes=5)
    assert job["late"] is True  # five minutes without a success, every 30 s
    [printed] = cli_json(monkeypatch, tmp_path, "jobs")
    assert printed == job


def test_a_token_without_workers_read_is_refused(
    sqlite_api: Api, shared: list[Coordinator]
) -> None:
    admin = sqlite_api.person("admin", "root.admin")
    made = admin.post("/api/auth/tokens", json={"name": "prometheus", "scopes": ["metrics:read"]})
    assert made.status_code in (200, 201), made.text
    bearer = {"Authorization": f"Bearer {made.json()['token']}"}

    for path in ("/api/workers", "/api/workers/jobs"):
        answer = sqlite_api.client().get(path, headers=bearer)
        assert answer.status_code == 403, answer.text
        assert "workers:read" in answer.text
        assert "host-a" not in answer.text
