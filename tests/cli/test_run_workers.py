"""Three real `sentinel run` workers on one store, SQLite and Elasticsearch: every job runs once.

The workers are separate processes sharing the store with short leases (10 s,
renewed every second). The tests kill one with SIGKILL, pause one with
SIGSTOP, and compare what three workers leave in the store with what one
leaves. They wait on the store and on the workers' log lines; the deadlines
below are only reached when something is broken.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import orjson
import pytest
from pytest_httpserver import HTTPServer

from sentinel.clock import SystemClock
from sentinel.config import load_settings
from sentinel.demo.generate import generate
from sentinel.detection.loader import load_rules
from sentinel.incidents.service import Incidents
from sentinel.ingest import CHECKPOINT, ingest_source
from sentinel.job_runs import get_run, job_runs
from sentinel.leases import Lease, all_leases
from sentinel.notify.outbox import KIND as OUTBOX
from sentinel.store.base import Store
from sentinel.store.elasticsearch import ElasticsearchStore
from sentinel.store.fencing import FENCE
from sentinel.store.query import EventQuery
from sentinel.store.sqlite import SQLiteStore
from sentinel.watchdog import RULE_NAME as WATCHDOG
from tests.cli.test_run import REPO, Output, environment, sentinel_command
from tests.store.es_server import EsTarget, drop_prefix

LEASE, HEARTBEAT = 10.0, 1.0
WAIT = 180.0
"""Seconds to wait for the workers to get somewhere; only reached when something is broken."""
TAKEOVER_SLACK = 4.0
"""What a busy two-core machine may add to lease + heartbeat before another worker takes over."""
T = TypeVar("T")
TOOK = re.compile(r"(?:^|, )(?P<job>[^,]+?) \(epoch (?P<epoch>\d+)\)")
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\S+ [A-Z]+ (?P<message>.*)$")
RAN = re.compile(r"^(?P<job>rule \S+|ingest \S+|incident reminders|notify delivery|watchdog): ")


def until(
    what: str,
    probe: Callable[[], T | None],
    timeout: float = WAIT,
    explain: Callable[[], str] = lambda: "",
) -> T:
    """Ask ``probe`` until it answers (anything true); fail naming ``what`` if it never does."""
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} {explain()}")
        time.sleep(0.05)


# stores -----------------------------------------------------------------------------
@dataclass
class Backend:
    """A store the workers share: the environment that points them at it, and the test's handle."""

    env: dict[str, str]
    store: Store
    sqlite_path: Path | None = None


@pytest.fixture(params=["sqlite", "elasticsearch"])
def backends(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Backend]]:
    """Makes fresh stores of one kind: a new SQLite file, or a new index prefix."""
    made: list[tuple[Backend, str | None]] = []
    target: EsTarget | None = None
    if request.param == "elasticsearch":
        target = request.getfixturevalue("es_target")

    def make() -> Backend:
        if target is None:
            path = tmp_path / f"store-{len(made)}.db"
            url = f"sqlite:///{path}"
            store: Store = SQLiteStore(url)
            store.init()
            backend = Backend({"SENTINEL_STORE_URL": url}, store, path)
            made.append((backend, None))
            return backend
        prefix = f"w{uuid.uuid4().hex[:12]}"
        settings = target.settings(prefix)
        env = {
            "SENTINEL_STORE_URL": target.url,
            "SENTINEL_ELASTICSEARCH__INDEX_PREFIX": prefix,
            "SENTINEL_ELASTICSEARCH__COMPATIBILITY": settings.compatibility,
        }
        if settings.auth.api_key is not None:
            env["SENTINEL_ELASTICSEARCH__AUTH__API_KEY"] = settings.auth.api_key.get_secret_value()
        if settings.ca_certs is not None:
            env["SENTINEL_ELASTICSEARCH__CA_CERTS"] = str(settings.ca_certs)
        store = ElasticsearchStore(target.url, settings)
        store.init()
        backend = Backend(env, store)
        made.append((backend, prefix))
        return backend

    yield make
    for backend, prefix in made:
        backend.store.close()
        if target is not None and prefix is not None:
            client = target.client()
            try:
                drop_prefix(client, prefix)
            finally:
                client.close()


