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
    people: str | None
    """Whether the people had to be informed (Art. 34): "yes" or "no", as the authority found;
    None where the authority did not rule on it (the source says why)."""


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
    # Decisions of national authorities read from their published text (original language,
    # with the English machine translation and summary GDPRhub keeps at
    # gdprhub.eu/<Authority>_(<Country>)_-_<number>). Most of them conclude that the
    # authority had to be told but not the people, or neither.
    Case(
        "an employee's employment certificate lost from the personnel files",
        "UODO (Poland), decision DKN.5110.12.2021 of 6 June 2022 (Esselmann Technika "
        "Pojazdowa): a certificate with name, address, date of birth, how and why the employment "
        "ended and an attachment of earnings was lost and never found. Art. 33(1) infringed (a "
        "risk, whether or not anyone read it); the Art. 34 part discontinued because there was "
        "no high risk: no national id number, identity document or special category data. "
        "Recorded as financial data that reveals little (one fact about a garnishment, not "
        "statements or accounts: ENISA's 'mere bank customer letter' end of the scale).",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "lost_paper", "malicious": False},
            "data": {"categories": ["identity", "contact", "financial"], "insight": "limited"},
            "subjects": {"categories": ["employees"], "people": 1},
            "disclosure": {"recipients": "unknown"},
        },
        True,
        "no",
    ),
    Case(
        "a customer list of 260 names, emails and phone numbers emailed to a stranger",
        "UODO (Poland), decision DKN.5131.7.2020 of 11 January 2021 (ENEA S.A., EUR 30,000): "
        "an associate sent an unencrypted attachment with names, email addresses, phone numbers "
        "and registration dates of 260 customers to a wrong addressee, who declared that he had "
        "destroyed it. Art. 33(1) infringed: a declaration of deletion does not remove the risk "
        "of losing control over the data; no high risk (no data on behaviour or preferences), so "
        "the people did not have to be informed.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "misdirected_email", "malicious": False},
            "data": {"categories": ["identity", "contact"]},
            "subjects": {"categories": ["members"], "people": 260},
            "disclosure": {"recipients": "known", "contained": "deleted_confirmed"},
        },
        True,
        "no",
    ),
    Case(
        "hospital discharge lists open to 118 staff without a need to see them",
        "Datatilsynet (Norway), decision 20/02291-4 of 22 October 2020 (Sykehuset Østfold HF, "
        "NOK 750,000): for six years report extracts from the patient records (about 13,800 "
        "patients; names, dates of birth, care arrangements, for some birth numbers and reasons "
        "for admission) sat in a folder without access control or logging, open to 118 "
        "employees. The hospital notified the breach; Datatilsynet held it was not obliged to "
        "inform the patients: a limited number of employees, all bound to confidentiality, and "
        "a folder that was hard to find.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "misconfiguration", "malicious": False},
            "data": {
                "categories": ["identity", "national_id", "special"],
                "special": ["health"],
            },
            "subjects": {"categories": ["other"], "people": 13800},
            "disclosure": {"recipients": "trusted", "contained": "none"},
        },
        True,
        "no",
    ),
    Case(
        "a group email to 16 parents with every address in cc",
        "APD/GBA (Belgium), Litigation Chamber decision 62/2022 of 29 April 2022: a youth care "
        "institution mailed 16 parents with their addresses visible to each other. A breach, "
        "but 'no risk' since only email addresses reached a small group, so no notification "
        "to the APD was due; the people were not to be informed either.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "misdirected_email", "malicious": False},
            "data": {"categories": ["contact"], "insight": "minimal"},
            "subjects": {"categories": ["other"], "people": 16},
            "disclosure": {"recipients": "known"},
        },
        False,
        "no",
    ),
    Case(
        "a notary's email with national register numbers to the wrong addressee, unopened",
        "APD/GBA (Belgium), decision 52/2024 (published 3 April 2024): name, address, civil "
        "status, date of birth and the heirs' national register numbers were emailed to a wrong "
        "addressee, who confirmed she had not opened the attachments and deleted the email at "
        "once. Unlikely to result in a risk, so no notification to the APD was due. Recorded as "
        "nobody having read the data.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "misdirected_email", "malicious": False},
            "data": {"categories": ["identity", "contact", "national_id"]},
            "subjects": {"categories": ["other"], "people": "1-5"},
            "disclosure": {"recipients": "none", "contained": "deleted_confirmed"},
        },
        False,
        "no",
    ),
    Case(
        "a subscriber's phone number given to another customer for four days",
        "APD/GBA (Belgium), decision 101/2022 of 3 June 2022 (telecom operator, EUR 20,000): the "
        "number went to a third party after a weak identity check, who could receive the "
        "subscriber's calls, texts and account codes. Art. 33 infringed: the risk was very high "
        "(identity theft, fraud, financial loss); Art. 34 not infringed only because the "
        "subscriber already knew.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": True},
            "cause": {"kind": "other", "malicious": False},
            "data": {"categories": ["identity", "communications"]},
            "subjects": {"categories": ["members"], "people": 1},
            "disclosure": {"recipients": "known"},
            "consequences": {"likely": ["identity_theft", "fraud", "financial_loss"]},
        },
        True,
        "yes",
    ),
    Case(
        "an insurance policy with national id numbers emailed to the wrong addressee",
        "UODO (Poland), decision DKN.5131.5.2020 of 9 December 2020: a policy with names, "
        "addresses, PESEL numbers, contact details and the car insured of two people went to a "
        "wrong address; the recipient reported it and was asked to delete it. Art. 33 and 34 "
        "both infringed: PESEL with name and address is a high risk.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "misdirected_email", "malicious": False},
            "data": {"categories": ["identity", "contact", "national_id", "vehicle", "financial"]},
            "subjects": {"categories": ["members"], "people": 2},
            "disclosure": {"recipients": "known", "contained": "asked_to_delete"},
        },
        True,
        "yes",
    ),
    Case(
        "a loan letter with a national id number delivered to another customer, then returned",
        "UODO (Poland), decision DKN.5131.28.2023 of 12 March 2024 (Toyota Bank Polska, "
        "PLN 78,575): the other customer opened the letter (name, account number, address, PESEL, "
        "id card number) and the bank fetched it back by courier. Art. 33(1) infringed: the "
        "addressee was no trusted party and PESEL allows identity theft. The bank had written to "
        "the customer, so Art. 34 was not in issue (people: not ruled).",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "misdirected_mail", "malicious": False},
            "data": {"categories": ["identity", "contact", "financial", "national_id"]},
            "subjects": {"categories": ["members"], "people": 1},
            "disclosure": {"recipients": "known", "contained": "returned"},
        },
        True,
        None,
    ),
    Case(
        "a bank employee browsing thousands of customers' accounts out of curiosity",
        "Garante (Italy), order doc. web 10070521 of 2 November 2024 (Intesa Sanpaolo): an "
        "employee made over 6,000 accesses to the accounts of about 3,500 customers without a "
        "work reason; the bank notified the breach but judged the risk not high. The Garante "
        "held it high (financial data, a likely offence, a sector bound to secrecy) and ordered "
        "the bank to inform every customer (Art. 34(4)).",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "insider_misuse"},
            "data": {"categories": ["identity", "financial"]},
            "subjects": {"categories": ["members"], "people": 3500},
            "disclosure": {"recipients": "known", "contained": "none"},
        },
        True,
        "yes",
    ),
    Case(
        "a benefits portal showing applicants' health and family data to other users",
        "Garante (Italy), order doc. web 9344061 of 14 May 2020 (INPS): a caching error let "
        "users of the social security portal see other applicants' data, including health data "
        "and data on minors. INPS notified the breach and published a notice, judging the risk "
        "not high; the Garante held it high and ordered INPS to inform the people (Art. 34(4)).",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "software_error", "malicious": False},
            "data": {
                "categories": ["identity", "contact", "national_id", "special"],
                "special": ["health"],
            },
            "subjects": {"categories": ["other", "minors"]},
            "disclosure": {"recipients": "unknown"},
        },
        True,
        "yes",
    ),
    Case(
        "a web shop's order lookup exposing names and addresses to anyone for years",
        "Datatilsynet (Denmark), decision 2019-441-1581 published 18 December 2019 (nemlig.com): "
        "a page unlinked from the shop returned name, address, customer number and order for any "
        "ten-digit order number, from 2016 to January 2019, for over 250,000 customers, with "
        "logs of seven days only. The shop notified the breach but not the customers; "
        "Datatilsynet found the risk high (protected addresses among them) and ordered them "
        "informed.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "misconfiguration", "malicious": False},
            "data": {"categories": ["identity", "contact", "behavioural"]},
            "subjects": {"categories": ["members"], "people": 250000},
            "disclosure": {"recipients": "unknown"},
        },
        True,
        "yes",
    ),
    Case(
        "a border guard forwarding a driver's identity card and licence on Messenger",
        "VDAI (Lithuania), decision 3R-1029 of 5 August 2025 (State Border Guard Service): "
        "officers posted a fined driver's offence, identity card and driving licence in a work "
        "chat and one forwarded them to an outsider; the controller judged it no risk. Leaked "
        "identity documents are a high risk (identity theft): Art. 33(1) and 34(1) infringed.",
        {
            "breach": {"confidentiality": True, "integrity": False, "availability": False},
            "cause": {"kind": "insider_misuse"},
            "data": {"categories": ["identity", "identity_documents", "vehicle"]},
            "subjects": {"categories": ["other"], "people": 1},
            "disclosure": {"recipients": "known", "contained": "none"},
        },
        True,
        "yes",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_advice_agrees_with_the_authority(case: Case) -> None:
    result = assess(parse_facts(case.facts))
    got = (result.notify_authority, result.notify_subjects)
    want = (case.authority, case.people if case.people is not None else result.notify_subjects)
    assert got == want, (case.source, result.reasons)


def test_every_case_names_its_source_and_both_conclusions() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
    for case in CASES:
        assert case.source and case.people in ("yes", "no", None)
