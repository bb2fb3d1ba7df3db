"""Phased notification: initial, follow-ups with the AP's reference, withdrawal; members."""

from __future__ import annotations

import pytest

from sentinel import audit
from sentinel.incidents.model import IncidentError
from sentinel.incidents.notifications import record_notification
from sentinel.incidents.service import Incidents
from tests.conftest import ManualClock


def test_initial_follow_up_and_withdrawal(incidents: Incidents, clock: ManualClock) -> None:
    inc_id = incidents.open("Partner portal showed other members", by="carol").incident.id
    incidents.update_facts(inc_id, {"summary": "portal bug", "subjects.people": "10-300"}, by="c")
    with pytest.raises(IncidentError, match="initial notification to the AP first"):
        record_notification(incidents, inc_id, kind="follow_up", by="dpo")

    record_notification(incidents, inc_id, kind="initial", by="dpo", reference="2026-0042")
    with pytest.raises(IncidentError, match="already notified"):
        record_notification(incidents, inc_id, kind="initial", by="dpo")

    clock.advance(hours=20)
    incidents.update_facts(
        inc_id, {"subjects.people": 57, "data.categories": ["contact", "vehicle"]}, by="c"
    )
    inc = record_notification(incidents, inc_id, kind="follow_up", by="dpo").incident
    follow_up = inc.notifications[-1]
    assert follow_up.reference == "2026-0042"
    assert follow_up.changed == ["data.categories", "subjects.people"]
    assert follow_up.facts["subjects"]["people"] == {"min": 57, "max": 57}

    with pytest.raises(IncidentError, match="needs the reason"):
        record_notification(incidents, inc_id, kind="withdrawal", by="dpo")
    inc = record_notification(
        incidents,
        inc_id,
        kind="withdrawal",
        by="dpo",
        reason="the pages shown were test accounts, not members",
    ).incident
    assert [(n.kind, n.reference) for n in inc.notifications] == [
        ("initial", "2026-0042"),
        ("follow_up", "2026-0042"),
        ("withdrawal", "2026-0042"),
    ]
    actions = [e.action for e in audit.entries(incidents.store, subject=inc_id)]
    assert actions.count("incident.notification") == 3
    assert inc.timeline[-1].details["kind"] == "withdrawal"


def test_follow_up_needs_a_reference(incidents: Incidents) -> None:
    inc_id = incidents.open("x", by="c").incident.id
    record_notification(incidents, inc_id, kind="initial", by="dpo")
    with pytest.raises(IncidentError, match="reference number"):
        record_notification(incidents, inc_id, kind="follow_up", by="dpo")
    inc = record_notification(
        incidents, inc_id, kind="follow_up", by="dpo", reference="AP-9"
    ).incident
    assert inc.authority_reference() == "AP-9"


def test_members_informed(incidents: Incidents, clock: ManualClock) -> None:
    inc_id = incidents.open("Credential stuffing on the member portal", by="c").incident.id
    inc = record_notification(
        incidents, inc_id, to="members", kind="communication", by="dpo", channel="email", count=212
    ).incident
    facts = inc.parsed_facts()
    assert facts.value("communication.subjects_informed") == "yes"
    assert facts.value("communication.subjects_informed_at") == clock.now()
    assert facts.value("communication.channel") == "email"
    assert inc.notifications[0].count == 212
    with pytest.raises(IncidentError, match="communication"):
        record_notification(incidents, inc_id, to="members", kind="initial", by="dpo")
