"""The facts schema: unknown is not empty, JSON in and out, clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sentinel.incidents.facts import (
    FACTS,
    UNKNOWN,
    Facts,
    FactsError,
    Range,
    changes_from,
    diff,
    label,
    parse_facts,
    parse_value,
    template,
)

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_a_new_incident_knows_nothing() -> None:
    facts = Facts()
    assert facts.unknowns() == list(FACTS)
    assert facts.to_dict() == {}


def test_unknown_differs_from_empty() -> None:
    facts = parse_facts({"measures": {"taken": []}, "summary": ""})
    assert facts.value("measures.taken") == []
    assert facts.value("measures.planned") is UNKNOWN
    assert facts.value("summary") == ""
    assert facts.to_dict() == {"measures": {"taken": []}, "summary": ""}
    assert "measures.taken" not in facts.unknowns()


def test_explicit_unknown_marker() -> None:
    facts = parse_facts({"encryption": {"key_safe": {"status": "unknown", "note": "ask IT"}}})
    assert facts.value("encryption.key_safe") is UNKNOWN


def test_unknown_has_no_truth_value() -> None:
    with pytest.raises(TypeError):
        bool(UNKNOWN)


def test_round_trip_through_json() -> None:
    data = {
        "summary": "A member's invoice was emailed to another member.",
        "dates": {"started": "2026-03-09T08:15:00.000Z", "ongoing": False},
        "data": {"categories": ["contact", "financial"]},
        "subjects": {"people": {"min": 1, "max": 1}, "countries": ["NL"]},
        "disclosure": {"recipients": "known", "contained": "asked_to_delete"},
    }
    facts = parse_facts(data)
    assert facts.to_dict() == data
    assert parse_facts(facts.to_dict()) == facts


def test_counts_accept_a_number_or_a_range() -> None:
    facts = parse_facts({"subjects": {"people": "100-250", "records": 7}})
    assert facts.value("subjects.people") == Range(min=100, max=250)
    assert str(facts.value("subjects.records")) == "7"
    with pytest.raises(FactsError, match=r"subjects.people: .*min 9 is above max 3"):
        parse_facts({"subjects": {"people": {"min": 9, "max": 3}}})


def test_wrong_facts_are_named_each_with_its_reason() -> None:
    with pytest.raises(FactsError) as err:
        parse_facts(
            {
                "cause": {"kind": "aliens"},
                "dates": {"started": "2026-03-10T10:00"},
                "subjects": {"colour": "blue"},
            }
        )
    text = str(err.value)
    assert "cause.kind: Input should be 'hacking'" in text
    assert "dates.started: Value error, give the time with its offset" in text
    assert "subjects.colour: Extra inputs are not permitted" in text
    assert "Unknown" not in text


def test_changes_and_diff() -> None:
    before = parse_facts({"subjects": {"people": 10}})
    after = before.with_changes({"subjects.people": UNKNOWN, "breach.confidentiality": True})
    assert after.value("subjects.people") is UNKNOWN
    assert after.value("breach.confidentiality") is True
    assert diff(before, after) == ["breach.confidentiality", "subjects.people"]
    with pytest.raises(FactsError, match=r"unknown fact 'people'; did you mean subjects\.people"):
        before.with_changes({"people": 3})


def test_every_fact_has_dutch_and_english_labels() -> None:
    for name in FACTS:
        assert label(name, "en") and label(name, "nl"), name
    assert label("subjects.people", "nl") == "aantal betrokkenen"


def test_template_lists_every_fact_as_unknown() -> None:
    filled = template()
    assert filled["subjects"]["people"] == {"status": "unknown"}
    assert parse_facts(filled) == Facts()


def test_command_line_values() -> None:
    assert parse_value("breach.confidentiality", "yes", AMS, NOW) is True
    assert parse_value("breach.integrity", "nee", AMS, NOW) is False
    assert parse_value("data.categories", "contact, financial", AMS, NOW) == [
        "contact",
        "financial",
    ]
    started = parse_value("dates.started", "2026-03-10T09:30", AMS, NOW)
    assert started == datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    assert parse_value("subjects.people", "unknown", AMS, NOW) is UNKNOWN
    with pytest.raises(FactsError, match="not yes or no"):
        parse_value("breach.integrity", "maybe", AMS, NOW)


def test_a_partial_file_changes_only_what_it_names() -> None:
    before = parse_facts({"summary": "laptop lost", "subjects": {"people": 10}})
    changes = changes_from({"subjects": {"people": {"status": "unknown"}, "records": 12}})
    after = before.with_changes(changes)
    assert after.value("summary") == "laptop lost"
    assert after.value("subjects.people") is UNKNOWN
    assert after.value("subjects.records") == Range(min=12, max=12)
    with pytest.raises(FactsError, match=r"unknown fact 'subjects\.colour'"):
        changes_from({"subjects": {"colour": "blue"}})


def test_descriptions_carry_translations_next_to_them() -> None:
    facts = parse_facts(
        {
            "summary": "Een laptop met ledenexports is gestolen.",
            "summary@en": "A laptop with member exports was stolen.",
            "cause": {"description": "uit de auto", "description@en": "from the car"},
            "measures": {"taken": ["op afstand gewist"], "taken@en": ["wiped remotely"]},
        }
    )
    assert facts.value("summary@en") == "A laptop with member exports was stolen."
    assert facts.value("cause.description@en") == "from the car"
    assert facts.value("measures.taken@en") == ["wiped remotely"]
    assert facts.value("cause.description@nl") is UNKNOWN
    # Stored as they were given, and read back the same.
    stored = facts.to_dict()
    assert stored["cause"] == {"description": "uit de auto", "description@en": "from the car"}
    assert parse_facts(stored) == facts
    assert facts.unknowns() == [n for n in FACTS if facts.value(n) is UNKNOWN]

    changed = facts.with_changes(
        changes_from({"cause": {"description@en": {"status": "unknown"}}})
        | {"summary@en": parse_value("summary@en", " Laptop stolen. ", AMS, NOW)}
    )
    assert changed.value("cause.description@en") is UNKNOWN
    assert changed.value("summary@en") == "Laptop stolen."
    assert diff(facts, changed) == ["cause.description@en", "summary@en"]
    assert label("summary@en", "nl") == "wat er is gebeurd (in het Engels)"
    assert label("measures.taken@nl", "en") == "measures taken (in Dutch)"


def test_only_descriptions_are_translated_and_only_into_dutch_or_english() -> None:
    with pytest.raises(FactsError, match=r"'dpo\.name@en': dpo\.name is the same in every"):
        Facts().with_changes({"dpo.name@en": "Fenna"})
    with pytest.raises(
        FactsError, match=r"'summary@de': a translation is summary@nl or summary@en"
    ):
        parse_value("summary@de", "Hallo", AMS, NOW)
    with pytest.raises(FactsError, match=r"unknown fact 'summery'"):
        changes_from({"summery@en": "x"})
    with pytest.raises(FactsError, match="a translation of a list is a list"):
        parse_facts({"measures": {"taken@en": "wiped"}})