# workers ----------------------------------------------------------------------------
class Worker:
    """One `sentinel run --no-web` process, its output read as it comes."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sentinel_command(), "run", "--no-web"],
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output = Output(self.proc)

    def owns(self, lease: Lease | None) -> bool:
        return lease is not None and (lease.owner or "").split(":")[1:2] == [str(self.proc.pid)]

    def messages(self) -> list[str]:
        return [m["message"] for line in self.output.lines if (m := LINE.match(line))]

    def taken(self) -> list[tuple[str, int]]:
        """Every (job, epoch) this worker took, from its log."""
        return [
            (m["job"], int(m["epoch"]))
            for line in self.messages()
            if line.startswith("took ")
            for m in TOOK.finditer(line.removeprefix("took "))
        ]

    def ran(self) -> set[str]:
        return {m["job"] for line in self.messages() if (m := RAN.match(line))}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(WAIT) == 0, self.output.text
        self.output.finish()


@pytest.fixture
def crew() -> Iterator[Callable[[int, Path, dict[str, str]], list[Worker]]]:
    started: list[Worker] = []

    def start(n: int, workdir: Path, env: dict[str, str]) -> list[Worker]:
        workers = [Worker(workdir, env) for _ in range(n)]
        started.extend(workers)
        for w in workers:
            until(
                "the worker to start",
                lambda w=w: "Sentinel running on" in w.output.text or w.proc.poll() is not None,
            )
            assert w.proc.poll() is None, w.output.text
        return workers

    yield start
    for w in started:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait(WAIT)
        w.output.finish()


def worker_env(backend: Backend, rules: Path) -> dict[str, str]:
    return {**environment(), **backend.env, "SENTINEL_DETECTION__RULES_DIR": str(rules)}


def settings_text(
    sources: str,
    *,
    hook: str | None = None,
    extra: str = "",
    lease: float = LEASE,
    heartbeat: float = HEARTBEAT,
) -> str:
    channels = f'[[channels]]\nkind = "webhook"\nname = "hook"\nurl = "{hook}"\n' if hook else ""
    return f"""timezone = "Europe/Amsterdam"
default_channels = [{'"hook"' if hook else ""}]
{extra}
[workers]
lease = "{lease:g}s"
heartbeat = "{heartbeat:g}s"

[notify]
interval = "1s"

[incidents]
reminder_interval = "1s"
reminders = ["1m", "2m"]

[detection]
initial_lookback = "28h"
max_window = "1d"

