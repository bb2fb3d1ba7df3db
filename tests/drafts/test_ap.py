"""The AP notification draft, read the way a privacy officer checks it before notifying."""

from __future__ import annotations

import re

import pytest

from sentinel.drafts import ap_form
from sentinel.drafts.ap import Organisation
from sentinel.drafts.ap_form import FORM, SOURCES, questions
from sentinel.drafts.errors import DraftError
from sentinel.drafts.service import DraftService
from sentinel.incidents.decisions import decide
from sentinel.incidents.facts import FACTS, UNKNOWN, label
from sentinel.incidents.notifications import record_notification
from sentinel.incidents.service import Incidents
from tests.conftest import ManualClock
from tests.drafts.conftest import full_facts


def test_the_72_hour_deadline_is_shown_in_amsterdam_time_across_the_dst_change(
    drafts: DraftService, blank_incident: str
) -> None:
    nl = drafts.ap(blank_incident, by="dpo", lang="nl").draft.content
    en = drafts.ap(blank_incident, by="dpo", lang="en").draft.content
    # Aware Saturday 10:00 winter time; the clocks go forward on Sunday, so 72 real hours
    # later it is 11:00 summer time on Tuesday.
    assert "Kennisname van het datalek: zaterdag 28 maart 2026 10:00 CET" in nl
    assert "dinsdag 31 maart 2026 11:00 CEST" in nl
    assert "(72 uur na kennisname, art. 33 lid 1 AVG): dinsdag 31 maart 2026 11:00 CEST" in nl
    assert (
        "Deadline (72 hours after awareness, Art. 33(1) GDPR): Tuesday 31 March 2026 11:00 CEST"
        in en
    )


def test_unknown_facts_are_flagged_and_listed_on_top_never_blank(
    drafts: DraftService, incidents: Incidents, blank_incident: str
) -> None:
    incidents.update_facts(blank_incident, {"subjects.people": "10-40"}, by="frank")
    draft = drafts.ap(blank_incident, by="dpo", lang="nl").draft
    text = draft.content
    assert "[AANVULLEN: aantal betrokken gegevensrecords — nog onbekend]" in text
    assert "10 tot 40" in text
    on_top = text[: text.index("## 1.")]
    assert "## Nog aan te vullen" in on_top
    assert "- aantal betrokken gegevensrecords (`subjects.records`)" in on_top
    assert "aantal betrokkenen (`subjects.people`)" not in on_top
    assert {q.key for q in draft.open_questions} >= {"subjects.records", "summary", "dpo.name"}
    assert "subjects.people" not in {q.key for q in draft.open_questions}
    # Art. 33(4): an incomplete notification says it is made in phases.
    assert "in fasen gedaan (art. 33 lid 4 AVG)" in on_top
    # Every question has an answer: text or a marker, never nothing.
    for block in re.split(r"\n\*\*[\dS][\d.x]* ", text)[1:]:
        answer = block.split("\n\n", 2)[1].strip()
        assert answer and "None" not in answer, block

    en = drafts.ap(blank_incident, by="dpo", lang="en").draft.content
    assert "[TO COMPLETE: approximate number of records — not yet known]" in en
    assert "## Still to complete" in en


def test_every_question_of_the_form_appears_in_the_forms_order(
    drafts: DraftService, blank_incident: str
) -> None:
    for lang in ("nl", "en"):
        text = drafts.ap(blank_incident, by="dpo", lang=lang).draft.content
        positions = []
        for section in FORM:
            title = section.nl if lang == "nl" else section.en
            positions.append(text.index(f"## {section.number}. {title}"))
            for q in section.questions:
                positions.append(text.index(f"**{q.id} {q.nl if lang == 'nl' else q.en}**"))
                if q.options:
                    # The form's choices follow their question, in the form's words.
                    shown = [o.nl if lang == "nl" else f"{o.nl} ({o.en})" for o in q.options]
                    positions.append(text.index(" · ".join(shown), positions[-1]))
        assert positions == sorted(positions)
    # Art. 33(3)(a)-(d) are all asked for.
    cited = {q.gdpr for q in questions()}
    assert {"33(3)(a)", "33(3)(b)", "33(3)(c)", "33(3)(d)"} <= cited
    # Every fact the form asks for exists in the facts schema.
    assert all(name in FACTS for q in questions() for name in q.facts)


