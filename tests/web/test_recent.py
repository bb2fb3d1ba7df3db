"""Figures kept for a few seconds: made once within the time, again after it or a change."""

from __future__ import annotations

from sentinel.web.pages.recent import Recent


def test_kept_for_its_time_then_made_again_and_dropped_on_a_change() -> None:
    clock = [100.0]
    made = []
    kept = Recent(ttl=15, now=lambda: clock[0])

    def make() -> int:
        made.append(clock[0])
        return len(made)

    assert kept.get("per_rule", make) == 1
    clock[0] += 14
    assert kept.get("per_rule", make) == 1
    clock[0] += 2
    assert kept.get("per_rule", make) == 2
    kept.clear()
    assert kept.get("per_rule", make) == 3
    assert kept.get("per_day", make) == 4
