"""The assessment: ENISA arithmetic, cautious unknowns, the Art. 34(3) exceptions."""

from __future__ import annotations

from typing import Any

from sentinel.incidents.assessment import Enisa, assess
from sentinel.incidents.facts import Facts, parse_facts

HACKED_FINANCIAL: dict[str, Any] = {
    "breach": {"personal_data": True, "confidentiality": True, "availability": True},
    "cause": {"kind": "hacking"},
    "data": {"categories": ["contact", "financial"]},
    "subjects": {"people": 40},
    "identification": {"ease": "significant"},
    "disclosure": {"exfiltrated": True},
    "availability": {"backup": True, "restored": True, "outage_hours": 30, "impact": "minor"},
}


def test_enisa_formula_and_bands() -> None:
    e = Enisa(dpc=3, ei=0.75, confidentiality=0.5, integrity=0, availability=0.25, malicious=0.5)
    assert e.score == 3.5 and e.band == "high"
    assert Enisa(1, 1.0, 0.5, 0, 0, 0.25).band == "low"  # 1.75
    assert Enisa(1, 1.0, 0.5, 0, 0, 0.5).band == "medium"  # exactly 2
    assert Enisa(2, 1.0, 0.5, 0.25, 0, 0).band == "medium"  # 2.75
    assert Enisa(3, 1.0, 0, 0, 0, 0).band == "high"  # exactly 3
    assert Enisa(4, 1.0, 0, 0, 0, 0).band == "very_high"  # exactly 4


def test_score_from_facts() -> None:
    result = assess(parse_facts(HACKED_FINANCIAL))
    # financial 3 x significant 0.75 + unknown recipients 0.5 + temporary unavailability 0.25
    # + malicious 0.5
    assert result.score == 3.5
    assert result.severity == "high"
    assert result.reasons[0].startswith("ENISA severity 3.5 (high): data-processing context 3")
    assert (result.notify_authority, result.notify_subjects) == (True, "yes")


def test_minors_raise_the_data_processing_context() -> None:
    facts = {**HACKED_FINANCIAL, "data": {"categories": ["contact"]}}
    adult = assess(parse_facts(facts))
    minors = assess(parse_facts({**facts, "subjects": {"people": 40, "categories": ["minors"]}}))
    assert minors.enisa.dpc == adult.enisa.dpc + 1
    assert "minors or other vulnerable people" in minors.reasons[0]


def test_nothing_known_yet_is_taken_cautiously_and_said_so() -> None:
    result = assess(Facts())
    assert (result.notify_authority, result.notify_subjects) == (True, "yes")
    for name in ("data.categories", "breach.confidentiality", "disclosure.recipients"):
        assert name in result.assumed
    assert any(r.startswith("Unknown yet and taken cautiously") for r in result.reasons)
    assert result.reasons[-1].endswith("(Art. 33(5)).")


def test_not_a_personal_data_breach() -> None:
    result = assess(parse_facts({"breach": {"personal_data": False}}))
    assert (result.notify_authority, result.notify_subjects) == (False, "no")
    assert "withdraw" in result.reasons[0]


def test_disproportionate_effort_means_a_public_communication() -> None:
    facts = {**HACKED_FINANCIAL, "communication": {"disproportionate_effort": True}}
    result = assess(parse_facts(facts))
    assert result.notify_subjects == "public_communication"
    assert any("Art. 34(3)(c)" in r for r in result.reasons)


def test_measures_that_remove_the_high_risk() -> None:
    facts = {**HACKED_FINANCIAL, "measures": {"high_risk_removed": True}}
    result = assess(parse_facts(facts))
    assert (result.notify_authority, result.notify_subjects) == (True, "no")
    assert any("Art. 34(3)(b)" in r for r in result.reasons)


def test_national_id_emailed_to_one_stranger_is_high_risk() -> None:
    """An insurance policy with name, address and national id number emailed to a stranger.

    The Polish supervisory authority (UODO, DKN.5131.5.2020) fined an insurer for
    notifying neither the authority nor the two people: identity numbers in
    unknown hands are a high risk even when only one recipient saw them.
    """
    facts = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "misdirected_email"},
        "data": {"categories": ["contact", "national_id", "vehicle", "financial"]},
        "subjects": {"people": 2},
        "disclosure": {"recipients": "known", "contained": "none"},
    }
    result = assess(parse_facts(facts))
    assert (result.notify_authority, result.notify_subjects) == (True, "yes")