def test_every_question_names_where_its_wording_comes_from_and_suggests_real_options() -> None:
    ids = [q.id for q in questions()]
    assert len(ids) == len(set(ids))
    for q in questions():
        if q.id.startswith("S"):  # Sentinel's own additions rest on no source
            assert (q.wording, q.cited, q.confirmed) == ("sentinel", (), False), q.id
            continue
        assert q.cited and set(q.cited) <= set(SOURCES), q.id
        assert q.wording in q.cited, q.id
        for name, mapping in q.suggest.items():
            assert name in FACTS, (q.id, name)
            choices = set(FACTS[name].choices) or {"True", "False"}
            assert set(mapping) <= choices, (q.id, name, set(mapping) - choices)
            for index in mapping.values():
                for i in index if isinstance(index, tuple) else (index,):
                    assert 0 <= i < len(q.options), (q.id, name, i)
    # The record count is the one question whose wording the AP itself confirms.
    assert "ap_records" in next(q for q in questions() if q.id == "6.3.1").cited


def test_the_facts_suggest_which_of_the_forms_choices_to_tick(
    drafts: DraftService, incidents: Incidents, insider_incident: str
) -> None:
    incidents.update_facts(insider_incident, full_facts(), by="frank")
    nl = drafts.ap(insider_incident, by="dpo", lang="nl").draft.content

    def block(text: str, qid: str) -> str:
        start = text.index(f"**{qid} ")
        return text[start : text.index("\n**", start + 1)]

    tick = "- aankruisen (voorstel): "
    assert tick + "Persoonsgegevens (mogelijk) ingezien door onbevoegden\n" in block(nl, "5.1")
    assert tick + "Overig\n" in block(nl, "5.2")  # insider misuse has no choice of its own
    assert tick + "geen keuze af te leiden uit de feiten\n" in block(nl, "6.2")
    assert tick + "Klanten (huidig en potentieel)\n" in block(nl, "7.1")
    assert tick + "Nee\n" in block(nl, "8.1")
    assert tick + "Identiteitsdiefstal of -fraude · Anders\n" in block(nl, "9.2")
    assert tick + "Aanzienlijk\n" in block(nl, "9.3")
    assert "Ik wil één inbreuk melden (reguliere melding)\n" in block(nl, "1.1")
    # What the form asks that Sentinel does not record is listed on top, not left blank.
    on_top = nl[: nl.index("## 1.")]
    assert "## Alleen op het formulier in te vullen (2)" in on_top
    assert "- 3.1.1 KvK-nummer" in on_top and "- 3.1.1 registratienummer van de FG" in on_top
    assert "- KvK-nummer: vul in op het formulier (Sentinel legt dit niet vast)" in block(
        nl, "3.1.1"
    )
    en = drafts.ap(insider_incident, by="dpo", lang="en").draft.content
    assert "- to tick (suggested): Aanzienlijk (significant)\n" in block(en, "9.3")
    assert "## To fill in on the form only (2)" in en
    # The English draft names each question as the Dutch form words it, to find it there.
    assert "**6.1 Personal data in general** _(Art. 33(3)(a) GDPR)_\n" in en
    assert "\n_On the form: Persoonsgegevens in het algemeen_\n" in en


