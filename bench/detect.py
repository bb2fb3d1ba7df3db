"""How long the rule pack takes, and what each rule asks of the store.

SQLite (the default): the time of one full pass of the whole rule pack over all
stored events at 1M and 10M events, and the time of an incremental 5-minute
pass (what each scheduled run does) at those sizes, with each rule's requests.

Elasticsearch (``--store elasticsearch``): per rule, what one 1-day pass (a
replay's), one 6-hour pass and one 5-minute pass ask of the store: requests,
buckets, hits, bytes and the server's own time. These figures do not depend on
the machine's load; the request count should stay the same as the events grow. The server is an
``osmem-server`` started for the run unless ``SENTINEL_BENCH_ELASTICSEARCH_URL``
names a cluster (``SENTINEL_BENCH_ELASTICSEARCH_API_KEY`` for its key).

    .venv/bin/python bench/detect.py [--sizes 1000000 10000000] [--days 30]
    .venv/bin/python bench/detect.py --store elasticsearch --sizes 100000 1000000

Events are synthetic but shaped like the company's access logs (staff, partner
and API accounts; views, exports, logins, payment views) and written straight
into the store, so the figures measure detection, not ingestion.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sentinel.alerts import Alerts  # noqa: E402
from sentinel.config import ElasticsearchStoreSettings  # noqa: E402
from sentinel.detection.engine import Engine  # noqa: E402
from sentinel.detection.evaluate import Span, evaluate  # noqa: E402
from sentinel.detection.loader import load_rules  # noqa: E402
from sentinel.detection.model import Rule, RuleSet  # noqa: E402
from sentinel.events import Event, event_id  # noqa: E402
from sentinel.store.base import Store  # noqa: E402
from sentinel.store.budget import Budget, metered  # noqa: E402
from sentinel.store.elasticsearch import ElasticsearchStore  # noqa: E402
from sentinel.store.es_client import connect  # noqa: E402
from sentinel.store.sqlite import SQLiteStore  # noqa: E402

END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ACTIONS = [
    ("member.view", 50),
    ("member.search", 10),
    ("vehicle.view", 10),
    ("vehicle.coding", 5),
    ("payment.view", 6),
    ("token.use", 10),
    ("login", 6),
    ("member.update", 2),
    ("member.export", 0.2),
]


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def synthetic(n: int, days: int, seed: int = 7) -> Iterator[list[Event]]:
    rng = random.Random(seed)
    names, weights = zip(*ACTIONS, strict=True)
    staff = [f"staff{i:03d}" for i in range(120)]
    partners = [(f"p{p:02d}.user{u}", f"P{p:02d}") for p in range(1, 30) for u in range(4)]
    apis = [f"api-int{i}" for i in range(8)]
    start = END - timedelta(days=days)
    step = timedelta(days=days) / n
    batch = []
    for i in range(n):
        ts = start + step * i
        action = rng.choices(names, weights)[0]
        kind = rng.random()
        if action == "token.use" or kind < 0.1:
            user, org, service = rng.choice(apis), "P01", "api"
            ip = f"185.10.20.{apis.index(user) + 1}" if user in apis else "185.10.20.99"
        elif kind < 0.45:
            user, org = rng.choice(partners)
            service, ip = "partner-portal", f"31.201.{rng.randrange(256)}.{rng.randrange(256)}"
        else:
            user, org, service = rng.choice(staff), "staff", "backoffice"
            ip = f"145.97.{rng.randrange(4)}.{rng.randrange(256)}"
        member = f"M{rng.randrange(100000, 160000)}"
        fields = {
            "event.action": action,
            "event.outcome": "failure" if action == "login" and rng.random() < 0.05 else "success",
            "user.name": user,
            "organization.id": org,
            "service.name": service,
            "source.ip": ip,
            "source.geo.country_iso_code": "NL",
            "sentinel.member.id": member,
            "sentinel.member.partner_id": org if org != "staff" else "direct",
            "sentinel.account.kind": "staff" if org == "staff" else "partner",
            "sentinel.account.inactive": False,
            "sentinel.cross_partner": False,
            "sentinel.local.business_hours": 7 <= ts.hour < 17,
            "sentinel.data_categories": ["contact", "identity"],
            "sentinel.records": 20 if action == "member.export" else 1,
        }
        batch.append(Event(event_id("bench", str(i)), ts, "app", fields))
        if len(batch) == 20_000:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(store: Store, n: int, days: int) -> float:
    started = time.perf_counter()
    for batch in synthetic(n, days):
        store.write_events(batch)
    refresh = getattr(store, "refresh", None)
    if callable(refresh):
        refresh()
    return time.perf_counter() - started


def passes(rules: RuleSet, store: Store, span: Span) -> list[tuple[Rule, Budget, float]]:
    """Each alerting rule once over ``span``: what it asked of the store and how long it took."""
    out = []
    for rule in rules.alerting():
        started = time.perf_counter()
        with metered() as spent:
            evaluate(rule, rules, store, span)
        out.append((rule, spent, time.perf_counter() - started))
    return out


def report(title: str, rows: list[tuple[Rule, Budget, float]]) -> None:
    print(f"  {title}")
    print(
        f"    {'rule':<34} {'kind':<16} {'requests':>8} {'buckets':>8} {'hits':>6} "
        f"{'KiB':>7} {'store ms':>8} {'wall s':>7}"
    )
    total = Budget()
    wall = 0.0
    for rule, b, took in rows:
        total.add(b)
        wall += took
        print(
            f"    {rule.name:<34} {rule.kind:<16} {b.requests:>8} {b.buckets:>8} {b.hits:>6} "
            f"{b.bytes / 1024:>7.1f} {b.took_ms:>8} {took:>7.3f}"
        )
    print(
        f"    {'all':<34} {'':<16} {total.requests:>8} {total.buckets:>8} {total.hits:>6} "
        f"{total.bytes / 1024:>7.1f} {total.took_ms:>8} {wall:>7.3f}"
    )


@contextmanager
def elasticsearch() -> Iterator[ElasticsearchStore]:
    url = os.environ.get("SENTINEL_BENCH_ELASTICSEARCH_URL")
    server = None
    settings: dict[str, Any] = {"index_prefix": f"bench-{uuid.uuid4().hex[:8]}"}
    if url:
        if key := os.environ.get("SENTINEL_BENCH_ELASTICSEARCH_API_KEY"):
            settings["auth"] = {"api_key": key}
    else:
        from osmem_server import OsmemServer

        server = OsmemServer.start(japanese=False)
        url = server.url
        settings["compatibility"] = "opensearch"
        settings["request_timeout"] = "600s"
    config = ElasticsearchStoreSettings(**settings)
    store = ElasticsearchStore(url, config)
    store.init()
    try:
        yield store
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


def es_main(rules: RuleSet, sizes: list[int], days: int) -> None:
    for n in sizes:
        with elasticsearch() as store:
            took = fill(store, n, days)
            print(f"\n{n:,} events over {days} days written in {took:.1f}s ({n / took:,.0f}/s)")
            report("one 1-day pass", passes(rules, store, Span(END - timedelta(days=1), END)))
            report("one 6-hour pass", passes(rules, store, Span(END - timedelta(hours=6), END)))
            recent = Span(END - timedelta(minutes=7), END - timedelta(minutes=2))
            report("one 5-minute pass", passes(rules, store, recent))


def sqlite_main(rules: RuleSet, sizes: list[int], days: int, folder: Path | None) -> None:
    alerting = rules.alerting()
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        for n in sizes:
            store = SQLiteStore(f"sqlite:///{tmp}/bench-{n}.db")
            store.init()
            took = fill(store, n, days)
            print(f"\n{n:,} events over {days} days written in {took:.1f}s")
            clock = FixedClock(END)
            engine = Engine(store, rules, Alerts(store, clock), clock, max_window=timedelta(days=2))
            started = time.perf_counter()
            _, runs = engine.backfill(
                END - timedelta(days=days + 1), END, alerting, store_alerts=False
            )
            full = time.perf_counter() - started
            asked = Budget()
            for run in runs:
                asked.add(run.budget)
            print(f"  full pass of the pack over all events: {full:.2f}s ({asked.line()})")
            span = Span(END - timedelta(minutes=7), END - timedelta(minutes=2))
            rows = passes(rules, store, span)
            print(f"  incremental 5-minute pass of the pack: {sum(r[2] for r in rows):.3f}s")
            report("the incremental pass per rule", rows)
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], default="sqlite")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--dir", type=Path, default=None, help="Where to put the databases.")
    args = parser.parse_args()
    rules = load_rules([ROOT / "rules"]).ruleset
    print(f"rule pack: {len(rules.alerting())} alerting rules ({len(rules.rules)} in all)")
    if args.store == "elasticsearch":
        es_main(rules, args.sizes or [100_000, 1_000_000], args.days)
    else:
        sqlite_main(rules, args.sizes or [1_000_000, 10_000_000], args.days, args.dir)


if __name__ == "__main__":
    main()