def test_ransomware_with_unknown_backup_is_notified_and_says_why() -> None:
    facts = {
        "breach": {"confidentiality": False, "availability": True},
        "cause": {"kind": "ransomware"},
        "data": {"categories": ["contact", "vehicle"]},
        "subjects": {"people": "500-900"},
    }
    result = assess(parse_facts(facts))
    assert (result.notify_authority, result.notify_subjects) == (True, "no")
    assert "availability.backup" in result.assumed


def test_weak_encryption_does_not_protect() -> None:
    facts = {
        "cause": {"kind": "lost_device"},
        "data": {"categories": ["contact", "financial"]},
        "subjects": {"people": 300},
        "encryption": {"state": "weak"},
        "disclosure": {"recipients": "unknown"},
        "availability": {"backup": True},
    }
    result = assess(parse_facts(facts))
    assert (result.notify_authority, result.notify_subjects) == (True, "yes")
    assert any("not strongly enough" in r for r in result.reasons)


def test_already_public_data() -> None:
    facts = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "accidental_publication"},
        "data": {"categories": ["contact"], "public": True},
    }
    assert assess(parse_facts(facts)).notify_authority is False


def test_severe_consequences_mean_high_risk() -> None:
    facts = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "misdirected_mail", "malicious": False},
        "data": {"categories": ["contact"]},
        "subjects": {"people": 1},
        "disclosure": {"recipients": "known", "contained": "none"},
        "consequences": {"severity": "severe", "description": "address of a protected person"},
    }
    result = assess(parse_facts(facts))
    assert (result.notify_authority, result.notify_subjects) == (True, "yes")


def test_misused_altered_data_is_high_risk() -> None:
    facts = {
        "breach": {"confidentiality": False, "integrity": True, "availability": False},
        "cause": {"kind": "hacking"},
        "data": {"categories": ["financial"]},
        "alteration": {"recoverable": True, "misused": True},
    }
    result = assess(parse_facts(facts))
    assert result.risk == "high"
    assert result.to_dict().keys() == {
        "severity",
        "score",
        "notify_authority",
        "notify_subjects",
        "reasons",
    }


def test_insider_copying_contacts_is_a_risk_and_at_scale_a_high_one() -> None:
    """An employee copies client contacts (EDPB 01/2021 case 8 without naming the recipient).

    The person holding the data is the known insider, so what matters is the
    volume: a few hundred contacts is a risk; thousands taken deliberately may be
    sold or used for phishing, which the EDPB names as moving the outcome.
    """
    facts: dict[str, Any] = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "insider_misuse"},
        "data": {"categories": ["contact"]},
        "subjects": {"people": "200-600"},
        "disclosure": {"exfiltrated": True},
    }
    few = assess(parse_facts(facts))
    assert (few.notify_authority, few.notify_subjects) == (True, "no")
    assert "disclosure.recipients" not in few.assumed
    many = assess(parse_facts({**facts, "subjects": {"people": "3800-4100"}}))
    assert (many.notify_authority, many.notify_subjects) == (True, "yes")


MISDIRECTED_LETTER: dict[str, Any] = {
    "breach": {"confidentiality": True, "integrity": False, "availability": False},
    "cause": {"kind": "misdirected_mail", "malicious": False},
    "data": {"categories": ["contact", "identity"]},
    "subjects": {"people": 1},
    "disclosure": {"recipients": "known", "contained": "none"},
}


def _with(base: dict[str, Any], **groups: dict[str, Any]) -> dict[str, Any]:
    return {**base, **{name: {**base.get(name, {}), **values} for name, values in groups.items()}}


def test_recorded_harm_to_people_makes_the_risk_high_without_a_separate_severity() -> None:
    """Recital 75: physical harm and threats to safety weigh by their nature.

    A new address sent to the person a victim of domestic violence fled from is simple
    data, but the consequence recorded for that person decides the Art. 34 judgement.
    """
    plain = assess(parse_facts(MISDIRECTED_LETTER))
    assert (plain.risk, plain.notify_subjects) == ("risk", "no")
    for harm in ("physical_harm", "threat_to_safety", "serious_distress", "discrimination"):
        result = assess(parse_facts(_with(MISDIRECTED_LETTER, consequences={"likely": [harm]})))
        assert (result.risk, result.notify_subjects) == ("high", "yes"), harm
    safety = assess(
        parse_facts(_with(MISDIRECTED_LETTER, consequences={"likely": ["threat_to_safety"]}))
    )
    assert any("a threat to their safety as a likely consequence" in r for r in safety.reasons)