def test_a_complete_incident_gives_the_numbers_categories_and_contacts(
    drafts: DraftService, incidents: Incidents, insider_incident: str
) -> None:
    incidents.update_facts(insider_incident, full_facts(), by="frank")
    nl = drafts.ap(insider_incident, by="dpo", lang="nl").draft
    text = nl.content
    assert nl.open_questions == []
    assert "## Nog aan te vullen (0)" in text
    assert "AANVULLEN" not in text
    assert "\n380 tot 420\n" in text  # 5.1 people, min-max
    assert "\n1.200 tot 1.500\n" in text  # 4.3 records
    assert (
        "- soorten persoonsgegevens: contactgegevens (naam, adres, woonplaats, telefoonnummer, "
        "e-mailadres), voertuiggegevens (zoals kenteken en chassisnummer) en financiële gegevens"
    ) in text
    assert "\ngeen\n" in text  # 4.2 no special categories: an answer, not a blank
    assert "- naam van de functionaris gegevensbescherming: Fenna de Vries" in text
    assert "- e-mailadres van de FG: fg@wegenwacht-leden.example" in text
    assert "- de oorzaak: misbruik van bevoegdheden door een insider" in text
    assert "\ndonderdag 26 maart 2026 19:00 CET\n" in text  # 4.1.1, the start
    assert (
        "- getroffen maatregelen: partner account suspended en export deleted at the partner"
        in (text)
    )
    assert "- andere betrokken EU-landen: BE" in text
    assert "- naam: Wegenwacht Leden B.V." in text
    # Ruled out by other facts, so not asked: the processor's name, the end of an ongoing breach.
    assert "de verwerker:" not in text
    assert "in fasen gedaan" not in text
    en = drafts.ap(insider_incident, by="dpo", lang="en").draft.content
    assert "\n380 to 420\n" in en and "\n1,200 to 1,500\n" in en
    assert "misuse of access rights by an insider" in en


def test_the_plain_text_draft_has_no_markup_and_ticks_the_suggested_choices(
    drafts: DraftService, incidents: Incidents, insider_incident: str
) -> None:
    incidents.update_facts(insider_incident, full_facts(), by="frank")
    made = drafts.ap(insider_incident, by="dpo", lang="nl", fmt="txt").draft
    text = made.content
    assert (made.format, made.series) == ("txt", "ap_initial.nl.txt")
    assert text.startswith("CONCEPT-MELDING DATALEK AAN DE AUTORITEIT PERSOONSGEGEVENS\n")
    for markup in ("**", "`", "_(", "](", "<"):
        assert markup not in text, markup
    for line in text.splitlines():
        assert not line.startswith(("#", "- ", "* ", "_", ">")), line
    # Every question under its number, in the form's order, its answer on lines of its own.
    positions = [text.index(f"\n{q.id} {q.nl}") for q in questions()]
    assert positions == sorted(positions)
    assert (
        "\n3.1.1 Naam van het bedrijf of de organisatie; adres, postcode en plaats\nnaam: " in text
    )
    assert "\n6.3.1 Geef (eventueel bij benadering)" in text and "\n1.200 tot 1.500\n" in text
    assert (
        "Keuzes op het formulier ([x] = voorstel):\n"
        "  [x] Persoonsgegevens (mogelijk) ingezien door onbevoegden\n"
        "  [ ] Persoonsgegevens ongeoorloofd of onopzettelijk gewijzigd\n"
    ) in text
    assert "([x] = voorstel; geen keuze af te leiden uit de feiten):\n" in text  # 6.2
    assert "\n  [x] Aanzienlijk\n" in text and "\n  [ ] Zeer groot\n" in text
    assert "ALLEEN OP HET FORMULIER IN TE VULLEN (2)\n" in text

    en = drafts.ap(insider_incident, by="dpo", lang="en", fmt="txt").draft.content
    assert "\nOn the form: Persoonsgegevens in het algemeen\n" in en
    assert "\n  [x] Nee (no)\n" in en

    record_notification(incidents, insider_incident, kind="initial", by="dpo", reference="AP-9")
    incidents.update_facts(insider_incident, {"subjects.people": 57}, by="frank")
    follow_up = drafts.ap(insider_incident, by="dpo", kind="follow_up", fmt="txt").draft.content
    assert "\nS1 Meldnummer van de eerdere melding" in follow_up and "\nAP-9\n" in follow_up
    assert "\n57 (gewijzigd)\n" in follow_up and "**" not in follow_up
    withdrawal = drafts.ap(
        insider_incident, by="dpo", kind="withdrawal", fmt="txt", reason="no data left the portal"
    ).draft.content
    assert "\nReden van de intrekking\nno data left the portal\n" in withdrawal
    assert "**" not in withdrawal and "\n- " not in withdrawal


