"""Store throughput: events/s written and the time of a grouped distinct count, per store.

Prints, in one run, for the SQLite store and the Elasticsearch store:
- events/s of ``write_events`` in batches of 5000 (the ingest job's default);
- the time of ``aggregate`` grouping by ``user.name`` with a distinct count of
  ``source.ip`` over every event (the shape of a ``value_count`` rule), and the
  number of groups it returned;
- the time of counting the events of one user.

Elasticsearch is an ``osmem-server`` started for the run (an in-memory server that
ingests a few thousand documents a second, so its figures are osmem's, not a
cluster's) unless ``SENTINEL_BENCH_ELASTICSEARCH_URL`` names a real cluster
(``SENTINEL_BENCH_ELASTICSEARCH_API_KEY`` for its key).

    .venv/bin/python bench/store.py [--events 1000000] [--es-events 100000] [--skip-es]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sentinel.config import ElasticsearchStoreSettings  # noqa: E402
from sentinel.events import Event, event_id  # noqa: E402
from sentinel.store import Store  # noqa: E402
from sentinel.store.elasticsearch import ElasticsearchStore  # noqa: E402
from sentinel.store.es_client import connect  # noqa: E402
from sentinel.store.query import Aggregation, EventQuery, Match  # noqa: E402
from sentinel.store.sqlite import SQLiteStore  # noqa: E402

START = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
BATCH = 5000
ACTIONS = ["member_view"] * 6 + ["member_search", "vehicle_view", "payment_view", "login"]


def events(n: int, seed: int = 1) -> Iterator[list[Event]]:
    """``n`` access events over one week, in batches; 40 staff from about 10k addresses."""
    rng = random.Random(seed)
    step = timedelta(days=7) / n
    batch: list[Event] = []
    for i in range(n):
        member = f"M{rng.randrange(100000, 105000)}"
        batch.append(
            Event(
                id=event_id("bench", str(i)),
                timestamp=START + step * i,
                source="bench",
                fields={
                    "event.action": ACTIONS[i % len(ACTIONS)],
                    "event.category": ["web"],
                    "event.outcome": "success",
                    "user.name": f"staff{rng.randrange(40):03d}",
                    "source.ip": f"145.97.{rng.randrange(40)}.{rng.randrange(256)}",
                    "service.name": "backoffice",
                    "url.path": f"/backoffice/members/{member}",
                    "http.request.method": "GET",
                    "http.response.status_code": 200,
                    "sentinel.member.id": member,
                    "sentinel.member.partner_id": "direct",
                    "sentinel.records": 1,
                },
            )
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(name: str, store: Store, n: int, refresh: Callable[[], None]) -> dict[str, Any]:
    store.init()
    written = 0
    start = time.perf_counter()
    for batch in events(n):
        written += store.write_events(batch).stored
    refresh()
    write_s = time.perf_counter() - start
    agg = Aggregation(group_by=("user.name",), distinct="source.ip")
    agg_s, rows = timed(lambda: list(store.aggregate(EventQuery(), agg)))
    count_s, count = timed(
        lambda: store.count_events(EventQuery(filter=Match("user.name", "eq", "staff007")))
    )
    return {
        "store": name,
        "events": written,
        "events_per_s": written / write_s,
        "distinct_s": agg_s,
        "groups": len(rows),
        "approximate": any(r.approximate for r in rows),
        "count_s": count_s,
        "count": count,
    }


def sqlite_run(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            return measure("sqlite", store, n, lambda: None)
        finally:
            store.close()


def elasticsearch_run(n: int) -> dict[str, Any]:
    url = os.environ.get("SENTINEL_BENCH_ELASTICSEARCH_URL")
    server = None
    settings: dict[str, Any] = {"index_prefix": f"bench-{uuid.uuid4().hex[:8]}"}
    if url:
        if key := os.environ.get("SENTINEL_BENCH_ELASTICSEARCH_API_KEY"):
            settings["auth"] = {"api_key": key}
        name = "elasticsearch"
    else:
        from osmem_server import OsmemServer

        server = OsmemServer.start(japanese=False)
        url, name = server.url, "elasticsearch (osmem-server)"
        settings["compatibility"] = "opensearch"
    config = ElasticsearchStoreSettings(**settings)
    store = ElasticsearchStore(url, config)
    try:
        return measure(name, store, n, store.refresh)
    finally:
        store.close()
        client = connect(url, config)
        for index in client.indices.get(index=f"{store.names.prefix}-*", allow_no_indices=True):
            client.indices.delete(index=index)
        for template in store.names.templates():
            client.options(ignore_status=404).indices.delete_index_template(name=template)
        client.close()
        if server is not None:
            server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events for SQLite")
    parser.add_argument("--es-events", type=int, default=100_000, help="events for Elasticsearch")
    parser.add_argument("--skip-es", action="store_true", help="SQLite only")
    args = parser.parse_args()
    results = [sqlite_run(args.events)]
    if not args.skip_es:
        results.append(elasticsearch_run(args.es_events))
    print(
        f"{'store':<30} {'events':>9} {'events/s':>9} {'distinct count':>15} "
        f"{'groups':>6} {'count one user':>15}"
    )
    for r in results:
        approx = " ~" if r["approximate"] else ""
        print(
            f"{r['store']:<30} {r['events']:>9} {r['events_per_s']:>9.0f} "
            f"{r['distinct_s']:>14.3f}s{approx} {r['groups']:>6} {r['count_s']:>14.3f}s"
        )


if __name__ == "__main__":
    main()
