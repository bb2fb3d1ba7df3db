"""The assessment against breaches that national supervisory authorities decided or published.

Each case states the facts as the authority's published decision, guidance or case study
describes them, in our own words, as a facts file, and expects the authority's conclusion:
whether the supervisory authority had to be notified (Art. 33) and whether the people had to
be informed (Art. 34). The source of each is named with it. The logic under test follows the
GDPR, the EDPB guidelines and ENISA, not these cases; they check that it agrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from sentinel.incidents.assessment import assess
from sentinel.incidents.facts import parse_facts


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    source: str
    facts: dict[str, Any]
    authority: bool
    """Whether the supervisory authority had to be notified (Art. 33), as the authority found."""
    people: str
    """Whether the people had to be informed (Art. 34): "yes" or "no", as the authority found."""


CASES = [
    Case(
        "adoptive parents' address sent to the birth parents",
        "ICO, 'Personal data breach examples', case study 1 'Failure to redact personal data' "
        "(ico.org.uk/for-organisations/report-a-breach/personal-data-breach/"
        "personal-data-breach-examples): reporting decision 'Notifying the ICO and data "
        "subjects'; the breach presented a high risk to the adoptive parents' safety.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "misdirected_mail", "malicious": False},
            "data": {"categories": ["identity", "contact"]},
            "subjects": {"categories": ["other", "minors"], "people": "2-6"},
            "disclosure": {"recipients": "known", "contained": "none"},
            "consequences": {"likely": ["threat_to_safety"]},
        },
        True,
        "yes",
    ),
    Case(
        "a vulnerable client's file emailed to a colleague who deleted it",
        "ICO, 'Personal data breach examples', case study 2 'Emailing a file in error': a debt "
        "insolvency agent emailed a vulnerable client's file (debts, contact details, mental "
        "health) to a colleague in another department, who deleted it at once; reporting "
        "decision 'Documenting the breach on internal breach log only'.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "misdirected_email", "malicious": False},
            "data": {"categories": ["contact", "financial", "special"], "special": ["health"]},
            "subjects": {"categories": ["vulnerable"], "people": 1},
            "disclosure": {"recipients": "trusted", "contained": "deleted_confirmed"},
        },
        False,
        "no",
    ),
    Case(
        "names, ranks and roles of a whole police workforce published online",
        "ICO, penalty notice to the Police Service of Northern Ireland (2024) and its "
        "announcement 'PSNI facing a £750k fine' (May 2024): surname, initials, rank and role "
        "of all 9,483 officers and staff in a hidden tab of a spreadsheet published in answer "
        "to a freedom of information request; the breach brought 'tangible fear of threat to "
        "life'. The PSNI notified the ICO and told its workforce.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "accidental_publication", "malicious": False},
            "data": {"categories": ["identity"]},
            "subjects": {"categories": ["employees"], "people": 9483},
            "identification": {"ease": "maximum"},
            "disclosure": {"recipients": "unknown"},
            "consequences": {"likely": ["threat_to_safety", "serious_distress"]},
        },
        True,
        "yes",
    ),
    Case(
        "email to people with gender dysphoria sent with every address in cc",
        "ICO, reprimand to the Patient and Client Council, announced in 'ICO warns of email "
        "data breach risk as it issues two reprimands' (August 2023): 15 people with lived "
        "experience of gender dysphoria could infer that of each other; 'very distressing and "
        "potentially harmful'. The Council contacted the people and asked them to delete it.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "misdirected_email", "malicious": False},
            "data": {"categories": ["contact", "special"], "special": ["health"]},
            "subjects": {"categories": ["vulnerable"], "people": 15},
            "disclosure": {"recipients": "known", "contained": "asked_to_delete"},
            "consequences": {"likely": ["distress", "discrimination"]},
        },
        True,
        "yes",
    ),
    Case(
        "hotel booking data taken with credentials phished from hotel staff",
        "Autoriteit Persoonsgegevens, decision of 10 December 2020 fining Booking.com (Art. "
        "33(1): notified 22 days late) and 'Boete Booking.com voor te laat melden datalek': "
        "names, addresses, phone numbers and booking details of 4,109 people, card data of "
        "283; the criminals used them for phishing; Booking.com informed the customers.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "social_engineering"},
            "data": {"categories": ["contact", "identity", "behavioural", "payment_card"]},
            "subjects": {"categories": ["other"], "people": 4109},
            "disclosure": {"exfiltrated": True, "recipients": "unknown"},
            "consequences": {"likely": ["phishing", "fraud", "financial_loss"]},
        },
        True,
        "yes",
    ),
    Case(
        "stolen laptop, encrypted to the state of the art, with a recent backup",
        "Autoriteit Persoonsgegevens, 'Datalek: wel of niet melden' (Vooraf getroffen "
        "maatregelen): no notification when the data was made unintelligible (encrypted or "
        "hashed), is still intact, a recent backup keeps it under control, and the key was not "
        "compromised.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": True},
            "cause": {"kind": "stolen_device"},
            "data": {"categories": ["contact", "identity", "financial"]},
            "subjects": {"people": "300-400"},
            "encryption": {"state": "strong", "key_safe": True},
            "disclosure": {"recipients": "unknown"},
            "availability": {"backup": True, "restored": True, "outage_hours": 2},
        },
        False,
        "no",
    ),
    Case(
        "wrong credit data reported to the central credit register",
        "Data Protection Commission (Ireland), decision of 14 March 2022 on Bank of Ireland "
        "Group plc (EDPB summary 'Irish SA: inquiry into Bank of Ireland Group'): corrupted data "
        "feeds altered customers' records on the Central Credit Register, which lenders consult "
        "(about 47,000 people in the largest incident); Art. 33 infringed in 17 incidents and "
        "Art. 34 in 14: the breaches were likely to result in a high risk.",
        {
            "breach": {"confidentiality": False, "integrity": True, "availability": False},
            "cause": {"kind": "software_error", "malicious": False},
            "data": {"categories": ["identity", "financial"]},
            "subjects": {"categories": ["other"], "people": 47000},
            "alteration": {"recoverable": True, "misused": True},
            "consequences": {"likely": ["financial_loss"]},
        },
        True,
        "yes",
    ),
    Case(
        "a box of 2,000 medical files lost when a GP moved premises, with no copy",
        "Data Protection Commission (Ireland), case study 'Transfer of hard copy paper "
        "documents while moving premises' (dataprotection.ie, Case Studies: Data Breach "
        "Notification): the box of clinical records, vaccination records and timesheets could "
        "not be found and there was no backup; the DPC drew the GP's attention to Art. 34 and "
        "every patient (or a minor's parent) was informed.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": True},
            "cause": {"kind": "lost_paper", "malicious": False},
            "data": {"categories": ["identity", "contact", "special"], "special": ["health"]},
            "subjects": {"categories": ["other", "minors"], "people": "2000-2100"},
            "encryption": {"state": "none"},
            "disclosure": {"recipients": "unknown"},
            "availability": {"backup": False, "restored": False},
        },
        True,
        "yes",
    ),
    Case(
        "payment data of 12 million people on a server open to the internet for years",
        "CNIL, délibération SAN-2021-020 of 28 December 2021 (Slimpay): civil status, postal "
        "and email addresses, phone numbers and IBAN of about 12 million people stayed on a "
        "test server freely reachable from the internet from 2015 to 2020, without logging; "
        "notified to the CNIL, and a fine for not informing the people (Art. 34).",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "misconfiguration", "malicious": False},
            "data": {"categories": ["identity", "contact", "financial"]},
            "subjects": {"categories": ["other"], "people": 12000000},
            "disclosure": {"recipients": "unknown"},
        },
        True,
        "yes",
    ),
    Case(
        "ransomware at a municipality: backups deleted, documents published",
        "Datatilsynet (Norway), fine of NOK 4 million to Østre Toten kommune (2021) after "
        "the January 2021 attack: all backups deleted and all systems encrypted; about 30,000 "
        "documents, including national identity numbers, health data and child welfare "
        "records, were copied and published on the dark web. The municipality notified "
        "Datatilsynet and informed the residents, which Datatilsynet acknowledged.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": True},
            "cause": {"kind": "ransomware"},
            "data": {
                "categories": ["identity", "contact", "national_id", "special"],
                "special": ["health"],
            },
            "subjects": {"categories": ["other", "minors", "vulnerable"], "people": 15000},
            "disclosure": {"exfiltrated": True, "recipients": "unknown"},
            "availability": {"backup": False, "restored": False, "essential": True},
        },
        True,
        "yes",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_advice_agrees_with_the_authority(case: Case) -> None:
    result = assess(parse_facts(case.facts))
    assert (result.notify_authority, result.notify_subjects) == (case.authority, case.people), (
        case.source,
        result.reasons,
    )


def test_every_case_names_its_source_and_both_conclusions() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
    for case in CASES:
        assert case.source and case.people in ("yes", "no")