def test_values_from_logs_are_escaped_in_html(
    drafts: DraftService, incidents: Incidents, blank_incident: str
) -> None:
    incidents.update_facts(
        blank_incident, {"summary": 'Export named <script>alert("x")</script> & more'}, by="f"
    )
    html = drafts.ap(blank_incident, by="dpo", lang="en", fmt="html").draft.content
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in html
    assert html.startswith("<!DOCTYPE html>")
    md = drafts.ap(blank_incident, by="dpo", lang="en").draft.content
    assert '<script>alert("x")</script> & more' in md  # Markdown keeps the text as recorded


def test_after_the_deadline_the_draft_asks_for_the_reasons_of_the_delay(
    drafts: DraftService, clock: ManualClock, blank_incident: str
) -> None:
    first = drafts.ap(blank_incident, by="dpo").draft
    assert "Niet van toepassing als de melding vóór dinsdag 31 maart 2026 11:00 CEST" in (
        first.content
    )
    assert "delay_reason" not in {q.key for q in first.open_questions}
    clock.advance(hours=73)
    late = drafts.ap(blank_incident, by="dpo").draft
    assert late.version == 2
    assert "[AANVULLEN: reden voor de vertraging — nog onbekend]" in late.content
    assert "delay_reason" in {q.key for q in late.open_questions}


def test_follow_up_quotes_the_reference_and_gives_only_what_changed_or_is_missing(
    drafts: DraftService, incidents: Incidents, clock: ManualClock, insider_incident: str
) -> None:
    facts = full_facts()
    del facts["measures.planned"]
    incidents.update_facts(insider_incident, facts, by="frank")
    with pytest.raises(DraftError, match="record that first"):
        drafts.ap(insider_incident, by="dpo", kind="follow_up")
    record_notification(
        incidents, insider_incident, kind="initial", by="dpo", reference="2026-123456"
    )
    clock.advance(hours=30)
    incidents.update_facts(insider_incident, {"subjects.people": 57}, by="frank")

    text = drafts.ap(insider_incident, by="dpo", kind="follow_up").draft.content
    assert "Vervolgmelding (aanvulling of wijziging)" in text
    assert (
        "**S1 Meldnummer van de eerdere melding (bij aanvullen, wijzigen of intrekken)**"
        "\n\n2026-123456"
    ) in text
    assert "\n57 _(gewijzigd)_\n" in text  # 5.1, changed
    assert "Gewijzigd: aantal betrokkenen." in text
    assert "[AANVULLEN: voorgenomen maatregelen — nog onbekend]" in text  # 10.2 still missing
    assert "**5.3 " not in text  # the summary did not change
    assert "**4.5 " not in text  # the delay question belongs to the initial notification
    assert "**3.1.2 " not in text and "Alleen op het formulier" not in text
    assert "Vorige melding aan de AP: zaterdag 28 maart 2026 10:00 CET" in text

    # A translation changes the answer only in its own language.
    incidents.update_facts(insider_incident, {"summary@nl": "Ledengegevens geëxporteerd."}, by="f")
    nl = drafts.ap(insider_incident, by="dpo", kind="follow_up").draft.content
    en = drafts.ap(insider_incident, by="dpo", kind="follow_up", lang="en").draft.content
    assert "Gewijzigd: aantal betrokkenen, wat er is gebeurd." in nl
    assert "**5.3 " in nl and "Ledengegevens geëxporteerd." in nl
    assert "Changed: approximate number of people." in en and "**5.3 " not in en


