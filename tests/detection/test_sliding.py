"""Sliding windows: a threshold fires when any stretch of its timespan holds it, on both stores.

Bursts are placed at every position against the aligned buckets (the timespan's
and the two-timespan windows the store is asked for first), and the alerts are
checked against a direct count over the events.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.alerts import Alerts, alert_id
from sentinel.detection.engine import Engine
from sentinel.detection.evaluate import Detection, floor
from sentinel.events import format_timestamp
from tests.detection.conftest import ev

ORIGIN = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
"""A multiple of twice the timespan: the two-window grids both have a boundary near it."""
SPAN = timedelta(minutes=10)

FAILED = """
title: Failed login
name: failed
logsource: {product: sentinel}
detection:
  s:
    event.action: login
    event.outcome: failure
  condition: s
level: low
"""

BURST = (
    FAILED
    + """---
title: Five failed logins for one account within ten minutes
name: burst
correlation:
  type: event_count
  rules: [failed]
  group-by: [user.name]
  timespan: 10m
  condition: {gte: 5}
level: high
sentinel:
  delay: 0s
  suppress: 1m
"""
)

SPRAY = (
    FAILED
    + """---
title: Four account names from one address within ten minutes
name: spray
correlation:
  type: value_count
  rules: [failed]
  group-by: [source.ip]
  timespan: 10m
  condition: {gt: 3, field: user.name}
level: high
sentinel:
  delay: 0s
  suppress: 1m
