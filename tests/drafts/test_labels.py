"""Every fact a draft can show has words in both languages; dates read right across DST."""

from __future__ import annotations

from datetime import UTC, datetime

from sentinel.drafts.labels import CHOICES, PLAIN_CATEGORIES, when
from sentinel.incidents.deadline import AMSTERDAM, deadline
from sentinel.incidents.facts import CATEGORIES, FACTS


def test_every_choice_of_every_fact_has_dutch_and_english_words() -> None:
    for spec in FACTS.values():
        if spec.kind in ("choice", "choices"):
            words = CHOICES.get(spec.name, {})
            missing = [c for c in spec.choices if c not in words]
            assert not missing, f"{spec.name}: no words for {missing}"
            assert all(nl and en for nl, en in words.values())
    assert set(PLAIN_CATEGORIES) == set(CATEGORIES)


def test_dates_are_written_out_in_local_time_with_the_zone_of_that_moment() -> None:
    aware = datetime(2026, 10, 23, 14, 30, tzinfo=UTC)  # Friday 16:30 CEST
    due = deadline(aware)  # the clocks go back on Sunday 25 October
    assert when(aware, AMSTERDAM, "nl") == "vrijdag 23 oktober 2026 16:30 CEST"
    assert when(due, AMSTERDAM, "nl") == "maandag 26 oktober 2026 15:30 CET"
    assert when(due, AMSTERDAM, "en") == "Monday 26 October 2026 15:30 CET"
    assert when(due, AMSTERDAM, "en", clock=False) == "Monday 26 October 2026"