def test_withdrawal_names_the_reference_and_the_reason(
    drafts: DraftService, incidents: Incidents, blank_incident: str
) -> None:
    with pytest.raises(DraftError, match="initial notification"):
        drafts.ap(blank_incident, by="dpo", kind="withdrawal")
    record_notification(incidents, blank_incident, kind="initial", by="dpo", reference="AP-77")
    incidents.update_facts(blank_incident, {"breach.personal_data": False}, by="frank")
    unsure = drafts.ap(blank_incident, by="dpo", kind="withdrawal").draft
    assert "[AANVULLEN: reden van de intrekking — nog onbekend]" in unsure.content
    made = drafts.ap(
        blank_incident,
        by="dpo",
        kind="withdrawal",
        lang="en",
        reason="The laptop was found unopened in the office; no personal data was accessed.",
    )
    text = made.draft.content
    assert "Withdrawal of the notification" in text and "AP-77" in text
    assert "The laptop was found unopened in the office" in text
    assert "**Is personal data involved?**\n\nno" in text
    assert made.draft.details["reason"].startswith("The laptop was found")


def test_labels_of_the_form_come_from_the_facts_schema(
    drafts: DraftService, blank_incident: str
) -> None:
    en = drafts.ap(blank_incident, by="dpo", lang="en").draft.content
    assert f"- {label('dpo.email', 'en')}: [TO COMPLETE: {label('dpo.email', 'en')}" in en


def test_a_draft_kind_or_format_that_does_not_exist_is_refused(
    drafts: DraftService, blank_incident: str
) -> None:
    with pytest.raises(DraftError, match="made as md"):
        drafts.ap(blank_incident, by="dpo", kind="withdrawal", fmt="html")
    with pytest.raises(DraftError, match="nl and en"):
        drafts.ap(blank_incident, by="dpo", lang="de")  # type: ignore[arg-type]


def test_no_draft_fails_on_an_incident_with_nothing_recorded(
    drafts: DraftService, blank_incident: str
) -> None:
    for lang in ("nl", "en"):
        made = [
            drafts.ap(blank_incident, by="f", lang=lang),
            drafts.ap(blank_incident, by="f", lang=lang, fmt="html"),
            drafts.ap(blank_incident, by="f", lang=lang, fmt="txt"),
            drafts.public_communication(blank_incident, by="f", lang=lang),
            drafts.management_summary(blank_incident, by="f", lang=lang),
        ]
        with drafts.affected(blank_incident) as members:
            made += drafts.member_letters(blank_incident, members, by="f", langs=(lang,)).values()
        marker = "nog onbekend" if lang == "nl" else "not yet known"
        for m in made:
            assert marker in m.draft.content, m.draft.id
            assert m.draft.open_questions, m.draft.id
            assert "None" not in m.draft.content, m.draft.id


def test_contradicting_dates_are_listed_on_top_in_every_format(
    drafts: DraftService, incidents: Incidents, clock: ManualClock, blank_incident: str
) -> None:
    # Aware Saturday 10:00 CET (when opened); discovered "later that day" by mistake.
    clock.advance(hours=9)
    incidents.update_facts(
        blank_incident, {"dates.discovered": "2026-03-28T17:35:00+01:00"}, by="frank"
    )
    made = drafts.ap(blank_incident, by="dpo", lang="nl").draft
    on_top = made.content[: made.content.index("## 1.")]
    assert "## Tegenstrijdig in de feiten (1)" in on_top
    expected = (
        "wanneer het is ontdekt (2026-03-28 17:35 CET) ligt na wanneer de organisatie zich "
        "bewust werd van het datalek (2026-03-28 10:00 CET)"
    )
    assert f"- {expected}" in on_top
    assert made.details["contradictions"] == [expected]
    html = drafts.ap(blank_incident, by="dpo", lang="en", fmt="html").draft.content
    assert "<h2>Contradictions in the facts (1)</h2>" in html
    txt = drafts.ap(blank_incident, by="dpo", lang="en", fmt="txt").draft.content
    assert "CONTRADICTIONS IN THE FACTS (1)" in txt and "is after when the organisation" in txt

    incidents.update_facts(
        blank_incident, {"dates.discovered": "2026-03-28T09:35:00+01:00"}, by="frank"
    )
    fixed = drafts.ap(blank_incident, by="dpo", lang="nl").draft
    assert "Tegenstrijdig" not in fixed.content and "contradictions" not in fixed.details