def test_distress_weighs_heavier_when_the_data_is_intimate_or_the_people_vulnerable() -> None:
    distress = _with(MISDIRECTED_LETTER, consequences={"likely": ["distress"]})
    assert assess(parse_facts(distress)).risk == "risk"
    health = _with(distress, data={"categories": ["contact"], "special": ["health"]})
    assert assess(parse_facts(health)).notify_subjects == "yes"
    minors = _with(distress, subjects={"people": 1, "categories": ["minors"]})
    assert assess(parse_facts(minors)).notify_subjects == "yes"


def test_a_recorded_severity_counts_but_never_plays_down_danger_to_safety() -> None:
    limited = _with(MISDIRECTED_LETTER, consequences={"likely": ["fraud"], "severity": "limited"})
    assert assess(parse_facts(limited)).risk == "risk"
    unsafe = _with(
        MISDIRECTED_LETTER, consequences={"likely": ["physical_harm"], "severity": "limited"}
    )
    result = assess(parse_facts(unsafe))
    assert result.notify_subjects == "yes"
    assert any("check that assessment" in r for r in result.reasons)


RANSOMWARE_AT_A_CLINIC: dict[str, Any] = {
    "breach": {"confidentiality": False, "integrity": False, "availability": True},
    "cause": {"kind": "ransomware"},
    "data": {"categories": ["identity", "special"], "special": ["health"]},
    "subjects": {"people": "800-900"},
}


def test_health_records_lost_for_good_are_a_high_risk() -> None:
    lost = _with(RANSOMWARE_AT_A_CLINIC, availability={"backup": False, "restored": False})
    result = assess(parse_facts(lost))
    assert (result.notify_authority, result.notify_subjects) == (True, "yes")
    assert any("lost for good" in r and "high risk" in r for r in result.reasons)
    assert "availability.essential" in result.assumed  # inferred from the health data


def test_data_people_depend_on_unavailable_for_days_is_a_high_risk() -> None:
    """A service people need (here: their roadside assistance history) down for three days."""
    facts = {
        "breach": {"confidentiality": False, "integrity": False, "availability": True},
        "cause": {"kind": "ransomware"},
        "data": {"categories": ["contact", "vehicle"]},
        "subjects": {"people": 5000},
        "availability": {"backup": True, "restored": True, "outage_hours": 72},
    }
    assert assess(parse_facts(facts)).notify_subjects == "no"  # not depended on: EDPB case 2
    depended = _with(facts, availability={"essential": True})
    result = assess(parse_facts(depended))
    assert result.notify_subjects == "yes"
    assert any("unavailable for 72 hours" in r for r in result.reasons)
    quick = _with(depended, availability={"outage_hours": 3})
    assert assess(parse_facts(quick)).notify_authority is False  # restored in good time


def test_an_outage_recorded_without_effect_on_people_stays_below_high() -> None:
    facts = _with(
        RANSOMWARE_AT_A_CLINIC,
        availability={"backup": True, "restored": True, "outage_hours": 30, "impact": "minor"},
    )
    result = assess(parse_facts(facts))
    assert (result.risk, result.notify_subjects) == ("risk", "no")
    assert any("the effect on them is recorded as minor" in r for r in result.reasons)


def test_a_very_high_score_next_to_a_risk_that_is_not_high_says_which_holds() -> None:
    """Health data encrypted by ransomware and restored after 30 hours: ENISA scores the
    sensitivity of the data as if it had been disclosed; nothing was, and the records were
    not needed in that time, so the advice (not high) holds and the reasons say why."""
    facts = _with(
        RANSOMWARE_AT_A_CLINIC,
        availability={"backup": True, "restored": True, "outage_hours": 30, "essential": False},
    )
    result = assess(parse_facts(facts))
    assert result.severity == "very_high" and result.risk == "risk"
    assert result.notify_subjects == "no"
    assert any(
        "as if it had reached someone" in r and "holds over the score" in r for r in result.reasons
    )


def test_a_high_score_that_nothing_explains_makes_the_risk_high() -> None:
    """An insider alters and deletes location records of a few members and keeps a copy."""
    facts = {
        "breach": {"confidentiality": True, "integrity": True, "availability": True},
        "cause": {"kind": "insider_misuse"},
        "data": {"categories": ["location"]},
        "subjects": {"people": 40},
        "disclosure": {"recipients": "known", "contained": "none"},
        "alteration": {"recoverable": False},
        "availability": {"backup": False, "restored": False},
    }
    result = assess(parse_facts(facts))
    assert result.severity == "high"
    assert (result.risk, result.notify_subjects) == ("high", "yes")
    assert any("the score holds" in r for r in result.reasons)


