"""What one pass of each rule type asks of the store, on a fixed data set and on ten times it.

The request count is the query plan's: it depends on the rule and the pass, not
on how many groups or events there are, so the same pass over ten times the
accounts, addresses and events sends the same number of requests.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.detection.evaluate import Span, evaluate
from sentinel.events import Event, event_id
from sentinel.store.budget import metered
from sentinel.store.elasticsearch import ElasticsearchStore

END = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
PASS = Span(END - timedelta(hours=6), END)

RULES = """
title: Failed login
name: failed
logsource: {product: sentinel}
detection:
  s: {event.action: login, event.outcome: failure}
  condition: s
level: low
---
title: Successful login
name: succeeded
logsource: {product: sentinel}
detection:
  s: {event.action: login, event.outcome: success}
  condition: s
level: low
---
title: Burst of failures for one account
name: burst
correlation:
  type: event_count
  rules: [failed]
  group-by: [user.name]
  timespan: 10m
  condition: {gte: 5}
level: high
---
title: Many account names from one address
name: spray
correlation:
  type: value_count
  rules: [failed]
  group-by: [source.ip]
  timespan: 10m
  condition: {gt: 3, field: user.name}
level: high
---
title: Success after a burst
name: burst_then_success
correlation:
  type: temporal_ordered
  rules: [burst, succeeded]
  group-by: [user.name]
  timespan: 30m
level: critical
---
title: Admin role granted
name: granted
logsource: {product: sentinel}
detection:
  s: {event.action: role.change}
  condition: s
level: low
---
title: Account deleted
name: deleted
logsource: {product: sentinel}
detection:
  s: {event.action: account.delete}
  condition: s
level: low
---
title: A role granted, then a burst of failures
name: granted_then_burst
correlation:
  type: temporal_ordered
  rules: [granted, burst]
  group-by: [user.name]
  timespan: 6h
level: critical
---
title: An account deleted, then a burst of failures
name: deleted_then_burst
correlation:
  type: temporal_ordered
  rules: [deleted, burst]
  group-by: [user.name]
  timespan: 6h
level: critical
---
title: Login from a new country
name: new_country
logsource: {product: sentinel}
detection:
  s: {event.action: login, event.outcome: success}
  condition: s
level: medium
sentinel:
  new-terms:
    fields: [source.geo.country_iso_code]
    group-by: [user.name]
    history: 3d
---
title: A service gone silent
name: silent
logsource: {product: sentinel}
detection:
  s: {service.name|exists: true}
  condition: s
level: medium
sentinel:
  flatline: {group-by: [service.name], span: 30m, history: 1d}
---
title: The API gone silent
name: api_silent
logsource: {product: sentinel}
detection:
  s: {service.name: api}
  condition: s
level: medium
sentinel:
  flatline: {group-by: [service.name], span: 30m, history: 1d, expected: [api]}
---
title: Exports
name: exports
logsource: {product: sentinel}
detection:
  s: {event.action: member.export}
  condition: s
level: medium
sentinel:
  group-by: [user.name]
  window: 1h
---
title: Export spike
name: export_spike
logsource: {product: sentinel}
detection:
  s: {event.action: member.export}
  condition: s
level: medium
sentinel:
  baseline: {group-by: [user.name], window: 1h, history: 2d, ratio: 3, min_count: 3}
