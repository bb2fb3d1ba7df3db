"""How long the rule pack takes on the embedded store.

Prints, in one run: the time of one full pass of the whole rule pack over all
stored events at 1M and 10M events (SQLite), and the time of an incremental
5-minute pass (what each scheduled run does) at those sizes.

    .venv/bin/python bench/detect.py [--sizes 1000000 10000000] [--days 30]

Events are synthetic but shaped like the company's access logs (staff, partner
and API accounts; views, exports, logins, payment views) and written straight
into the store, so the figures measure detection, not ingestion.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sentinel.alerts import Alerts  # noqa: E402
from sentinel.detection.engine import Engine  # noqa: E402
from sentinel.detection.evaluate import Span, evaluate  # noqa: E402
from sentinel.detection.loader import load_rules  # noqa: E402
from sentinel.events import Event, event_id  # noqa: E402
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


def fill(store: SQLiteStore, n: int, days: int) -> float:
    started = time.perf_counter()
    for batch in synthetic(n, days):
        store.write_events(batch)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--dir", type=Path, default=None, help="Where to put the databases.")
    args = parser.parse_args()
    rules = load_rules([ROOT / "rules"]).ruleset
    alerting = rules.alerting()
    print(f"rule pack: {len(alerting)} alerting rules ({len(rules.rules)} in all)")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for n in args.sizes:
            store = SQLiteStore(f"sqlite:///{tmp}/bench-{n}.db")
            store.init()
            took = fill(store, n, args.days)
            print(f"\n{n:,} events over {args.days} days written in {took:.1f}s")
            clock = FixedClock(END)
            engine = Engine(store, rules, Alerts(store, clock), clock, max_window=timedelta(days=2))
            started = time.perf_counter()
            engine.backfill(END - timedelta(days=args.days + 1), END, alerting, store_alerts=False)
            full = time.perf_counter() - started
            print(f"  full pass of the pack over all events: {full:.2f}s")
            span = Span(END - timedelta(minutes=7), END - timedelta(minutes=2))
            slowest = []
            started = time.perf_counter()
            for rule in alerting:
                t = time.perf_counter()
                evaluate(rule, rules, store, span)
                slowest.append((time.perf_counter() - t, rule.name))
            incremental = time.perf_counter() - started
            print(f"  incremental 5-minute pass of the pack: {incremental:.3f}s")
            for took_rule, name in sorted(slowest, reverse=True)[:3]:
                print(f"    slowest: {name} {took_rule:.3f}s")
            store.close()


if __name__ == "__main__":
    main()
