"""Ingest throughput and memory, against the ceiling of a bare parse-and-insert.

Prints, in one run:
- events/s end to end (file source → parser → enrichment → SQLite store →
  checkpoints) for `jsonl` and `combined` logs;
- the ceiling: the same lines parsed with a plain JSON / regex parse and inserted
  as the same rows into the same schema, with nothing else done;
- the ratio of the two;
- peak memory (max RSS) of the end-to-end run for 1M and 5M lines.

Every measurement runs in its own process pinned to one core, so the figures are
one core's and peak memory is that run's alone.

    .venv/bin/python bench/ingest.py [--lines 1000000] [--memory 1000000 5000000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

START = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
COMBINED = re.compile(
    r'^(?P<host>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<request>[^"]*)" '
    r'(?P<status>\d{3}) (?P<bytes>\S+)(?: "(?P<referrer>[^"]*)" "(?P<agent>[^"]*)")?$'
)
ACTIONS = ["member.view"] * 6 + ["member.search", "vehicle.view", "payment.view", "login"]


def write_jsonl(path: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    step = timedelta(days=7) / n
    with path.open("w") as out:
        for i in range(n):
            ts = (START + step * i).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            action = ACTIONS[i % len(ACTIONS)]
            user = f"staff{rng.randrange(40):03d}"
            member = f"M{rng.randrange(100000, 105000)}"
            ip = f"145.97.{rng.randrange(256)}.{rng.randrange(256)}"
            out.write(
                f'{{"@timestamp":"{ts}","event":{{"action":"{action}","category":["web"],'
                f'"outcome":"success"}},"user":{{"name":"{user}"}},"source":{{"ip":"{ip}"}},'
                f'"service":{{"name":"backoffice"}},"url":{{"path":"/backoffice/members/{member}"}},'
                f'"http":{{"request":{{"method":"GET"}},"response":{{"status_code":200}}}},'
                f'"user_agent":{{"original":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)"}},'
                f'"sentinel":{{"member":{{"id":"{member}","partner_id":"direct"}},"records":1}}}}\n'
            )


def write_combined(path: Path, n: int, seed: int = 2) -> None:
    rng = random.Random(seed)
    step = timedelta(days=7) / n
    with path.open("w") as out:
        for i in range(n):
            ts = (START + step * i).strftime("%d/%b/%Y:%H:%M:%S +0000")
            ip = f"31.201.{rng.randrange(256)}.{rng.randrange(256)}"
            member = f"M{rng.randrange(100000, 105000)}"
            status = 200 if i % 20 else 404
            out.write(
                f'{ip} - p03.user{i % 4} [{ts}] "GET /api/v1/members/{member} HTTP/1.1" {status} '
                f'{rng.randrange(300, 9000)} "https://portal.example.nl/" '
                f'"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"\n'
            )


# children ----------------------------------------------------------------------


def child_e2e(fmt: str, file: Path, db: Path) -> dict[str, float]:
    from sentinel.clock import SystemClock
    from sentinel.config import FileSourceConfig, Settings
    from sentinel.gc_tuning import tune_gc_for_batches
    from sentinel.ingest import build_pipeline, ingest
    from sentinel.sources.file import FileReader
    from sentinel.store.sqlite import SQLiteStore

    tune_gc_for_batches()  # as the `sentinel` command does at start-up
    settings = Settings(
        store_url=f"sqlite:///{db}",
        data_map=ROOT / "config" / "datamap.yaml",
        directory=ROOT / "config" / "directory.csv",
    )
    clock = SystemClock()
    store = SQLiteStore(settings.store_url)
    store.init()
    source = FileSourceConfig(name=f"bench-{fmt}", path=str(file), format=fmt)  # type: ignore[arg-type]
    reader = FileReader(str(file), None, clock=clock, final=True)
    started = time.perf_counter()
    report = ingest(
        reader, build_pipeline(settings, source, clock), store, batch_size=settings.batch_size
    )
    took = time.perf_counter() - started
    store.close()
    return {"events": report.stored, "dead": report.dead_letters, "seconds": took}


def child_ceiling(fmt: str, file: Path, db: Path) -> dict[str, float]:
    """The same rows into the same schema: a bare parse, the columns, an INSERT.

    Rows carry ids of the same shape as Sentinel's (the unique index on them
    costs the same), and the document column holds the line itself.
    """
    import sqlite3

    import orjson

    from sentinel.events import event_id
    from sentinel.store.sqlite import _INSERT_EVENT, SCHEMA

    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
        conn.execute(f"PRAGMA {pragma}")
    conn.executescript(SCHEMA)
    batch: list[tuple[object, ...]] = []
    started = time.perf_counter()
    n = 0

    def flush() -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_INSERT_EVENT, batch)
        conn.execute("COMMIT")
        batch.clear()

    with file.open("rb") as lines:
        for n, line in enumerate(lines):
            if fmt == "jsonl":
                d = orjson.loads(line)
                ts = int(datetime.fromisoformat(d["@timestamp"]).timestamp() * 1000)
                ev, user = d["event"], d["user"]
                row = (
                    event_id("bench", str(n)),
                    ts,
                    "bench",
                    ev.get("action"),
                    ev.get("outcome"),
                    user.get("name"),
                    d["source"]["ip"],
                    None,
                    d["sentinel"]["member"]["id"],
                    d["sentinel"]["member"]["partner_id"],
                    None,
                    line.decode(),
                )
            else:
                m = COMBINED.match(line.decode().rstrip("\n"))
                assert m is not None
                g = m.groupdict()
                ts = int(datetime.strptime(g["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp() * 1000)
                row = (
                    event_id("bench", str(n)),
                    ts,
                    "bench",
                    None,
                    None,
                    g["user"],
                    g["host"],
                    None,
                    None,
                    None,
                    None,
                    orjson.dumps(g).decode(),
                )
            batch.append(row)
            if len(batch) == 5000:
                flush()
    if batch:
        flush()
    took = time.perf_counter() - started
    conn.close()
    return {"events": n + 1, "dead": 0, "seconds": took}


def run_child(kind: str, fmt: str, file: Path, db: Path) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--format",
            fmt,
            "--file",
            str(file),
            "--db",
            str(db),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_main(args: argparse.Namespace) -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    fn = child_e2e if args.child == "e2e" else child_ceiling
    result = fn(args.format, Path(args.file), Path(args.db))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--memory", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--dir", type=Path, default=None, help="Where to put files (big).")
    parser.add_argument("--child", choices=["e2e", "ceiling"])
    parser.add_argument("--format")
    parser.add_argument("--file")
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="sentinel-bench-") as tmp:
        work = Path(tmp)
        print(f"throughput on {args.lines:,} lines, one core each:")
        for fmt, writer in (("jsonl", write_jsonl), ("combined", write_combined)):
            log = work / f"access.{fmt}"
            writer(log, args.lines)
            e2e = run_child("e2e", fmt, log, work / f"e2e-{fmt}.db")
            ceiling = run_child("ceiling", fmt, log, work / f"ceiling-{fmt}.db")
            rate = e2e["events"] / e2e["seconds"]
            top = ceiling["events"] / ceiling["seconds"]
            print(
                f"  {fmt:9} end to end {rate:>9,.0f} events/s   ceiling {top:>9,.0f} events/s   "
                f"ratio {rate / top:.2f}   ({e2e['events']:,.0f} stored, {e2e['dead']:.0f} dead)"
            )
            log.unlink()
        print("peak memory of the end-to-end jsonl run:")
        peaks = {}
        for n in args.memory:
            log = work / f"memory-{n}.jsonl"
            write_jsonl(log, n)
            result = run_child("e2e", "jsonl", log, work / f"memory-{n}.db")
            peaks[n] = result["peak_rss_mb"]
            print(
                f"  {n:>10,} lines: {peaks[n]:.0f} MB peak RSS "
                f"({result['events'] / result['seconds']:,.0f} events/s)"
            )
            log.unlink()
            (work / f"memory-{n}.db").unlink()
        small, large = min(peaks), max(peaks)
        if small != large:
            growth = peaks[large] / peaks[small] - 1
            print(f"  growth from {small:,} to {large:,} lines: {growth:+.1%}")


if __name__ == "__main__":
    main()