def test_a_low_score_next_to_a_high_risk_says_what_the_advice_rests_on() -> None:
    facts = _with(MISDIRECTED_LETTER, consequences={"likely": ["threat_to_safety"]})
    result = assess(parse_facts(facts))
    assert result.severity == "low" and result.risk == "high"
    assert any(
        "below a high risk, but the advice holds" in r and "threat to their safety" in r
        for r in result.reasons
    )


def test_score_and_advice_never_contradict_each_other_unexplained() -> None:
    """Across varied facts: a high band with a risk below high, or a high risk with a low
    band, always comes with a sentence saying which holds."""
    variants = [
        HACKED_FINANCIAL,
        MISDIRECTED_LETTER,
        RANSOMWARE_AT_A_CLINIC,
        _with(RANSOMWARE_AT_A_CLINIC, availability={"essential": False, "backup": True}),
        _with(RANSOMWARE_AT_A_CLINIC, availability={"restored": True, "outage_hours": 5}),
        _with(MISDIRECTED_LETTER, data={"categories": ["financial"], "insight": "limited"}),
        _with(MISDIRECTED_LETTER, consequences={"likely": ["fraud"], "severity": "negligible"}),
        {"cause": {"kind": "hacking"}, "data": {"categories": ["special"]}},
    ]
    for facts in variants:
        result = assess(parse_facts(facts))
        high_band = result.severity in ("high", "very_high")
        if high_band != (result.risk == "high"):
            assert any(r.startswith("The ENISA severity (") for r in result.reasons), facts


def test_a_lost_document_is_less_likely_to_be_misused_than_a_stolen_one() -> None:
    """EDPB 9/2022 weighs likelihood with severity: nobody is known to hold a lost document.

    Data that reveals a fair amount (context 2) lost by accident is a risk to report; taken by a
    thief it is a high one. Data that enables identity fraud stays high either way.
    """
    lost = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "lost_paper", "malicious": False},
        "data": {"categories": ["identity", "location"]},
        "subjects": {"people": 3},
        "disclosure": {"recipients": "unknown"},
    }
    result = assess(parse_facts(lost))
    assert (result.notify_authority, result.notify_subjects) == (True, "no")
    assert "The data could be read by whoever finds it." in result.reasons
    assert any("lost, not taken" in r for r in result.reasons)
    stolen = assess(parse_facts(_with(lost, cause={"kind": "stolen_paper", "malicious": True})))
    assert stolen.notify_subjects == "yes"
    with_id = assess(parse_facts(_with(lost, data={"categories": ["identity", "national_id"]})))
    assert with_id.notify_subjects == "yes"


def test_staff_bound_to_confidentiality_seeing_records_is_a_risk_not_a_high_one() -> None:
    """Patient records left open to colleagues: report it; the people need not be told, and
    the very high ENISA score next to that says why the advice holds."""
    facts = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "misconfiguration", "malicious": False},
        "data": {"categories": ["identity", "special"], "special": ["health"]},
        "subjects": {"people": 5000},
        "disclosure": {"recipients": "trusted", "contained": "none"},
    }
    result = assess(parse_facts(facts))
    assert result.severity == "very_high"
    assert (result.notify_authority, result.notify_subjects) == (True, "no")
    assert any(
        "misuse is not likely because only people bound to confidentiality" in r
        and "holds over the score" in r
        for r in result.reasons
    )
    snooping = _with(facts, cause={"kind": "insider_misuse", "malicious": True})
    assert assess(parse_facts(snooping)).notify_subjects == "yes"
    harmed = assess(parse_facts(_with(facts, consequences={"likely": ["discrimination"]})))
    assert harmed.notify_subjects == "yes"


def test_contact_details_shown_to_a_few_recipients_need_not_be_reported() -> None:
    """EDPB 9/2022's email with every address visible: report it when many people are affected
    or the list says something sensitive about them, not otherwise."""
    cc = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "misdirected_email", "malicious": False},
        "data": {"categories": ["contact"]},
        "subjects": {"people": 16},
        "disclosure": {"recipients": "known"},
    }
    result = assess(parse_facts(cc))
    assert (result.notify_authority, result.notify_subjects) == (False, "no")
    many = assess(parse_facts(_with(cc, subjects={"people": 400})))
    assert (many.notify_authority, many.notify_subjects) == (True, "no")
    patients = _with(cc, data={"categories": ["contact"], "special": ["health"]})
    assert assess(parse_facts(patients)).notify_subjects == "yes"
    minors = assess(parse_facts(_with(cc, subjects={"people": 16, "categories": ["minors"]})))
    assert minors.notify_authority is True
    more = assess(parse_facts(_with(cc, data={"categories": ["contact", "identity", "vehicle"]})))
    assert more.notify_authority is True  # EDPB 01/2021 case 16: a stranger keeps a policy letter
