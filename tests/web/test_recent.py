"""Figures kept for a few seconds: made once within the time, again after it."""

from __future__ import annotations

from sentinel.web.pages.recent import Recent


def test_kept_for_its_time_then_made_again() -> None:
    clock = [100.0]
    made = []
    kept = Recent(ttl=15, now=lambda: clock[0])

    def make() -> int:
        made.append(clock[0])
        return len(made)

    assert kept.get("sources", make) == 1
    clock[0] += 14
    assert kept.get("sources", make) == 1
    clock[0] += 2
    assert kept.get("sources", make) == 2
    assert kept.get("members", make) == 3
