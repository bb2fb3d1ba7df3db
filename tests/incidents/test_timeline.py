"""Dates that contradict each other are named, in local time, before the AP reads them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sentinel.incidents.facts import parse_facts
from sentinel.incidents.timeline import contradictions

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)


def test_a_consistent_or_unknown_timeline_has_no_contradictions() -> None:
    consistent = parse_facts(
        {
            "dates": {
                "started": "2026-03-28T20:00:00Z",
                "ended": "2026-03-29T02:00:00Z",
                "ongoing": False,
                "discovered": "2026-03-29T08:00:00Z",
                "aware": "2026-03-29T10:00:00Z",
            }
        }
    )
    assert contradictions(consistent, NOW, AMS) == []
    assert contradictions(parse_facts({}), NOW, AMS) == []


def test_each_contradiction_names_both_facts_with_their_local_times() -> None:
    facts = parse_facts(
        {
            "dates": {
                "started": "2026-03-29T03:00:00Z",  # after the clocks went forward: CEST
                "ended": "2026-03-28T22:00:00Z",
                "ongoing": True,
                "discovered": "2026-03-29T16:35:00Z",
                "aware": "2026-03-29T09:15:00Z",
            }
        }
    )
    found = contradictions(facts, NOW, AMS)
    assert [c.facts for c in found] == [
        ("dates.started", "dates.ended"),
        ("dates.discovered", "dates.aware"),
        ("dates.ongoing", "dates.ended"),
    ]
    assert found[0].en == (
        "when the breach started (2026-03-29 05:00 CEST) is after "
        "when the breach ended (2026-03-28 23:00 CET)"
    )
    assert found[1].nl == (
        "wanneer het is ontdekt (2026-03-29 18:35 CEST) ligt na "
        "wanneer de organisatie zich bewust werd van het datalek (2026-03-29 11:15 CEST)"
    )


def test_dates_in_the_future_are_named() -> None:
    facts = parse_facts({"dates": {"ended": "2026-04-02T10:00:00Z"}})
    (found,) = contradictions(facts, NOW, AMS)
    assert found.facts == ("dates.ended",)
    assert found.text("en") == "when the breach ended (2026-04-02 12:00 CEST) is in the future"
    assert found.text("nl").endswith("ligt in de toekomst")
