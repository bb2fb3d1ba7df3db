"""The assessment against the eighteen cases of the EDPB Guidelines 01/2021.

Source: EDPB, Guidelines 01/2021 on Examples regarding Personal Data Breach
Notification, version 2.0, adopted 14 December 2021. Each test states the facts
of one case in our own words as a facts file, and expects the EDPB's conclusion:
whether the supervisory authority is notified (Art. 33) and whether the people
are informed (Art. 34). The logic under test follows the guidance, not these cases.
"""

from __future__ import annotations

from typing import Any

from sentinel.incidents.assessment import assess
from sentinel.incidents.facts import parse_facts


def _advice(facts: dict[str, Any]) -> tuple[bool, str]:
    result = assess(parse_facts(facts))
    return result.notify_authority, result.notify_subjects


def test_case_01_ransomware_with_backup_and_encryption_at_rest() -> None:
    """EDPB 01/2021 case 1: ransomware with proper backup and without exfiltration.

    The file server of a small manufacturer is encrypted by ransomware. Its data
    was already encrypted at rest with a key the attacker never reached; logs show
    nothing left the network; a backup brought everything back within hours and
    nobody noticed a delay. EDPB: neither notify the SA nor inform the people.
    """
    facts = {
        "breach": {"personal_data": True, "confidentiality": True, "availability": True},
        "cause": {"kind": "ransomware"},
        "data": {"categories": ["contact", "identity"]},
        "subjects": {"categories": ["employees", "other"], "people": "20-60"},
        "encryption": {"state": "strong", "key_safe": True},
        "disclosure": {"exfiltrated": False},
        "availability": {"backup": True, "restored": True, "outage_hours": 4, "impact": "none"},
    }
    assert _advice(facts) == (False, "no")


def test_case_02_ransomware_without_backup() -> None:
    """EDPB 01/2021 case 2: ransomware without proper backup.

    One computer of an agricultural business is encrypted; the logs show no data
    left. There was no electronic backup: the records of a few dozen staff and
    customers were rebuilt from paper over five working days, with some deliveries
    late. EDPB: notify the SA; informing the people is not required.
    """
    facts = {
        "breach": {"confidentiality": False, "integrity": False, "availability": True},
        "cause": {"kind": "ransomware"},
        "data": {"categories": ["contact", "identity"]},
        "subjects": {"people": "20-60"},
        "availability": {
            "backup": False,
            "restored": True,
            "outage_hours": 120,
            "impact": "minor",
        },
    }
    assert _advice(facts) == (True, "no")


def test_case_03_ransomware_in_a_hospital_with_backup() -> None:
    """EDPB 01/2021 case 3: ransomware with backup and without exfiltration in a hospital.

    Much of a hospital's systems is encrypted; nothing was taken. Backups exist but
    restoring takes two working days, during which operations are cancelled and
    care is delayed for thousands of patients. EDPB: notify the SA and inform the people.
    """
    facts = {
        "breach": {"confidentiality": False, "availability": True},
        "cause": {"kind": "ransomware"},
        "data": {"categories": ["contact", "identity", "special"], "special": ["health"]},
        "subjects": {"categories": ["other", "employees"], "people": "1000-5000"},
        "availability": {
            "backup": True,
            "restored": True,
            "outage_hours": 48,
            "impact": "significant",
        },
    }
    assert _advice(facts) == (True, "yes")


def test_case_04_ransomware_without_backup_with_exfiltration() -> None:
    """EDPB 01/2021 case 4: ransomware without backup and with exfiltration.

    A public transport operator's server is encrypted and its data copied out:
    identity card numbers and card payment details of thousands of travellers and
    staff. The backup was encrypted too. EDPB: notify the SA and inform the people.
    """
    facts = {
        "breach": {"confidentiality": True, "availability": True},
        "cause": {"kind": "ransomware"},
        "data": {"categories": ["contact", "identity", "identity_documents", "payment_card"]},
        "subjects": {"people": "2000-10000"},
        "disclosure": {"exfiltrated": True},
        "availability": {"backup": False, "restored": False},
    }
    assert _advice(facts) == (True, "yes")


def test_case_05_job_application_data_taken_from_a_website() -> None:
    """EDPB 01/2021 case 5: exfiltration of job application data from a website.

    Malicious code on a recruitment agency's website gave an attacker the 213 job
    applications (contact details, CVs) kept on the server for a month, while
    hiding its traces; no special categories. EDPB: notify the SA and inform the people.
    """
    facts = {
        "breach": {"confidentiality": True},
        "cause": {"kind": "hacking"},
        "data": {
            "categories": ["contact", "identity"],
            "description": "application forms: contact details, CV, education, work history",
        },
        "subjects": {"categories": ["applicants"], "people": 213},
        "disclosure": {"exfiltrated": True, "recipients": "unknown"},
    }
    assert _advice(facts) == (True, "yes")