def _block(text: str, qid: str) -> str:
    """One question of a plain-text draft: its number and wording up to the next question."""
    start = text.index(f"\n{qid} ")
    following = [text.find(f"\n{q.id} ", start + 1) for q in questions()]
    end = min([i for i in following if i > start] + [len(text)])
    return text[start:end]


def test_the_reason_for_not_informing_the_people_is_the_decisions_reason(
    drafts: DraftService, incidents: Incidents, insider_incident: str
) -> None:
    incidents.update_facts(insider_incident, full_facts(), by="frank")
    for lang in ("nl", "en"):
        text = drafts.ap(insider_incident, by="dpo", lang=lang, fmt="txt").draft.content
        assert "\n10.1.x1 " in text  # asked in every draft, answered from what is known
        answer = _block(text, "10.1.x1")
        assert ("Niet van toepassing" if lang == "nl" else "Not applicable") in answer
    decide(
        incidents,
        insider_incident,
        notify_authority="yes",
        notify_subjects="no",
        reason="The export was deleted at the partner under supervision; no member is at risk.",
        by="dpo",
    )
    for lang, question in (
        ("nl", "Waarom ziet u af van het melden van het datalek aan de betrokkenen?"),
        ("en", "Why are you not informing the people concerned of the breach?"),
    ):
        made = drafts.ap(insider_incident, by="dpo", lang=lang, fmt="txt").draft
        answer = _block(made.content, "10.1.x1")
        assert answer.startswith(f"\n10.1.x1 {question}")
        assert "The export was deleted at the partner under supervision" in answer
        assert "\n0: " in _block(made.content, "10.1.3")  # nobody is told
        assert made.open_questions == []


def test_without_a_decision_the_reason_comes_from_the_facts_or_is_asked_for(
    drafts: DraftService, incidents: Incidents, blank_incident: str
) -> None:
    made = drafts.ap(blank_incident, by="dpo", fmt="txt").draft
    assert "[AANVULLEN: besluit over het informeren van de betrokkenen" in _block(
        made.content, "10.1.x1"
    )
    assert "decision" in {q.key for q in made.open_questions}
    incidents.update_facts(
        blank_incident,
        {
            "communication.subjects_informed": "not_required",
            "communication.explanation": "De laptop was volledig versleuteld.",
        },
        by="frank",
    )
    text = drafts.ap(blank_incident, by="dpo", fmt="txt").draft.content
    assert "\nDe laptop was volledig versleuteld.\n" in _block(text, "10.1.x1")


def test_question_9_2_opens_with_the_damage_sentence_of_the_form() -> None:
    q = next(q for q in questions() if q.id == "9.2")
    assert q.nl.startswith("Lichamelijke, materiële en immateriële schade voor de betrokkenen. ")
    assert q.en.startswith("Physical, material and non-material damage to the people concerned.")


def test_the_renewed_form_is_dated_10_may_2021_by_the_aps_announcement() -> None:
    assert "10 May 2021" in SOURCES["ap_renewal"].shows
    assert "31 May 2021" not in (ap_form.__doc__ or "")
    assert "renewed on 10 May\n2021" in (ap_form.__doc__ or "")