"""
)


def failed(at: datetime, user: str = "anna", ip: str = "10.1.1.1") -> object:
    return ev(at, event__action="login", event__outcome="failure", user__name=user, source__ip=ip)


def engine(store, rules, clock, **kw) -> Engine:
    return Engine(store, rules, Alerts(store, clock), clock, **kw)


def once(found: list[Detection]) -> dict[str, Detection]:
    """What a backfill leaves: the last report of each alert id."""
    return {alert_id(d.rule.id, d.group, d.key): d for d in found}


# every quarter of a timespan across two timespans, and just before each boundary
OFFSETS = [timedelta(seconds=s) for s in range(0, 1200, 150)] + [
    timedelta(minutes=10) - timedelta(seconds=1),
    timedelta(minutes=20) - timedelta(seconds=1),
]


@pytest.mark.parametrize("offset", OFFSETS, ids=lambda o: f"+{int(o.total_seconds())}s")
def test_a_burst_fires_wherever_it_falls_against_the_buckets(
    store, clock, rules_from, offset: timedelta
) -> None:
    rules = rules_from(BURST)
    begin = ORIGIN + offset
    # five failures within 9 min 59 s: inside the timespan, across the buckets at this offset
    burst = [failed(begin + i * timedelta(seconds=149.75)) for i in range(5)]
    # five more for another account spanning exactly ten minutes: never five within it
    spread = [failed(begin + i * timedelta(seconds=150), user="bram") for i in range(5)]
    store.write_events(burst + spread)
    clock.set(ORIGIN + timedelta(hours=1))
    found, [run] = engine(store, rules, clock).backfill(
        ORIGIN - timedelta(hours=1), ORIGIN + timedelta(hours=1), [rules.rules["burst"]]
    )
    assert run.error is None
    [d] = once(found).values()
    assert d.group == {"user.name": "anna"}
    assert (d.first, d.last, d.count) == (burst[0].timestamp, burst[-1].timestamp, 5)
    assert d.key == format_timestamp(floor(burst[-1].timestamp, SPAN))
    assert "5 events within 10m" in d.summary
    assert len(store.find_records("alert")) == 1


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(minutes=7), timedelta(minutes=19)])
def test_the_alert_comes_with_the_run_that_sees_the_fifth_failure(
    store, clock, rules_from, offset: timedelta
) -> None:
    rules = rules_from(BURST)
    rule = rules.rules["burst"]
    begin = ORIGIN + offset
    times = [begin + i * timedelta(minutes=2) for i in range(5)]
    store.write_events([failed(t) for t in times])
    eng = engine(store, rules, clock, initial_lookback=timedelta(hours=1))
    clock.set(times[-1])  # runs end at now - delay (0s), the fifth failure not included
    assert eng.run(rule).new_alerts == []
    clock.advance(seconds=1)
    assert len(eng.run(rule).new_alerts) == 1
    clock.advance(minutes=3)
    assert eng.run(rule).new_alerts == []


def test_distinct_values_fire_when_any_stretch_holds_more_than_the_threshold(
    store, clock, rules_from
) -> None:
    rules = rules_from(SPRAY)
    # four names from one address across the 08:10 bucket boundary, repeats in between,
    # within 9.5 minutes; the other address uses four names over 12 minutes
    names = ["a", "b", "a", "a", "c", "b", "d"]
    sprayed = [
        failed(ORIGIN + timedelta(minutes=5) + i * timedelta(seconds=95), user=n, ip="10.9.9.9")
        for i, n in enumerate(names)
    ]
    slow = [
        failed(ORIGIN + i * timedelta(minutes=4), user=n, ip="10.8.8.8")
        for i, n in enumerate(["a", "b", "c", "d"])
    ]
    store.write_events(sprayed + slow)
    clock.set(ORIGIN + timedelta(hours=1))
    found, _ = engine(store, rules, clock).backfill(
        ORIGIN - timedelta(hours=1), ORIGIN + timedelta(hours=1), [rules.rules["spray"]]
    )
    [d] = once(found).values()
    assert d.group == {"source.ip": "10.9.9.9"}
    assert (d.first, d.last) == (sprayed[0].timestamp, sprayed[-1].timestamp)
    assert d.distinct == 4 and d.count == 7
    assert "4 distinct user.name within 10m" in d.summary


def completing_buckets(times: list[datetime], need: int) -> set[datetime]:
    """Directly: the buckets holding an event at which the ten minutes ending there hold
    ``need`` events."""
    times = sorted(times)
    out = set()
    for t in times:
        held = bisect_right(times, t) - bisect_right(times, t - SPAN)
        if held >= need:
            out.add(floor(t, SPAN))
    return out


def test_random_events_fire_exactly_where_a_direct_count_says_and_chunking_changes_nothing(
    store, clock, rules_from
) -> None:
    rules = rules_from(BURST)
    rule = rules.rules["burst"]
    rng = random.Random(12)
    users = {u: [] for u in ("u1", "u2", "u3", "u4")}
    for times in users.values():
        for _ in range(rng.randrange(8, 16)):
            times.append(ORIGIN + timedelta(seconds=rng.randrange(0, 3 * 3600)))
    # some clumps, so that some stretches reach five
    users["u1"] += [ORIGIN + timedelta(minutes=42, seconds=20 * i) for i in range(4)]
    users["u3"] += [ORIGIN + timedelta(minutes=119, seconds=30 * i) for i in range(3)]
    store.write_events([failed(t, user=u) for u, ts in users.items() for t in ts])
    expected = {
        (u, format_timestamp(bucket))
        for u, ts in users.items()
        for bucket in completing_buckets(ts, 5)
    }
    assert expected  # the data set has something to find
    clock.set(ORIGIN + timedelta(hours=4))
    results = []
    for window in (timedelta(minutes=47), timedelta(hours=6)):
        found, _ = engine(store, rules, clock, max_window=window, replay_window=window).backfill(
            ORIGIN - timedelta(minutes=30), ORIGIN + timedelta(hours=3, minutes=30), [rule]
        )
        results.append(once(found))
    for got in results:
        assert {(d.group["user.name"], d.key) for d in got.values()} == expected
    # the same alert ids however the range was cut into runs, with the same figures
    assert {k: (d.first, d.last, d.count) for k, d in results[0].items()} == {
        k: (d.first, d.last, d.count) for k, d in results[1].items()
    }