{channels}
{sources}"""


def event_ids(store: Store) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        page = store.search_events(EventQuery(), limit=5000, after=after)
        ids += [e.id for e in page.events]
        if page.next is None:
            return sorted(ids)
        after = page.next


def one_holder_each(workers: list[Worker], store: Store, jobs: set[str]) -> bool:
    """Every job has a lease held, unexpired, by exactly one of ``workers``."""
    now = datetime.now(UTC)
    leases = {lease.job: lease for lease in all_leases(store)}
    return set(leases) >= jobs and all(
        leases[job].expires > now and sum(w.owns(leases[job]) for w in workers) == 1 for job in jobs
    )


def assert_each_epoch_taken_once(workers: list[Worker], store: Store) -> None:
    """Every epoch of every job was taken by exactly one worker, and only holders ran a job."""
    taken = Counter(pair for w in workers for pair in w.taken())
    assert all(n == 1 for n in taken.values()), [p for p, n in taken.items() if n > 1]
    for lease in all_leases(store):
        epochs = sorted(e for job, e in taken if job == lease.job)
        assert epochs == list(range(1, lease.epoch + 1)), (lease.job, epochs)
    for w in workers:
        assert w.ran() <= {job for job, _ in w.taken()}, w.output.text


# the demo ---------------------------------------------------------------------------
def demo_settings(workdir: Path, hook: str) -> None:
    """A day of the demo company's logs, ending three hours ago, and the demo's settings."""
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    generate(
        workdir / "access.jsonl",
        days=1,
        end=end,
        sshd_out=workdir / "auth.log",
        combined_out=workdir / "web.log",
    )
    sources = "\n".join(
        f'[[sources]]\nname = "{name}"\nkind = "file"\npath = "{workdir / path}"\n'
        f'format = "{fmt}"\ninterval = "2s"\n'
        for name, path, fmt in (
            ("app", "access.jsonl", "jsonl"),
            ("gateway-ssh", "auth.log", "sshd"),
            ("portal-web", "web.log", "combined"),
        )
    )
    extra = (
        f'data_map = "{REPO / "config" / "datamap.yaml"}"\n'
        f'directory = "{REPO / "config" / "directory.csv"}"\n'
    )
    # Nothing here measures a takeover: leases long enough for a store slowed by rule passes.
    # The rules' first window holds the whole day whenever they run, so the same detections.
    text = settings_text(sources, hook=hook, extra=extra, lease=30, heartbeat=2)
    (workdir / "sentinel.toml").write_text(text)


def rule_jobs() -> set[str]:
    result = load_rules([REPO / "rules"])
    return {f"rule {rule.name}" for rule in result.ruleset.alerting()}


def finished(store: Store, rules: set[str]) -> bool:
    """Every rule has run over the whole day and every notification has gone out."""
    ran = {run.job for run in job_runs(store) if run.last_success is not None}
    return rules <= ran and not store.find_records(OUTBOX, {"status": "pending"}, limit=1)


def unfinished(store: Store, rules: set[str], workers: list[Worker]) -> str:
    ran = {run.job for run in job_runs(store) if run.last_success is not None}
    pending = [r.id for r in store.find_records(OUTBOX, {"status": "pending"})]
    logs = "\n".join(m for w in workers for m in w.messages() if "read 0," not in m)
    return f"(rules not run: {sorted(rules - ran)}; pending: {pending})\n{logs}"


def outcome(store: Store, received: list[str]) -> tuple[set[str], set[str]]:
    """The demo's alerts and notifications (the watchdog's, about the workers, aside)."""
    alerts = {r.id for r in store.find_records("alert", limit=10_000)}
    watchdog = {r.id for r in store.find_records("alert", {"rule_name": WATCHDOG}, limit=1000)}
    notes = {r.id for r in store.find_records(OUTBOX, limit=10_000)}
    assert Counter(received) == Counter(notes)  # each delivered once, none left out
    return alerts - watchdog, {n for n in notes if n.removeprefix("alert:") not in watchdog}


def test_three_workers_raise_and_send_the_demos_alerts_exactly_as_one_worker_does(
    backends: Callable[[], Backend],
    crew: Callable[[int, Path, dict[str, str]], list[Worker]],
    httpserver: HTTPServer,
    tmp_path: Path,
) -> None:
    httpserver.expect_request("/one").respond_with_data("ok")
    httpserver.expect_request("/three").respond_with_data("ok")
    rules = rule_jobs()
    results = {}
    for n in (1, 3):
        workdir = tmp_path / f"w{n}"
        workdir.mkdir()
        demo_settings(workdir, httpserver.url_for(f"/{'one' if n == 1 else 'three'}"))
        backend = backends()
        workers = crew(n, workdir, worker_env(backend, REPO / "rules"))
        until(
            f"{n} worker(s) to finish the demo",
            lambda b=backend: finished(b.store, rules),
            explain=lambda b=backend, w=workers: unfinished(b.store, rules, w),
        )
        if n == 3:
            jobs = rules | {"ingest app", "ingest gateway-ssh", "ingest portal-web"}
            until(
                "the jobs to be shared out, each worker holding some",
                lambda w=workers, b=backend, j=jobs: (
                    one_holder_each(w, b.store, j) and all(x.taken() for x in w)
                ),
            )
        for w in workers:
            w.stop()
        assert_each_epoch_taken_once(workers, backend.store)
        received = [
            req.headers["X-Sentinel-Notification"]
            for req, _ in httpserver.log
            if req.path == f"/{'one' if n == 1 else 'three'}"
        ]
        results[n] = outcome(backend.store, received)

    alerts, notes = results[3]
    assert len(alerts) >= 10 and len(notes) >= 10  # the demo's planted incidents
    assert results[3] == results[1]


# a pull killed or paused half-way ----------------------------------------------------
BIG = "big"


def big_source(workdir: Path, lines: int, batch: int) -> None:
    """A source whose file only appears when ``arrive`` is called (the workers all up by then)."""
    start = datetime.now(UTC) - timedelta(days=1)
    with (workdir / "arriving").open("w") as f:
        for i in range(lines):
            doc = {
                "@timestamp": (start + timedelta(seconds=i)).isoformat(),
                "event": {"action": "member.view"},
                "user": {"name": f"u{i % 50}"},
                "sentinel": {"member": {"id": f"M{i:07d}"}},
            }
            f.write(orjson.dumps(doc).decode() + "\n")
    sources = (
        f'[[sources]]\nname = "{BIG}"\nkind = "file"\npath = "{workdir / "big*.jsonl"}"\n'
        'format = "jsonl"\ninterval = "2s"\n'
    )
    (workdir / "sentinel.toml").write_text(settings_text(sources, extra=f"batch_size = {batch}"))
    (workdir / "rules").mkdir()


def arrive(workers: list[Worker], store: Store, workdir: Path) -> None:
    """Once the jobs are shared out, the file appears whole (a rename) for the pull to begin."""
    jobs = {f"ingest {BIG}", "incident reminders", "watchdog"}
    until("the jobs to be shared out", lambda: one_holder_each(workers, store, jobs))
    (workdir / "arriving").rename(workdir / "big-1.jsonl")


def clean_import(workdir: Path) -> list[str]:
    """The event ids one pull of the file into an empty store gives."""
    url = f"sqlite:///{workdir / 'clean.db'}"
    settings = load_settings(workdir / "sentinel.toml", store_url=url)
    store = SQLiteStore(url)
    store.init()
    try:
        report = ingest_source(settings, settings.source(BIG), store, SystemClock())
        assert report.error is None
        return event_ids(store)
    finally:
        store.close()


def pulling(store: Store, total: int) -> Lease | None:
    """The source's lease once its first batches are stored, while most of it is still to come."""
    lease = next((x for x in all_leases(store) if x.job == f"ingest {BIG}"), None)
    checkpoint = store.get_record(CHECKPOINT, BIG)
    if lease is None or checkpoint is None or checkpoint.data.get("cursor") is None:
        return None
    stored = store.count_events(EventQuery())
    assert stored < total // 2, "the pull went too fast to be interrupted half-way"
    return lease


