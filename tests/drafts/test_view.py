"""The facts as a draft shows them: descriptions in the reader's language, or asked for."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sentinel.drafts.view import FactView
from sentinel.incidents.facts import parse_facts

AMS = ZoneInfo("Europe/Amsterdam")
FACTS = parse_facts(
    {
        "summary": "Een laptop met ledenexports is gestolen.",
        "summary@en": "A laptop with member exports was stolen.",
        "cause": {"description": "uit de auto van een medewerker"},
        "measures": {"taken": ["op afstand gewist", "aangifte gedaan"]},
        "dpo": {"name": "Fenna de Vries"},
    }
)


def test_a_draft_in_the_language_the_facts_are_written_in_shows_them_as_they_are() -> None:
    view = FactView(FACTS, "nl", AMS, "nl")
    assert view.show("summary") == "Een laptop met ledenexports is gestolen."
    assert view.items("measures.taken") == ["op afstand gewist", "aangifte gedaan"]
    assert view.open_questions == []


def test_the_other_language_uses_the_translation_or_asks_for_it() -> None:
    view = FactView(FACTS, "en", AMS, "nl")
    assert view.show("summary") == "A laptop with member exports was stolen."
    assert view.show("cause.description") == (
        "[TO COMPLETE: how it happened (in English) — not yet known] uit de auto van een medewerker"
    )
    assert view.items("measures.taken") == [
        "[TO COMPLETE: measures taken (in English) — not yet known]",
        "op afstand gewist",
        "aangifte gedaan",
    ]
    assert view.show("dpo.name") == "Fenna de Vries"  # a name is not translated
    assert [(q.key, q.label) for q in view.open_questions] == [
        ("cause.description@en", "how it happened (in English)"),
        ("measures.taken@en", "measures taken (in English)"),
    ]


def test_without_a_text_language_descriptions_serve_both_languages() -> None:
    view = FactView(FACTS, "en", AMS)
    assert view.show("cause.description") == "uit de auto van een medewerker"
    assert view.show("summary") == "A laptop with member exports was stolen."
    assert view.open_questions == []
