"""Flatline: every silence of the rule's span is found wherever it falls, replayed or live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.alerts import Alerts, alert_id
from sentinel.detection.engine import Engine
from sentinel.events import format_timestamp
from tests.detection.conftest import ev

DAY = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)

SILENT = """
title: Service gone silent
name: silent
logsource: {product: sentinel}
detection:
  s:
    service.name|exists: true
  condition: s
level: medium
sentinel:
  delay: 0s
  flatline:
    group-by: [service.name]
    span: 2h
    history: 1d
"""


def engine(store, rules, clock, **kw) -> Engine:
    return Engine(store, rules, Alerts(store, clock), clock, **kw)


def heartbeat(service: str, start: datetime, end: datetime, every=timedelta(minutes=5)) -> list:
    out, t = [], start
    while t < end:
        out.append(ev(t, service__name=service))
        t += every
    return out


def day_with_outages(service: str, outages: list[tuple[datetime, datetime]]) -> list:
    """A heartbeat every five minutes from 22:00 the day before to 20:00, except in outages."""
    beats = heartbeat(service, DAY - timedelta(hours=2), DAY + timedelta(hours=20))
    return [e for e in beats if not any(lo <= e.timestamp < hi for lo, hi in outages)]


@pytest.mark.parametrize(
    "outage_start",
    # inside a 6-hour window, across its end, begun before the replay starts
    [timedelta(hours=1, minutes=20), timedelta(hours=5, minutes=10), -timedelta(minutes=10)],
    ids=["inside", "across-windows", "at-start"],
)
def test_a_replay_finds_a_silence_between_window_ends(
    store, clock, rules_from, outage_start: timedelta
) -> None:
    rules = rules_from(SILENT)
    rule = rules.rules["silent"]
    lo = DAY + outage_start
    hi = lo + timedelta(hours=2, minutes=10)
    near = (DAY + timedelta(hours=14), DAY + timedelta(hours=15, minutes=50))  # 1 h 50 min
    events = day_with_outages("api", [(lo, hi), near]) + heartbeat(
        "portal", DAY, DAY + timedelta(hours=20)
    )
    store.write_events(events)
    clock.set(DAY + timedelta(hours=20))
    six_hours = timedelta(hours=6)
    found, [run] = engine(
        store, rules, clock, max_window=six_hours, replay_window=six_hours
    ).backfill(DAY, DAY + timedelta(hours=20), [rule])
    assert run.windows == 4
    assert run.error is None
    silences = {alert_id(d.rule.id, d.group, d.key): d for d in found}
    [d] = silences.values()
    last_before = lo - timedelta(minutes=5)
    assert d.group == {"service.name": "api"}
    assert (d.start, d.end) == (last_before, hi)
    assert d.key == format_timestamp(last_before)
    assert d.extra["silent_until"] == format_timestamp(hi)
    assert len(store.find_records("alert")) == 1


def test_replay_and_live_running_raise_the_same_alert_for_the_same_silence(
    store, clock, rules_from
) -> None:
    rules = rules_from(SILENT)
    rule = rules.rules["silent"]
    lo, hi = DAY + timedelta(hours=7, minutes=20), DAY + timedelta(hours=9, minutes=40)
    store.write_events(day_with_outages("api", [(lo, hi)]))
    clock.set(DAY + timedelta(hours=12))
    replayed, _ = engine(store, rules, clock).backfill(DAY, clock.now(), [rule], store_alerts=False)
    [replay] = {alert_id(d.rule.id, d.group, d.key) for d in replayed}

    live = engine(store, rules, clock, initial_lookback=timedelta(hours=1))
    clock.set(DAY + timedelta(hours=7))
    raised, cleared = [], 0
    while clock.now() < DAY + timedelta(hours=11):
        run = live.run(rule)
        assert run.error is None
        raised += run.new_alerts
        cleared += run.cleared
        clock.advance(minutes=5)
    assert raised == [replay]
    assert cleared == 1
    alert = store.get_record("alert", replay).data
    assert alert["status"] == "closed" and alert["close_reason"] == "events resumed"


def test_a_silence_still_going_on_keeps_its_alert_open_across_runs(
    store, clock, rules_from
) -> None:
    rules = rules_from(SILENT)
    rule = rules.rules["silent"]
    store.write_events(heartbeat("api", DAY, DAY + timedelta(hours=3)))
    live = engine(store, rules, clock, initial_lookback=timedelta(hours=1))
    clock.set(DAY + timedelta(hours=5, minutes=5))
    first = live.run(rule)
    assert len(first.new_alerts) == 1
    for _ in range(3):
        clock.advance(minutes=30)
        again = live.run(rule)
        assert again.new_alerts == [] and again.cleared == 0
    assert store.get_record("alert", first.new_alerts[0]).data["open"] is True