def pulled(store: Store, total: int) -> bool:
    run = get_run(store, f"ingest {BIG}")
    return (
        run is not None
        and run.last_success is not None
        and (store.count_events(EventQuery()) == total)
    )


def size(backend: Backend) -> tuple[int, int]:
    """Lines and batch size: a few seconds of pulling on each store."""
    return (30_000, 250) if backend.sqlite_path is not None else (6_000, 300)


def three_pulling(
    backend: Backend,
    crew: Callable[[int, Path, dict[str, str]], list[Worker]],
    tmp_path: Path,
) -> tuple[list[Worker], Lease, int]:
    """Three workers sharing the jobs, one of them in the middle of the big source's pull:
    the workers, the pull's lease and the source's lines."""
    lines, batch = size(backend)
    big_source(tmp_path, lines, batch)
    workers = crew(3, tmp_path, worker_env(backend, tmp_path / "rules"))
    arrive(workers, backend.store, tmp_path)
    lease = until("the pull to be under way", lambda: pulling(backend.store, lines))
    return workers, lease, lines


def test_a_killed_pull_moves_on_within_the_lease_and_stores_each_event_once(
    backends: Callable[[], Backend],
    crew: Callable[[int, Path, dict[str, str]], list[Worker]],
    tmp_path: Path,
) -> None:
    backend = backends()
    workers, lease, lines = three_pulling(backend, crew, tmp_path)
    [holder] = [w for w in workers if w.owns(lease)]
    holder.proc.kill()  # SIGKILL, in the middle of a batch
    killed = datetime.now(UTC)
    holder.proc.wait(WAIT)

    def taken_over() -> Lease | None:
        now = next(x for x in all_leases(backend.store) if x.job == lease.job)
        return now if now.epoch > lease.epoch and not holder.owns(now) else None

    successor = until("another worker to take the source over", taken_over)
    assert successor.acquired is not None
    assert (successor.acquired - killed).total_seconds() <= LEASE + HEARTBEAT + TAKEOVER_SLACK
    until("the rest of the file to be pulled", lambda: pulled(backend.store, lines))

    assert event_ids(backend.store) == clean_import(tmp_path)
    for w in workers:
        if w is not holder:
            w.stop()
    assert_each_epoch_taken_once(workers, backend.store)  # the dead one's log up to its death


def write_lock_free(path: Path) -> bool:
    """Nobody holds the SQLite file's write lock: a paused holder would stall every worker."""
    conn = sqlite3.connect(path, timeout=0.2)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


JUST_SAVED = timedelta(seconds=0.2)
"""A checkpoint saved this recently may be the one whose answer the worker waits for: woken
there, it finds its lease gone before it writes again, so nothing is left to refuse."""


def saved_a_while_ago(store: Store) -> bool:
    checkpoint = store.get_record(CHECKPOINT, BIG)
    updated = checkpoint.data.get("updated") if checkpoint is not None else None
    return updated is not None and datetime.now(UTC) - datetime.fromisoformat(updated) > JUST_SAVED


