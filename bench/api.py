"""The HTTP API under load: requests/s and p50/p95 latency of the alert queue and the incident page.

Builds a SQLite store with 1,000,000 events over a week, 10,000 alerts on them and
20 incidents escalated from alerts (playbook started, facts recorded), starts
``sentinel serve`` on it, signs in as a viewer over HTTP and asks, with a real HTTP
client on a kept-alive connection:

- the alert queue's first page (50 alerts), a page deep in the queue (by cursor),
  and a filtered page (one rule, status new);
- the incident page's JSON (record, 72-hour clock, assessment, playbook steps).

Each is asked ``--requests`` times one after the other (latency), then by
``--clients`` clients at once (throughput). Target: p95 under 100 ms.

    .venv/bin/python bench/api.py [--events 1000000] [--alerts 10000] [--requests 300]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from store import START, events  # noqa: E402

from sentinel.access.model import Principal  # noqa: E402
from sentinel.access.service import Access  # noqa: E402
from sentinel.alerts import alert_id, group_key  # noqa: E402
from sentinel.clock import SystemClock  # noqa: E402
from sentinel.config import load_settings  # noqa: E402
from sentinel.events import format_timestamp  # noqa: E402
from sentinel.services.actor import Caller  # noqa: E402
from sentinel.services.context import ServiceContext  # noqa: E402
from sentinel.services.incidents import IncidentService  # noqa: E402
from sentinel.store.query import EventQuery, Match  # noqa: E402
from sentinel.store.sqlite import SQLiteStore  # noqa: E402

PASSWORD = "bench viewer password 2026"
RULES = [
    ("5b0c2a52-0000-4000-8000-000000000001", "bulk_member_views", "Bulk member views", "high"),
    ("5b0c2a52-0000-4000-8000-000000000002", "after_hours_access", "After-hours access", "medium"),
]
STATUSES = ["new"] * 7 + ["acknowledged"] * 2 + ["closed"]


def alert_records(n: int) -> list[tuple[str, dict[str, Any]]]:
    """``n`` alerts in their stored shape: per staff member and hour of the week, two rules."""
    out = []
    for i in range(n):
        rule_id, name, title, severity = RULES[(i // (40 * 168)) % len(RULES)]
        user = f"staff{i % 40:03d}"
        start = START + timedelta(hours=(i // 40) % 168)
        end = start + timedelta(hours=1)
        group = {"user.name": user}
        aid = alert_id(rule_id, group, start.isoformat())
        window = {"start": format_timestamp(start), "end": format_timestamp(end)}
        status = STATUSES[i % len(STATUSES)]
        stamp = format_timestamp(end)
        summary = f"member views by user.name={user}"
        out.append(
            (
                aid,
                {
                    "rule": rule_id,
                    "rule_name": name,
                    "title": title,
                    "kind": "event_count",
                    "severity": severity,
                    "status": status,
                    "open": status != "closed",
                    "group": group,
                    "group_key": group_key(group),
                    "window": window,
                    "first_seen": format_timestamp(start + timedelta(minutes=1)),
                    "last_seen": format_timestamp(end - timedelta(minutes=1)),
                    "count": 120,
                    "distinct": None,
                    "summary": summary,
                    "categories": ["contact", "identity"],
                    "playbook": "insider_misuse",
                    "channels": [],
                    "evidence": EventQuery(Match("user.name", "eq", user), start, end).to_dict(),
                    "occurrences": {aid: {"window": window, "count": 120}},
                    "extra": {},
                    "created": stamp,
                    "updated": stamp,
                    "history": [{"at": stamp, "by": "sentinel", "action": "raised"}],
                    "incident": None,
                    "close_reason": "handled" if status == "closed" else None,
                    "notified": False,
                },
            )
        )
    return out


def build(folder: Path, n_events: int, n_alerts: int) -> tuple[Path, list[str]]:
    config = folder / "sentinel.toml"
    config.write_text(
        f'store_url = "sqlite:///{folder / "sentinel.db"}"\n'
        "[incidents]\n"
        f'playbooks_dir = "{ROOT / "playbooks"}"\n'
        "[detection]\n"
        f'rules_dir = "{ROOT / "rules"}"\n'
    )
    settings = load_settings(config)
    store = SQLiteStore(settings.store_url)
    store.init()
    t0 = time.perf_counter()
    written = sum(store.write_events(batch).stored for batch in events(n_events))
    print(f"store: {written:,} events in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    records = alert_records(n_alerts)
    for aid, data in records:
        store.create_record("alert", aid, data)
    print(f"store: {len(records):,} alerts in {time.perf_counter() - t0:.1f} s", flush=True)
    clock = SystemClock()
    ctx = ServiceContext(settings, store, clock)
    service = IncidentService(ctx)
    officer = Caller("bench-officer")
    incidents = []
    for i in range(20):
        picked = [records[i * 7][0], records[i * 7 + 1][0]]
        opened = service.open(officer, None, alerts=picked)
        service.update_facts(
            officer,
            opened.id,
            assignments=[("subjects.people", "120-150"), ("data.categories", "contact,identity")],
        )
        incidents.append(opened.id)
    access = Access.from_settings(store, clock, settings)
    access.users.add(
        "bench-viewer", "viewer", password=PASSWORD, by=Principal.command_line("bench")
    )
    store.close()
    return config, incidents


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(config: Path, port: int) -> subprocess.Popen[bytes]:
    sentinel = Path(sys.executable).parent / "sentinel"
    proc = subprocess.Popen(
        [
            str(sentinel),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--config",
            str(config),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"sentinel serve ended: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("sentinel serve did not answer /healthz within 60 s")


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    answer = client.post("/api/auth/login", json={"username": "bench-viewer", "password": PASSWORD})
    answer.raise_for_status()
    return client


def latencies(client: httpx.Client, url: str, n: int) -> tuple[list[float], float]:
    for _ in range(10):
        client.get(url).raise_for_status()
    times = []
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        client.get(url).raise_for_status()
        times.append(time.perf_counter() - t)
    return times, time.perf_counter() - start


def throughput(base: str, url: str, clients: int, n: int) -> float:
    sessions = [signed_in(base) for _ in range(clients)]

    def run(c: httpx.Client) -> None:
        for _ in range(n // clients):
            c.get(url).raise_for_status()

    threads = [threading.Thread(target=run, args=(c,)) for c in sessions]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    for c in sessions:
        c.close()
    return (n // clients) * clients / elapsed


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sentinel-bench-api-") as tmp:
        config, incidents = build(Path(tmp), args.events, args.alerts)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = serve(config, port)
        try:
            client = signed_in(base)
            deep = "/api/alerts?limit=50"
            for _ in range(40):  # 2,000 alerts down the queue
                deep = f"/api/alerts?limit=50&cursor={client.get(deep).json()['next']}"
            cases = [
                ("alert queue, first page (50)", "/api/alerts?limit=50"),
                ("alert queue, page 41 by cursor", deep),
                (
                    "alert queue, one rule, new",
                    "/api/alerts?limit=50&rule=bulk_member_views&status=new",
                ),
                ("incident page JSON", f"/api/incidents/{incidents[7]}"),
            ]
            print(
                f"\n{args.events:,} events, {args.alerts:,} alerts, {len(incidents)} incidents; "
                f"{args.requests} requests each, one client then {args.clients} at once "
                f"(sentinel serve, SQLite, {datetime.now(UTC):%Y-%m-%d})\n"
            )
            print(
                f"| request | p50 ms | p95 ms | req/s (1 client) | req/s ({args.clients} clients) |"
            )
            print("| --- | --- | --- | --- | --- |")
            for name, url in cases:
                times, elapsed = latencies(client, url, args.requests)
                rps = throughput(base, url, args.clients, args.requests)
                p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
                sequential = args.requests / elapsed
                print(
                    f"| {name} | {p50:.1f} | {p95:.1f} | {sequential:.0f} | {rps:.0f} |", flush=True
                )
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