"""

# requests per pass: the plan of each store
PLAN = {
    "sqlite": {
        "burst": 3,  # the two grids of windows, the burst's event times
        "spray": 3,  # the address's four names are read, and never four fall within ten minutes
        "burst_then_success": 4,  # the successes' slices (1), the burst (3)
        "granted_then_burst": 3,  # the grants (1), the burst's windows; its victim had none
        "deleted_then_burst": 1,  # no account was deleted: the burst is not asked for
        "new_country": 2,  # new combinations (1 statement), the rule's first event
        "silent": 2,  # last events before the pass, then the pass in buckets
        "api_silent": 2,  # one probe for the expected group, then the pass in buckets
        "exports": 1,
        "export_spike": 2,
    },
    "elasticsearch": {
        "burst": 2,  # groups with both grids of windows, the burst's event times
        "spray": 2,
        "burst_then_success": 3,
        "granted_then_burst": 2,
        "deleted_then_burst": 1,
        "new_country": 3,  # the pass's combinations, their history, the rule's first event
        "silent": 2,  # the pass in buckets per service, then every service's last event before
        "api_silent": 1,  # the pass in buckets, with the last event just before it
        "exports": 1,
        "export_spike": 2,
    },
}


def data(scale: int) -> list[Event]:
    """``scale`` times the accounts, addresses and events: quiet traffic plus one of each
    thing the rules look for."""
    rng = random.Random(scale)
    out: list[Event] = []

    def add(at: datetime, **fields: Any) -> None:
        out.append(Event(event_id("budget", str(len(out))), at, "app", fields))

    start = END - timedelta(days=4)
    for n in range(20 * scale):  # every account logs in once early on, from where it always does
        add(
            END - timedelta(days=3) + timedelta(minutes=n % 60),
            **{
                "event.action": "login",
                "event.outcome": "success",
                "user.name": f"user{n}",
                "source.geo.country_iso_code": "NL",
            },
        )
    for n in range(40 * scale):
        user = f"user{n % (20 * scale)}"
        at = start + timedelta(seconds=rng.randrange(int((END - start).total_seconds())))
        add(
            at,
            **{
                "event.action": "login",
                "event.outcome": "failure" if n % 7 == 0 else "success",
                "user.name": user,
                "source.ip": f"10.0.{n % 50}.{n % 200}",
                "source.geo.country_iso_code": "NL",
                "service.name": "portal",
            },
        )
    for minute in range(0, 4 * 24 * 60, 10):
        add(start + timedelta(minutes=minute), **{"service.name": "api", "event.action": "token"})
    burst = END - timedelta(hours=2)
    for i in range(6):
        add(
            burst + timedelta(seconds=30 * i),
            **{
                "event.action": "login",
                "event.outcome": "failure",
                "user.name": "victim",
                "source.ip": "45.1.1.1",
            },
        )
    add(
        burst + timedelta(minutes=5),
        **{
            "event.action": "login",
            "event.outcome": "success",
            "user.name": "victim",
            "source.geo.country_iso_code": "RU",
        },
    )
    # four names from one address within 12 minutes, never more than three within ten
    for i, name in enumerate(["a", "b", "c", "d"]):
        add(
            END - timedelta(hours=3) + timedelta(minutes=3 + 4 * i),
            **{
                "event.action": "login",
                "event.outcome": "failure",
                "user.name": name,
                "source.ip": "45.2.2.2",
            },
        )
    for i in range(4):
        add(
            END - timedelta(hours=1) + timedelta(minutes=i),
            **{"event.action": "member.export", "user.name": "x"},
        )
    add(burst - timedelta(hours=1), **{"event.action": "role.change", "user.name": "user3"})
    return out


@pytest.mark.parametrize("scale", [1, 10])
def test_one_pass_of_each_rule_type_sends_a_fixed_number_of_requests(
    store, rules_from, scale: int
) -> None:
    rules = rules_from(RULES)
    store.write_events(data(scale))
    kind = "elasticsearch" if isinstance(store, ElasticsearchStore) else "sqlite"
    asked = {}
    found = {}
    for name in PLAN[kind]:
        with metered() as spent:
            found[name] = evaluate(rules.rules[name], rules, store, PASS)
        asked[name] = spent.requests
    assert asked == PLAN[kind]
    # the passes found what the data holds, so the plans were not asking for nothing
    assert [d.group for d in found["burst"]] == [{"user.name": "victim"}]
    assert [d.group for d in found["spray"]] == []
    assert [d.group for d in found["burst_then_success"]] == [{"user.name": "victim"}]
    assert found["granted_then_burst"] == found["deleted_then_burst"] == []
    assert [d.group for d in found["new_country"]] == [
        {"user.name": "victim", "source.geo.country_iso_code": "RU"}
    ]
    assert [d.group for d in found["exports"]] == [{"user.name": "x"}]