def pause(worker: Worker, backend: Backend) -> None:
    """SIGSTOP in the middle of a batch: on SQLite not holding its write lock (docs/scale-out.md);
    on Elasticsearch preferably not just after a checkpoint (its answer may be on the way), so
    the woken worker still has one to write."""
    for attempt in range(100):
        worker.proc.send_signal(signal.SIGSTOP)
        if backend.sqlite_path is not None:
            if write_lock_free(backend.sqlite_path):
                return
        elif attempt >= 50 or saved_a_while_ago(backend.store):
            return
        worker.proc.send_signal(signal.SIGCONT)
        time.sleep(0.02)
    pytest.fail("the worker never let go of the SQLite write lock")


def test_a_paused_pull_has_its_late_checkpoint_refused_by_the_fence(
    backends: Callable[[], Backend],
    crew: Callable[[int, Path, dict[str, str]], list[Worker]],
    tmp_path: Path,
) -> None:
    backend = backends()
    workers, lease, lines = three_pulling(backend, crew, tmp_path)
    [paused] = [w for w in workers if w.owns(lease)]
    pause(paused, backend)

    def fenced() -> Lease | None:
        now = next(x for x in all_leases(backend.store) if x.job == lease.job)
        checkpoint = backend.store.get_record(CHECKPOINT, BIG)
        assert checkpoint is not None
        moved = now.epoch > lease.epoch and not paused.owns(now)
        return now if moved and checkpoint.data[FENCE] >= now.epoch else None

    successor = until("another worker to take the source over and fence it", fenced)
    paused.proc.send_signal(signal.SIGCONT)  # it wakes up mid-batch, its lease long gone

    refused = re.compile(
        rf"ingest {BIG} stopped: checkpoint {BIG}: write refused, the lease of 'ingest {BIG}' "
        rf"has passed to a newer holder \(epoch (\d+); this worker held epoch {lease.epoch}\)"
    )

    def refusal() -> int | None:
        found = [int(m[1]) for line in paused.messages() if (m := refused.fullmatch(line))]
        return found[0] if found else None

    woken = until(
        "the woken worker's checkpoint to be refused",
        refusal,
        explain=lambda: "\n".join(paused.messages()[-20:]),
    )
    assert woken >= successor.epoch
    until("the rest of the file to be pulled", lambda: pulled(backend.store, lines))
    assert event_ids(backend.store) == clean_import(tmp_path)
    for w in workers:
        w.stop()
    assert_each_epoch_taken_once(workers, backend.store)


# reminders across a death ---------------------------------------------------------------
def test_each_incident_reminder_is_sent_once_across_a_workers_death(
    backends: Callable[[], Backend],
    crew: Callable[[int, Path, dict[str, str]], list[Worker]],
    httpserver: HTTPServer,
    tmp_path: Path,
) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    backend = backends()
    (tmp_path / "rules").mkdir()
    (tmp_path / "quiet.jsonl").write_text("")
    sources = (
        f'[[sources]]\nname = "quiet"\nkind = "file"\npath = "{tmp_path / "quiet.jsonl"}"\n'
        'format = "jsonl"\ninterval = "2s"\n'
    )
    text = settings_text(sources, hook=httpserver.url_for("/hook"))
    (tmp_path / "sentinel.toml").write_text(text)
    workers = crew(3, tmp_path, worker_env(backend, tmp_path / "rules"))
    jobs = {"incident reminders", "notify delivery", "ingest quiet", "watchdog"}
    until("the jobs to be shared out", lambda: one_holder_each(workers, backend.store, jobs))

    # reminders at 1 and 2 minutes: the first is due at once, the second 12 seconds from now
    now = datetime.now(UTC)
    incident = (
        Incidents(backend.store, SystemClock())
        .open(
            "Laptop with member data lost",
            by="m.dewit",
            aware_at=now - timedelta(seconds=108),
            aware_reason="the laptop's owner reported it",
        )
        .incident
    )

    def sent() -> list[str]:
        return [req.headers["X-Sentinel-Notification"] for req, _ in httpserver.log]

    first, second = f"reminder:{incident.id}:1m", f"reminder:{incident.id}:2m"
    until("the first reminder to go out", lambda: sent() == [first])
    until("it to be marked sent", lambda: backend.store.find_records(OUTBOX, {"status": "sent"}))

    def reminding() -> Worker | None:
        lease = next(x for x in all_leases(backend.store) if x.job == "incident reminders")
        return next((w for w in workers if w.owns(lease)), None)

    holder = until("a worker to hold the reminders", reminding)  # not mid-hand-back
    holder.proc.kill()
    holder.proc.wait(WAIT)

    until("the second reminder to go out", lambda: len(sent()) >= 2)
    for w in workers:
        if w is not holder:
            w.stop()

    assert sent() == [first, second]
    assert_each_epoch_taken_once(workers, backend.store)