def test_case_06_hashed_passwords_taken_from_a_website() -> None:
    """EDPB 01/2021 case 6: exfiltration of hashed passwords from a website.

    An SQL injection on a recipe site yields the user table of 1,200 users:
    self-chosen pseudonyms and passwords hashed with a strong, salted algorithm;
    the salt was not taken. EDPB: neither notify the SA nor inform the people.
    """
    facts = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "hacking"},
        "data": {"categories": ["credentials"]},
        "subjects": {"people": 1200},
        "identification": {"ease": "limited"},
        "encryption": {"state": "strong", "key_safe": True},
        "disclosure": {"exfiltrated": True},
    }
    assert _advice(facts) == (False, "no")


def test_case_07_credential_stuffing_at_a_bank() -> None:
    """EDPB 01/2021 case 7: credential stuffing attack on a banking website.

    An attacker tries a trivial password against every user id of a bank's site.
    A flaw reveals name, gender, date and place of birth and tax code of about
    100,000 customers, and 2,000 accounts using that password are entered. EDPB:
    notify the SA and inform the people.
    """
    facts = {
        "breach": {"confidentiality": True},
        "cause": {"kind": "credential_stuffing"},
        "data": {"categories": ["identity", "national_id", "credentials", "financial"]},
        "subjects": {"categories": ["other"], "people": "2000-100000"},
        "disclosure": {"exfiltrated": True},
        "measures": {"taken": ["site taken offline", "forced password reset"]},
    }
    assert _advice(facts) == (True, "yes")


def test_case_08_employee_takes_client_contacts() -> None:
    """EDPB 01/2021 case 8: exfiltration of business data by an employee.

    During his notice period an employee copies the contact details of the
    company's clients and later uses them to court them for his own business. No
    reassurance about his intentions. EDPB: notify the SA; informing the people is
    not required.
    """
    facts = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "insider_misuse", "actor": "internal_malicious"},
        "data": {"categories": ["contact"]},
        "subjects": {"people": "200-600"},
        "disclosure": {"recipients": "known", "contained": "none"},
    }
    assert _advice(facts) == (True, "no")


def test_case_09_file_shown_to_a_trusted_insurance_agent() -> None:
    """EDPB 01/2021 case 9: accidental transmission of data to a trusted third party.

    A wrongly set up spreadsheet lets an insurance agent, bound by professional
    secrecy, see contact and policy details of two dozen customers outside his
    portfolio. He reports it at once and confirms in writing that he deleted it.
    EDPB: neither notify the SA nor inform the people.
    """
    facts = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "misconfiguration"},
        "data": {"categories": ["contact", "financial"], "insight": "limited"},
        "subjects": {"people": 24},
        "disclosure": {"recipients": "trusted", "contained": "deleted_confirmed"},
    }
    assert _advice(facts) == (False, "no")


def test_case_10_encrypted_tablets_stolen() -> None:
    """EDPB 01/2021 case 10: stolen material storing encrypted personal data.

    Two tablets holding children's names, birth dates and education notes are
    stolen from a day-care centre. They were switched off, fully encrypted and
    protected by a strong password; a backup exists and they were wiped remotely.
    EDPB: neither notify the SA nor inform the people.
    """
    facts = {
        "cause": {"kind": "stolen_device"},
        "data": {"categories": ["identity", "behavioural"]},
        "subjects": {"categories": ["minors"], "people": "30-60"},
        "encryption": {"state": "strong", "key_safe": True},
        "availability": {"backup": True},
        "measures": {"taken": ["remote wipe"]},
    }
    assert _advice(facts) == (False, "no")


def test_case_11_unencrypted_notebook_stolen() -> None:
    """EDPB 01/2021 case 11: stolen material storing non-encrypted personal data.

    A service provider's notebook is stolen with names, sex, addresses and birth
    dates of more than 100,000 customers; the disk had no password or encryption;
    daily backups exist. EDPB: notify the SA and inform the people.
    """
    facts = {
        "cause": {"kind": "stolen_device"},
        "data": {"categories": ["contact", "identity"]},
        "subjects": {"people": "100000-120000"},
        "encryption": {"state": "none"},
        "disclosure": {"recipients": "unknown"},
        "availability": {"backup": True},
    }
    assert _advice(facts) == (True, "yes")


