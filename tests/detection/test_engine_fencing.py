"""A rule's saved place moves only for the worker holding the rule's lease."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.alerts import Alerts
from sentinel.detection.engine import STATE, Engine
from sentinel.store.base import Store
from sentinel.store.fencing import Fence, FencedOff
from tests.conftest import ManualClock
from tests.detection.conftest import ev

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

VIEW = """
title: Member record viewed at night
name: night_view
logsource: {product: sentinel}
detection:
  s:
    event.action: member.view
  condition: s
level: high
sentinel:
  group-by: [user.name]
  window: 1h
  delay: 0s
"""


def test_a_rule_run_after_its_lease_passed_on_is_refused_and_keeps_its_place(
    store: Store, clock: ManualClock, rules_from
) -> None:
    rules = rules_from(VIEW)
    rule = rules.rules["night_view"]
    engine = Engine(store, rules, Alerts(store, clock), clock, initial_lookback=timedelta(hours=1))
    store.write_events(
        [ev(T0 + timedelta(minutes=5), user__name="s.visser", event__action="member.view")]
    )
    clock.set(T0 + timedelta(minutes=30))
    paused, successor = Fence("rule night_view", 1), Fence("rule night_view", 2)
    assert len(engine.run(rule, paused).new_alerts) == 1

    clock.advance(minutes=10)
    assert engine.run(rule, successor).windows == 1
    clock.advance(minutes=10)
    with pytest.raises(FencedOff):
        engine.run(rule, paused)  # the paused worker wakes up and runs the rule again

    state = store.get_record(STATE, rule.id)
    assert state is not None and state.data["last_end"] == "2026-03-10T09:40:00.000Z"
    assert len(store.find_records("alert")) == 1
