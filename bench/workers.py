"""Throughput with 1, 2 and 3 `sentinel run` workers on one store, and the takeover after a kill.

For each number of workers, on a fresh store: four sources of ``--lines`` JSON
lines each and the shipped rule pack. It prints, per run:
- the time from the workers' start until every source has been pulled to its end,
  and events/s over all sources;
- the time from the end of the pulls until every rule has finished its first pass
  over them, and rule passes/s;
and, with three workers and a ``--lease`` of 10 s, how long after a `kill -9` of
the worker pulling a source another one took the source over (from the store's
own times: the kill, and the new lease's acquisition).

The workers are real processes (`sentinel run --no-web`); on a machine with fewer
cores than workers they share the cores, which caps what more workers can add.

``--store osmem`` starts an ``osmem-server`` for the run (an in-memory stand-in
that stores a few thousand documents a second: its figures are osmem's, not a
cluster's); an Elasticsearch URL uses that cluster.

    .venv/bin/python bench/workers.py [--lines 100000] [--store sqlite|osmem|URL]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sentinel.config import ElasticsearchStoreSettings  # noqa: E402
from sentinel.detection.loader import load_rules  # noqa: E402
from sentinel.job_runs import job_runs  # noqa: E402
from sentinel.leases import Lease, all_leases  # noqa: E402
from sentinel.store import open_store  # noqa: E402
from sentinel.store.base import Store  # noqa: E402

SOURCES = ("app", "portal", "gateway", "api")
ACTIONS = ["member.view"] * 6 + ["member.search", "vehicle.view", "payment.view", "login"]
SENTINEL = Path(sys.executable).parent / "sentinel"


def write_source(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=1)
    step = timedelta(hours=20) / n
    with path.open("w") as out:
        for i in range(n):
            ts = (start + step * i).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            user = f"staff{rng.randrange(40):03d}"
            member = f"M{rng.randrange(100000, 105000)}"
            out.write(
                f'{{"@timestamp":"{ts}","event":{{"action":"{ACTIONS[i % len(ACTIONS)]}",'
                f'"outcome":"success"}},"user":{{"name":"{user}"}},'
                f'"source":{{"ip":"145.97.{rng.randrange(256)}.{rng.randrange(256)}"}},'
                f'"service":{{"name":"backoffice"}},'
                f'"sentinel":{{"member":{{"id":"{member}"}},"records":1}}}}\n'
            )


def settings(workdir: Path, lines: int, lease: float) -> None:
    sources = "".join(
        f'[[sources]]\nname = "{name}"\nkind = "file"\npath = "{workdir / name}.jsonl"\n'
        'format = "jsonl"\ninterval = "5s"\n'
        for name in SOURCES
    )
    (workdir / "sentinel.toml").write_text(
        f'timezone = "Europe/Amsterdam"\nbatch_size = 2000\n'
        f'data_map = "{ROOT / "config" / "datamap.yaml"}"\n'
        f'directory = "{ROOT / "config" / "directory.csv"}"\n\n'
        f'[workers]\nlease = "{lease:g}s"\nheartbeat = "1s"\n\n'
        '[detection]\ninitial_lookback = "26h"\nmax_window = "6h"\n\n' + sources
    )
    for i, name in enumerate(SOURCES):
        write_source(workdir / f"{name}.jsonl", lines, seed=i)


class Target:
    """A fresh store per run: an SQLite file, or a new index prefix on Elasticsearch."""

    def __init__(self, spec: str, workdir: Path) -> None:
        self.env = {"SENTINEL_DETECTION__RULES_DIR": str(ROOT / "rules")}
        if spec == "sqlite":
            self.env["SENTINEL_STORE_URL"] = f"sqlite:///{workdir / 'sentinel.db'}"
            self.store = open_store(self.env["SENTINEL_STORE_URL"])
        else:
            prefix = f"bench{uuid.uuid4().hex[:8]}"
            compatibility = os.environ.get("SENTINEL_ELASTICSEARCH__COMPATIBILITY", "opensearch")
            self.env |= {
                "SENTINEL_STORE_URL": spec,
                "SENTINEL_ELASTICSEARCH__INDEX_PREFIX": prefix,
                "SENTINEL_ELASTICSEARCH__COMPATIBILITY": compatibility,
            }
            self.store = open_store(
                spec,
                ElasticsearchStoreSettings(index_prefix=prefix, compatibility=compatibility),
            )
        self.store.init()


def start(n: int, workdir: Path, target: Target) -> list[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")} | target.env
    return [
        subprocess.Popen(
            [str(SENTINEL), "run", "--no-web"],
            cwd=workdir,
            env=env,
            stdout=(workdir / f"worker{i}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for i in range(n)
    ]


def wait(what: str, probe: Callable[[], object], timeout: float = 3600) -> float:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.1)
    return time.monotonic()


def succeeded(store: Store, jobs: set[str]) -> bool:
    done = {r.job for r in job_runs(store) if r.last_success is not None}
    return jobs <= done


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGTERM)
    for w in workers:
        w.wait(300)


def throughput(n: int, lines: int, spec: str) -> tuple[float, float, float, int]:
    rules = {f"rule {r.name}" for r in load_rules([ROOT / "rules"]).ruleset.alerting()}
    pulls = {f"ingest {name}" for name in SOURCES}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        settings(workdir, lines, lease=60)
        target = Target(spec, workdir)
        began = time.monotonic()
        workers = start(n, workdir, target)
        try:
            pulled = wait("the pulls", lambda: succeeded(target.store, pulls))
            passed = wait("the rule passes", lambda: succeeded(target.store, rules))
        finally:
            stop(workers)
            target.store.close()
    ingest_s, rules_s = pulled - began, passed - pulled
    return ingest_s, len(SOURCES) * lines / ingest_s, rules_s, len(rules)


def takeover(lines: int, spec: str, lease: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        settings(workdir, lines, lease=lease)
        target = Target(spec, workdir)
        workers = start(3, workdir, target)
        try:

            def pulling() -> Lease | None:
                held = [x for x in all_leases(target.store) if x.job == "ingest app"]
                return held[0] if held and held[0].owner and held[0].epoch else None

            wait("the app pull", lambda: pulling() is not None)
            lease_before = pulling()
            assert lease_before is not None and lease_before.owner is not None
            pid = int(lease_before.owner.split(":")[1])
            os.kill(pid, signal.SIGKILL)
            killed = datetime.now(UTC)

            def moved() -> Lease | None:
                now = pulling()
                return now if now and now.epoch > lease_before.epoch else None

            wait("the takeover", lambda: moved() is not None)
            successor = moved()
            assert successor is not None and successor.acquired is not None
            return (successor.acquired - killed).total_seconds()
        finally:
            stop(workers)
            target.store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000, help="lines per source")
    parser.add_argument(
        "--store", default="sqlite", help="sqlite, osmem (started here), or an Elasticsearch URL"
    )
    parser.add_argument("--lease", type=float, default=10.0, help="lease for the takeover run")
    args = parser.parse_args()
    server = None
    spec = args.store
    if spec == "osmem":
        from osmem_server import OsmemServer

        server = OsmemServer.start(japanese=False)
        spec = server.url
    try:
        print(
            f"{len(SOURCES)} sources of {args.lines:,} lines, store {args.store}, "
            f"{os.cpu_count()} cores"
        )
        print(f"{'workers':>7}  {'pull s':>7}  {'events/s':>9}  {'rules s':>7}  {'passes/s':>8}")
        for n in (1, 2, 3):
            ingest_s, rate, rules_s, rules = throughput(n, args.lines, spec)
            passes = rules / rules_s
            row = f"{n:>7}  {ingest_s:>7.1f}  {rate:>9,.0f}  {rules_s:>7.1f}  {passes:>8.2f}"
            print(row, flush=True)
        seconds = takeover(args.lines, spec, args.lease)
        print(
            f"takeover after kill -9 of the worker pulling 'app': {seconds:.1f} s "
            f"(lease {args.lease:g} s, heartbeat 1 s)"
        )
    finally:
        if server is not None:
            server.close()


if __name__ == "__main__":
    main()
