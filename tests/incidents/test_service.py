"""Incidents: opening (by hand and from alerts), facts, status, people, concurrency, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel import audit
from sentinel.incidents.facts import UNKNOWN
from sentinel.incidents.model import IncidentError
from sentinel.incidents.service import Incidents
from sentinel.store.base import ConflictError, Store
from sentinel.store.query import EventQuery
from tests.conftest import ManualClock
from tests.incidents.conftest import make_alert


def test_open_by_hand(incidents: Incidents, clock: ManualClock) -> None:
    loaded = incidents.open("Laptop of a back-office employee stolen", by="carol")
    inc = loaded.incident
    assert inc.id == "INC-2026-0001"
    assert (inc.status, inc.severity, inc.created_by) == ("triage", "medium", "carol")
    assert inc.awareness is not None
    assert inc.awareness.at == clock.now()
    assert inc.awareness.reason == "default: the time the incident was opened by hand"
    assert inc.parsed_facts().value("dates.aware") == clock.now()
    assert [t.action for t in inc.timeline] == ["incident.opened"]
    assert incidents.open("Second", by="carol").incident.id == "INC-2026-0002"
    assert [e.action for e in audit.entries(incidents.store, subject=inc.id)] == ["incident.opened"]


def test_open_from_alerts_takes_the_evidence_along(
    incidents: Incidents, store: Store, clock: ManualClock
) -> None:
    start = clock.now() - timedelta(hours=3)
    a1 = make_alert(store, "AL-1", user="jdoe", start=start, severity="medium")
    a2 = make_alert(
        store,
        "AL-2",
        user="partner7",
        start=start,
        severity="high",
        categories=("financial", "bogus"),
    )
    inc = incidents.open("Member data viewed in bulk", by="dave", alerts=["AL-1", "AL-2"]).incident
    assert inc.alerts == ["AL-1", "AL-2"]
    assert [e.query for e in inc.evidence] == [a1["evidence"], a2["evidence"]]
    assert EventQuery.from_dict(inc.evidence[0].query).start == start
    assert inc.severity == "high"
    assert inc.playbook == "insider_misuse"
    assert inc.awareness is not None
    assert inc.awareness.reason.endswith("escalated from AL-1, AL-2")
    facts = inc.parsed_facts()
    assert facts.value("data.categories") == ["contact", "financial", "identity"]
    assert facts.value("discovery.source") == "internal_detection"
    assert facts.value("dates.discovered") == start + timedelta(hours=1)
    with pytest.raises(IncidentError, match="no alert AL-9"):
        incidents.open("x", by="dave", alerts=["AL-9"])


def test_awareness_is_explicit_with_who_and_why(incidents: Incidents, clock: ManualClock) -> None:
    inc_id = incidents.open("Misdirected letter", by="carol").incident.id
    earlier = clock.now() - timedelta(hours=5)
    inc = incidents.set_awareness(
        inc_id, earlier, by="erin", reason="the member phoned the help desk at 07:00"
    ).incident
    assert inc.awareness is not None
    assert (inc.awareness.at, inc.awareness.by) == (earlier, "erin")
    assert inc.parsed_facts().value("dates.aware") == earlier
    assert inc.timeline[-1].details["before"]["by"] == "carol"
    with pytest.raises(IncidentError, match="future"):
        incidents.set_awareness(inc_id, clock.now() + timedelta(hours=1), by="e", reason="r")
    with pytest.raises(IncidentError, match="reason"):
        incidents.set_awareness(inc_id, earlier, by="erin", reason=" ")


def test_facts_changes_are_recorded(incidents: Incidents) -> None:
    inc_id = incidents.open("Lost USB stick", by="carol").incident.id
    loaded = incidents.update_facts(
        inc_id,
        {"cause.kind": "lost_device", "subjects.people": "40-60", "encryption.state": "none"},
        by="carol",
    )
    facts = loaded.incident.parsed_facts()
    assert facts.value("cause.kind") == "lost_device"
    assert str(facts.value("subjects.people")) == "40-60"
    last = loaded.incident.timeline[-1]
    assert last.action == "incident.facts"
    assert last.details["facts"]["subjects.people"] == {"min": 40, "max": 60}
    again = incidents.update_facts(inc_id, {"subjects.people": UNKNOWN}, by="carol")
    assert again.incident.timeline[-1].details["facts"] == {"subjects.people": "unknown"}
    unchanged = incidents.update_facts(inc_id, {"cause.kind": "lost_device"}, by="carol")
    assert unchanged.version == again.version
    with pytest.raises(IncidentError, match=r"cause\.kind: Input should be"):
        incidents.update_facts(inc_id, {"cause.kind": "gremlins"}, by="carol")
    entries = audit.entries(incidents.store, subject=inc_id)
    assert [e.action for e in entries] == ["incident.opened", "incident.facts", "incident.facts"]


def test_concurrent_edits_the_stale_save_conflicts(incidents: Incidents) -> None:
    inc_id = incidents.open("Phishing of a partner account", by="carol").incident.id
    mine = incidents.get(inc_id)
    theirs = incidents.get(inc_id)
    mine.incident.title = "Phishing of partner P03's account"
    incidents.save(mine, "carol", "incident.updated", {"title": "renamed"})
    theirs.incident.severity = "critical"
    with pytest.raises(ConflictError, match="changed by someone else"):
        incidents.save(theirs, "dave", "incident.updated", {"severity": "critical"})
    kept = incidents.get(inc_id).incident
    assert (kept.title, kept.severity) == ("Phishing of partner P03's account", "medium")
    with pytest.raises(ConflictError):
        incidents.update_facts(
            inc_id, {"cause.kind": "phishing"}, by="dave", version=theirs.version
        )


def test_status_moves_and_closing(incidents: Incidents) -> None:
    inc_id = incidents.open("Wrong member shown in portal", by="carol").incident.id
    assert incidents.set_status(inc_id, "contained", by="carol").incident.status == "contained"
    with pytest.raises(IncidentError, match="can become assessed, closed, triage, not 'notified'"):
        incidents.set_status(inc_id, "notified", by="carol")
    with pytest.raises(IncidentError, match="needs a reason"):
        incidents.close(inc_id, by="carol", reason="")
    closed = incidents.close(inc_id, by="carol", reason="not a personal data breach").incident
    assert (closed.status, closed.open, closed.clock_running) == ("closed", False, False)
    assert closed.closed is not None and closed.closed.reason == "not a personal data breach"
    with pytest.raises(IncidentError, match="already closed"):
        incidents.close(inc_id, by="carol", reason="again")


def test_people_and_notes(incidents: Incidents) -> None:
    inc_id = incidents.open("Insider export", by="carol", commander="frank").incident.id
    inc = incidents.update(
        inc_id, by="frank", severity="high", add=["grace", "heidi"], remove=["carol"]
    ).incident
    assert (inc.severity, inc.commander, inc.participants) == ("high", "frank", ["grace", "heidi"])
    inc = incidents.add_note(inc_id, "HR informed; account suspended", by="frank").incident
    assert inc.notes[-1].text == "HR informed; account suspended"
    with pytest.raises(IncidentError, match="severity must be one of"):
        incidents.update(inc_id, by="frank", severity="apocalyptic")


def test_list_newest_first_and_by_status(incidents: Incidents, clock: ManualClock) -> None:
    first = incidents.open("one", by="c").incident.id
    clock.advance(minutes=5)
    second = incidents.open("two", by="c").incident.id
    incidents.set_status(first, "contained", by="c")
    assert [i.id for i in incidents.list()] == [second, first]
    assert [i.id for i in incidents.list(status="contained")] == [first]


def test_every_change_keeps_the_audit_chain_intact(incidents: Incidents) -> None:
    inc_id = incidents.open("Chain", by="c").incident.id
    incidents.update_facts(inc_id, {"summary": "x"}, by="c")
    incidents.add_note(inc_id, "n", by="c")
    incidents.set_status(inc_id, "contained", by="c")
    result = audit.verify(incidents.store)
    assert result.ok and result.entries == 4
