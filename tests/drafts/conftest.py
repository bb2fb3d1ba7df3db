"""Draft fixtures: incidents in a real SQLite store, a manual clock, facts a DPO would record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.drafts.ap import Organisation
from sentinel.drafts.service import DraftService
from sentinel.events import Event
from sentinel.incidents.service import Incidents
from sentinel.store.base import Store
from tests.conftest import ManualClock
from tests.incidents.conftest import make_alert

ORGANISATION = Organisation(
    name="Wegenwacht Leden B.V.",
    address="Stationsplein 1, 3511 ED Utrecht",
    sector="Automotive: roadside assistance and vehicle services for members",
)

AWARE = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
"""Saturday 28 March 2026 10:00 CET; the clocks go forward the next night."""

FULL_FACTS: dict[str, Any] = {
    "summary": "A partner garage employee exported member records from the partner portal "
    "without a business need.",
    "discovery.how": "Sentinel alert on bulk member views",
    "discovery.source": "internal_detection",
    "dates.started": "2026-03-26T19:00:00+01:00",
    "dates.ended": "2026-03-27T22:30:00+01:00",
    "dates.ongoing": False,
    "dates.discovered": "2026-03-28T08:15:00+01:00",
    "breach.personal_data": True,
    "breach.confidentiality": True,
    "breach.integrity": False,
    "breach.availability": False,
    "breach.nature": ["read", "copied"],
    "cause.kind": "insider_misuse",
    "cause.actor": "internal_malicious",
    "cause.malicious": True,
    "cause.description": "The employee used a valid partner account to page through member "
    "records and export them to a spreadsheet.",
    "data.categories": ["contact", "vehicle", "financial"],
    "data.special": [],
    "data.description": "Name, address, email, number plate, VIN and IBAN.",
    "subjects.categories": ["members"],
    "subjects.description": "Members served through partner garages P01 and P03.",
    "subjects.people": "380-420",
    "subjects.records": "1200-1500",
    "subjects.countries": ["NL", "BE"],
    "identification.ease": "maximum",
    "encryption.state": "none",
    "encryption.description": "Shown in clear text in the portal, as intended for partners.",
    "disclosure.exfiltrated": True,
    "disclosure.recipients": "known",
    "disclosure.contained": "asked_to_delete",
    "disclosure.description": "The employee, who was asked to delete the export.",
    "consequences.likely": ["phishing", "fraud"],
    "consequences.severity": "significant",
    "consequences.description": "Members may receive convincing phishing messages that use "
    "their car and bank details.",
    "measures.prior": ["role-based access for partner staff", "access logging with alerts"],
    "measures.taken": ["partner account suspended", "export deleted at the partner"],
    "measures.planned": ["limit partner exports to 50 records"],
    "measures.high_risk_removed": False,
    "cross_border.applies": True,
    "cross_border.countries": ["BE"],
    "cross_border.lead_authority": "Autoriteit Persoonsgegevens",
    "cross_border.other_authorities": [],
    "processor.involved": False,
    "dpo.name": "Fenna de Vries",
    "dpo.email": "fg@wegenwacht-leden.example",
    "dpo.phone": "+31 30 123 45 67",
    "notifier.name": "Fenna de Vries",
    "notifier.role": "Functionaris gegevensbescherming",
    "notifier.phone": "+31 30 123 45 67",
    "notifier.email": "fg@wegenwacht-leden.example",
    "communication.subjects_informed": "planned",
    "communication.channel": "email",
    "communication.explanation": "High risk of phishing; members are informed by email.",
    "communication.other_supervisors": [],
}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(AWARE)


@pytest.fixture
def incidents(store: Store, clock: ManualClock) -> Incidents:
    return Incidents(store, clock)


@pytest.fixture
def drafts(incidents: Incidents) -> DraftService:
    return DraftService(incidents, organisation=ORGANISATION)


def full_facts() -> dict[str, Any]:
    return dict(FULL_FACTS)


# (member, partner, categories of the event, user who touched it)
TOUCHED: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("M001", "P01", ("contact", "vehicle"), "jdoe"),
    ("M002", "P01", ("contact", "vehicle"), "jdoe"),
    ("M002", "P01", ("contact", "vehicle"), "jdoe"),
    ("M003", "P03", ("contact", "financial"), "jdoe"),
    ("M004", "P03", ("contact", "financial"), "jdoe"),
    ("M005", "direct", ("credentials",), "jdoe"),
    ("M900", "P01", ("contact",), "someone_else"),
)


def write_touched(store: Store, start: datetime) -> None:
    """The events of TOUCHED, a minute apart, and the alert on jdoe that covers them."""
    store.write_events(
        [
            Event(
                id=f"e{i}",
                timestamp=start + timedelta(minutes=i),
                source="partner-portal",
                fields={
                    "event.action": "member.view",
                    "user.name": user,
                    "sentinel.member.id": member,
                    "sentinel.member.partner_id": partner,
                    "sentinel.data_categories": list(categories),
                },
            )
            for i, (member, partner, categories, user) in enumerate(TOUCHED)
        ]
    )
    make_alert(store, "AL-1", user="jdoe", start=start)


@pytest.fixture
def insider_incident(incidents: Incidents, store: Store, clock: ManualClock) -> str:
    """An incident escalated from an alert whose evidence touched members M001-M005."""
    write_touched(store, clock.now() - timedelta(hours=30))
    return incidents.open("Bulk export by a partner user", by="frank", alerts=["AL-1"]).incident.id


@pytest.fixture
def blank_incident(incidents: Incidents) -> str:
    """Opened by hand, nothing recorded yet but the awareness time."""
    return incidents.open("Laptop with member exports stolen", by="frank").incident.id