def test_case_12_paper_log_of_a_rehab_clinic_stolen() -> None:
    """EDPB 01/2021 case 12: stolen paper files with sensitive data.

    The paper admissions log of a drug rehabilitation centre, with identity and
    health data of its patients, is stolen from an unlocked room. There is no copy.
    EDPB: notify the SA and inform the people.
    """
    facts = {
        "cause": {"kind": "stolen_paper"},
        "data": {"categories": ["contact", "identity", "special"], "special": ["health"]},
        "subjects": {"categories": ["vulnerable"], "people": "50-150"},
        "encryption": {"state": "none"},
        "disclosure": {"recipients": "unknown"},
        "availability": {"backup": False, "restored": False},
    }
    assert _advice(facts) == (True, "yes")


def test_case_13_two_parcels_swapped() -> None:
    """EDPB 01/2021 case 13: postal mail mistake.

    A shop swaps two packing slips; each of two customers receives the other's
    shoes with the other's name, address and order. The shop recalls both parcels
    and sends them on. EDPB: neither notify the SA nor inform the people.
    """
    facts = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "misdirected_mail", "malicious": False},
        "data": {"categories": ["contact"]},
        "subjects": {"people": 2},
        "disclosure": {"recipients": "known", "contained": "returned"},
    }
    assert _advice(facts) == (False, "no")


def test_case_14_job_seekers_file_attached_by_mistake() -> None:
    """EDPB 01/2021 case 14: highly confidential personal data sent by mail by mistake.

    An employment office mails its registered job seekers about training and by
    mistake attaches the file of all of them: name, email, postal address and
    social security number of more than 60,000 people. It asks the recipients to
    delete it. EDPB: notify the SA and inform the people.
    """
    facts = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "misdirected_email"},
        "data": {"categories": ["contact", "national_id"]},
        "subjects": {"people": "60000-65000"},
        "disclosure": {"recipients": "known", "contained": "asked_to_delete"},
    }
    assert _advice(facts) == (True, "yes")


def test_case_15_course_list_sent_to_former_participants() -> None:
    """EDPB 01/2021 case 15: personal data sent by mail by mistake.

    The list of 15 participants of a language course (names, email addresses and
    meal preferences, two of them lactose intolerant) goes to 15 former
    participants instead of the hotel. Noticed at once; the recipients are asked
    to delete it. EDPB: neither notify the SA nor inform the people.
    """
    facts = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "misdirected_email"},
        "data": {"categories": ["contact"], "special": ["health"], "insight": "minimal"},
        "subjects": {"people": 15},
        "disclosure": {"recipients": "known", "contained": "asked_to_delete"},
    }
    assert _advice(facts) == (False, "no")


def test_case_16_two_insurance_letters_in_one_envelope() -> None:
    """EDPB 01/2021 case 16: postal mail mistake.

    An enveloping machine puts two policyholders' renewal letters into one
    envelope: the other's name, address, date of birth, full number plate,
    premiums and yearly mileage reach a stranger, who keeps them. No bank or
    health data. EDPB: notify the SA; informing the people is not required.
    """
    facts = {
        "breach": {"confidentiality": True, "integrity": False, "availability": False},
        "cause": {"kind": "misdirected_mail", "malicious": False},
        "data": {"categories": ["contact", "identity", "vehicle"]},
        "subjects": {"people": 1},
        "disclosure": {"recipients": "known", "contained": "none"},
    }
    assert _advice(facts) == (True, "no")


def test_case_17_identity_theft_at_a_contact_centre() -> None:
    """EDPB 01/2021 case 17: identity theft.

    A caller poses as a telecom customer, passes the identity check with details
    he already had and has the billing email changed; for a month the customer's
    invoices go to him. EDPB: notify the SA and inform the person.
    """
    facts = {
        "breach": {"confidentiality": True},
        "cause": {"kind": "social_engineering"},
        "data": {"categories": ["contact", "identity", "financial", "behavioural"]},
        "subjects": {"people": 1},
        "disclosure": {"recipients": "unknown"},
    }
    assert _advice(facts) == (True, "yes")


def test_case_18_mailbox_rules_forward_payroll_mail() -> None:
    """EDPB 01/2021 case 18: email exfiltration.

    For three months, rules an attacker set in a retailer's mailboxes forward
    every mail about invoices and payments to an outside address: wages of 89
    employees, and family situation, wages and hours of 10 former employees.
    EDPB: notify the SA and inform the people.
    """
    facts = {
        "breach": {"confidentiality": True},
        "cause": {"kind": "hacking"},
        "data": {"categories": ["contact", "identity", "financial"]},
        "subjects": {"categories": ["employees"], "people": 99},
        "disclosure": {"exfiltrated": True},
    }
    assert _advice(facts) == (True, "yes")
