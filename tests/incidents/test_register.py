"""The breach register: every incident, notified or not, with facts, decisions and reasons."""

from __future__ import annotations

import csv
import io

import orjson

from sentinel.incidents.decisions import decide
from sentinel.incidents.notifications import record_notification
from sentinel.incidents.register import COLUMNS, Controller, write_csv, write_json
from sentinel.incidents.service import Incidents
from tests.conftest import ManualClock


def _fill(incidents: Incidents, clock: ManualClock) -> tuple[str, str, str]:
    notified = incidents.open("Credential stuffing on the garage portal", by="carol").incident.id
    incidents.update_facts(
        notified,
        {
            "summary": "attackers logged into 12 garage accounts",
            "cause.kind": "credential_stuffing",
            "data.categories": ["contact", "vehicle"],
            "subjects.people": "300-450",
            "measures.taken": ["passwords reset", "addresses blocked"],
        },
        by="carol",
    )
    decide(
        incidents,
        notified,
        notify_authority="yes",
        notify_subjects="yes",
        reason="vehicle and contact data in attackers' hands",
        by="dpo",
    )
    clock.advance(hours=20)
    record_notification(incidents, notified, kind="initial", by="dpo", reference="AP-2026-17")
    record_notification(incidents, notified, kind="follow_up", by="dpo")

    declined = incidents.open("Encrypted laptop lost", by="carol").incident.id
    incidents.update_facts(
        declined,
        {
            "encryption.state": "strong",
            "encryption.key_safe": True,
            "cause.kind": "lost_device",
            "availability.backup": True,
        },
        by="carol",
    )
    decide(
        incidents,
        declined,
        notify_authority="no",
        notify_subjects="no",
        reason="full-disk encryption, key safe",
        by="dpo",
    )
    incidents.close(declined, by="carol", reason="device wiped; recorded in the register")
    pending = incidents.open("Export by a partner employee", by="carol").incident.id
    return notified, declined, pending


def test_json_register_has_every_incident(incidents: Incidents, clock: ManualClock) -> None:
    notified, declined, pending = _fill(incidents, clock)
    out = io.StringIO()
    count = write_json(
        out, incidents, Controller("Garage Connect B.V.", "Utrecht", "fg@example.nl"), clock.now()
    )
    doc = orjson.loads(out.getvalue())
    assert count == 3
    assert doc["controller"]["name"] == "Garage Connect B.V."
    by_id = {e["id"]: e for e in doc["incidents"]}
    assert set(by_id) == {notified, declined, pending}
    first = by_id[notified]
    assert first["facts"]["subjects"]["people"] == {"min": 300, "max": 450}
    assert first["facts"]["measures"]["taken"] == ["passwords reset", "addresses blocked"]
    assert first["decision"]["reason"] == "vehicle and contact data in attackers' hands"
    assert [n["kind"] for n in first["authority_notifications"]] == ["initial", "follow_up"]
    assert first["initial_notification"]["reference"] == "AP-2026-17"
    assert first["assessment"]["reasons"]
    second = by_id[declined]
    assert second["decision"]["notify_authority"] == "no"
    assert second["closed"]["reason"] == "device wiped; recorded in the register"
    assert by_id[pending]["decision"] is None
    assert "subjects.people" in by_id[pending]["unknown_facts"]


def test_csv_register_one_row_per_incident(incidents: Incidents, clock: ManualClock) -> None:
    notified, declined, _pending = _fill(incidents, clock)
    out = io.StringIO()
    assert write_csv(out, incidents) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(COLUMNS)
    by_id = {r["id"]: r for r in rows}
    row = by_id[notified]
    assert row["people_count"] == "300-450"
    assert row["measures_taken"] == "passwords reset; addresses blocked"
    assert row["ap_reference"] == "AP-2026-17"
    assert row["ap_notified_late"] == "no"
    assert row["ap_follow_ups"] == "1"
    assert row["awareness"] == "2026-03-10T13:00:00+01:00"
    assert row["deadline"] == "2026-03-13T13:00:00+01:00"
    assert row["decision_notify_ap"] == "yes"
    assert row["records_count"] == "unknown"
    assert by_id[declined]["decision_reason"] == "full-disk encryption, key safe"
    assert by_id[declined]["recommended_notify_ap"] == "no"


def test_empty_register_still_has_its_header(incidents: Incidents) -> None:
    out = io.StringIO()
    assert write_csv(out, incidents) == 0
    assert out.getvalue().splitlines() == [",".join(COLUMNS)]
