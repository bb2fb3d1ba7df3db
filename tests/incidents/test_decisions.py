"""The privacy officer's decision, kept with name, time, reason and the advice it departs from."""

from __future__ import annotations

import pytest

from sentinel import audit
from sentinel.incidents.decisions import decide, history
from sentinel.incidents.model import IncidentError
from sentinel.incidents.service import Incidents
from tests.conftest import ManualClock

LOST_ENCRYPTED = {
    "cause.kind": "lost_device",
    "data.categories": ["contact", "vehicle"],
    "encryption.state": "strong",
    "encryption.key_safe": True,
    "availability.backup": True,
}


def test_decision_follows_the_advice(incidents: Incidents, clock: ManualClock) -> None:
    inc_id = incidents.open("Encrypted laptop lost on the train", by="carol").incident.id
    incidents.update_facts(inc_id, LOST_ENCRYPTED, by="carol")
    decision = decide(
        incidents,
        inc_id,
        notify_authority="no",
        notify_subjects="no",
        reason="full-disk encryption, key not on the device: unintelligible to the finder",
        by="dpo.irene",
    )
    assert decision.id == f"{inc_id}-D01"
    assert decision.follows_recommendation
    assert decision.recommendation["notify_authority"] == "no"
    assert decision.at == clock.now()
    inc = incidents.get(inc_id).incident
    assert inc.decision is not None and inc.decision.by == "dpo.irene"
    assert (inc.status, inc.clock_running) == ("not_notified", False)
    assert audit.entries(incidents.store, subject=inc_id)[-1].action == "incident.decision"


def test_decision_may_depart_from_the_advice(incidents: Incidents, clock: ManualClock) -> None:
    inc_id = incidents.open("Encrypted laptop lost", by="carol").incident.id
    incidents.update_facts(inc_id, LOST_ENCRYPTED, by="carol")
    decide(incidents, inc_id, notify_authority="no", notify_subjects="no", reason="r1", by="dpo")
    clock.advance(hours=2)
    second = decide(
        incidents,
        inc_id,
        notify_authority="yes",
        notify_subjects="no",
        reason="the key may have been on a note in the laptop bag; notify as a precaution",
        by="dpo",
    )
    assert second.id == f"{inc_id}-D02"
    assert not second.follows_recommendation
    assert [d.id for d in history(incidents.store, inc_id)] == [f"{inc_id}-D01", f"{inc_id}-D02"]
    inc = incidents.get(inc_id).incident
    assert inc.status == "assessed"
    assert inc.clock_running


def test_decision_needs_a_reason_and_valid_answers(incidents: Incidents) -> None:
    inc_id = incidents.open("x", by="c").incident.id
    with pytest.raises(IncidentError, match="reason"):
        decide(incidents, inc_id, notify_authority="yes", notify_subjects="yes", reason="", by="d")
    with pytest.raises(IncidentError, match="yes or no"):
        decide(
            incidents, inc_id, notify_authority="maybe", notify_subjects="no", reason="r", by="d"
        )
    with pytest.raises(IncidentError, match="public_communication"):
        decide(incidents, inc_id, notify_authority="yes", notify_subjects="all", reason="r", by="d")
    assert history(incidents.store, inc_id) == []
