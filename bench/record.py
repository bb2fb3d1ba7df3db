"""Recording alerts one by one: how the time per alert grows with the alerts already stored.

Detection hands its detections to ``Alerts.record`` one rule pass at a time; each
detection looks up whether its group already has an open alert (the window seen
again, or a repeat to fold in by suppression) before it creates one. This script
records ``--alerts`` detections one by one into a fresh SQLite store, eight rules
over 500 accounts, each group coming back a day later (a new alert, not a fold),
and prints the time each thousand took, so growth with the store's size shows.

    .venv/bin/python bench/record.py [--alerts 10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sentinel.alerts import Alerts  # noqa: E402
from sentinel.clock import SystemClock  # noqa: E402
from sentinel.detection.evaluate import Detection  # noqa: E402
from sentinel.detection.model import Meta, Rule  # noqa: E402
from sentinel.store.query import EventQuery, Match, all_of  # noqa: E402
from sentinel.store.sqlite import SQLiteStore  # noqa: E402

START = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
USERS = 500
RULES = [
    Rule(
        id=f"00000000-0000-4000-8000-00000000000{n}",
        name=f"bench_rule_{n}",
        title=f"bench rule {n}",
        description="",
        file="bench",
        line=1,
        kind="match",
        meta=Meta(severity="medium", categories=("contact",)),
        filter=Match("event.action", "eq", "member_view"),
        group_by=("user.name",),
    )
    for n in range(8)
]


def detection(i: int) -> Detection:
    rule = RULES[i % len(RULES)]
    user = f"staff{(i // len(RULES)) % USERS:03d}"
    start = START + timedelta(days=i // (len(RULES) * USERS), minutes=i % 60)
    return Detection(
        rule=rule,
        group={"user.name": user},
        start=start,
        end=start + timedelta(hours=1),
        count=10,
        first=start,
        last=start + timedelta(minutes=30),
        evidence=EventQuery(
            all_of(rule.filter, Match("user.name", "eq", user)), start, start + timedelta(hours=1)
        ),
        key=start.isoformat(),
        summary=f"10 event(s) for user.name={user}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    args = parser.parse_args()
    chunk = 1000
    per_chunk = []
    with tempfile.TemporaryDirectory(prefix="sentinel-bench-record-") as tmp:
        store = SQLiteStore(f"sqlite:///{Path(tmp) / 'sentinel.db'}")
        store.init()
        alerts = Alerts(store, SystemClock())
        started = time.perf_counter()
        lap = started
        new = 0
        for i in range(args.alerts):
            new += len(alerts.record([detection(i)]).new)
            if (i + 1) % chunk == 0 or i + 1 == args.alerts:
                now = time.perf_counter()
                per_chunk.append(round((now - lap) * 1000 / (i % chunk + 1), 2))
                print(
                    f"alerts {i + 2 - (i % chunk + 1):>6,}-{i + 1:<6,} "
                    f"{per_chunk[-1]:8.2f} ms per alert",
                    flush=True,
                )
                lap = now
        total = time.perf_counter() - started
        store.close()
    print(f"{args.alerts:,} detections, {new:,} new alerts, {total:.1f} s in all")
    print(
        json.dumps(
            {
                "alerts": args.alerts,
                "new": new,
                "seconds": round(total, 1),
                "ms_per_alert_by_thousand": per_chunk,
            }
        )
    )


if __name__ == "__main__":
    main()