def test_the_notifiers_email_is_optional(
    drafts: DraftService, incidents: Incidents, insider_incident: str
) -> None:
    facts = {k: v for k, v in full_facts().items() if k != "notifier.email"}
    incidents.update_facts(insider_incident, facts, by="frank")
    for lang, optional in (
        ("nl", "e-mailadres van de melder: niet opgegeven (optioneel op het formulier)"),
        ("en", "the notifier's email: not given (optional)"),
    ):
        made = drafts.ap(insider_incident, by="dpo", lang=lang, fmt="txt").draft
        assert optional in _block(made.content, "3.2.1")
        assert "notifier.email" not in {q.key for q in made.open_questions}
    # The phone number is not optional: without it the draft asks for it.
    incidents.update_facts(insider_incident, {"notifier.phone": UNKNOWN}, by="frank")
    made = drafts.ap(insider_incident, by="dpo", fmt="txt").draft
    assert "notifier.phone" in {q.key for q in made.open_questions}


def test_a_confirmed_wording_says_what_it_was_confirmed_against() -> None:
    for q in questions():
        if q.confirmed:
            assert q.confirmed_against, q.id
        else:
            assert q.confirmed_against is None, q.id
    notifier = next(q for q in questions() if q.id == "3.2.1")
    assert "before and around its renewal of 10 May 2021" in (notifier.confirmed_against or "")
    assert "not the live form" in (notifier.confirmed_against or "")
    records = next(q for q in questions() if q.id == "6.3.1")
    assert records.confirmed_against is not None and "'Datalekken'" in records.confirmed_against


def test_sector_other_supervisors_documents_and_people_told_are_filled_in(
    drafts: DraftService, incidents: Incidents, insider_incident: str
) -> None:
    facts = {
        **full_facts(),
        "communication.other_supervisors": ["ilt"],
        "documents.attached": ["forensic-report.pdf"],
    }
    incidents.update_facts(insider_incident, facts, by="frank")
    record_notification(
        incidents, insider_incident, to="members", kind="communication", by="dpo", count=380
    )
    record_notification(
        incidents, insider_incident, to="members", kind="communication", by="dpo", count=35
    )
    for lang in ("nl", "en"):
        made = drafts.ap(insider_incident, by="dpo", lang=lang, fmt="txt").draft
        text = made.content
        assert "roadside assistance and vehicle services" in _block(text, "3.1.2")
        assert "[x] Inspectie Leefomgeving en Transport (ILT)" in _block(text, "1.3")
        assert "[ ] De Nederlandsche Bank (DNB)" in _block(text, "1.3")
        documents = _block(text, "5.4")
        assert "AL-1" in documents and "sentinel alerts show AL-1" in documents
        assert "forensic-report.pdf" in documents
        assert "\n415\n" in _block(text, "10.1.3")  # 380 + 35 members told
        on_top = text[: text.index("\n1. ")]
        for qid in ("1.3", "3.1.2", "5.4", "10.1.3"):
            assert f"\n  {qid} " not in on_top, qid  # not left for the form
        assert made.open_questions == []


def test_the_sector_is_asked_for_when_the_setting_is_empty(
    incidents: Incidents, blank_incident: str
) -> None:
    plain = DraftService(incidents, organisation=Organisation(name="X", address="Y"))
    made = plain.ap(blank_incident, by="dpo", fmt="txt").draft
    assert "organisation.sector" in {q.key for q in made.open_questions}
    assert "[AANVULLEN: sector van de organisatie" in _block(made.content, "3.1.2")
    assert "[AANVULLEN: bij de melding gevoegde documenten" in _block(made.content, "5.4")
    assert "Nog niemand" in _block(made.content, "10.1.3")


def test_the_draft_says_which_wordings_to_check_on_the_live_form(
    drafts: DraftService, blank_incident: str
) -> None:
    en = drafts.ap(blank_incident, by="dpo", lang="en", fmt="txt").draft.content
    lines = [x for x in en.splitlines() if x.startswith("Wording confirmed against copies")]
    line = next(x for x in lines if "not the live form: " in x)
    assert "10 May 2021" in line and "not the live form" in line
    assert ": 3.3, 4.1.1, 4.1.2," in line and line.endswith("Check these on the live form.")
    nl = drafts.ap(blank_incident, by="dpo", lang="nl").draft.content
    assert "Formulering bevestigd tegen kopieën van het formulier van vóór en rond" in nl
