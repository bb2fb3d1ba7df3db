"""Draft versions: every generation in the audit trail, approval freezes, new facts make v2."""

from __future__ import annotations

import pytest

from sentinel import audit
from sentinel.drafts.errors import DraftError, DraftNotFound
from sentinel.drafts.model import KIND, text_hash
from sentinel.drafts.service import DraftService
from sentinel.incidents.service import Incidents
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock


def _draft_entries(store: SQLiteStore, incident_id: str) -> list[audit.AuditEntry]:
    return [e for e in audit.entries(store, subject=incident_id) if e.action.startswith("draft.")]


def test_each_generation_is_recorded_in_the_audit_trail(
    drafts: DraftService, store: Store, clock: ManualClock, blank_incident: str
) -> None:
    first = drafts.ap(blank_incident, by="fenna")
    assert first.new and first.draft.version == 1
    assert first.draft.id == f"{blank_incident}.ap_initial.nl.v1"
    clock.advance(minutes=5)
    again = drafts.ap(blank_incident, by="fenna")
    assert not again.new and again.draft.id == first.draft.id  # same facts, same text

    entries = _draft_entries(store, blank_incident)
    assert [(e.action, e.actor, e.details["new_version"]) for e in entries] == [
        ("draft.generated", "fenna", True),
        ("draft.generated", "fenna", False),
    ]
    details = entries[0].details
    assert details["draft"] == first.draft.id
    assert details["content_hash"] == text_hash(first.draft.content)
    assert "summary" in details["open_questions"]
    assert entries[1].at == clock.now()
    assert audit.verify(store).ok


def test_an_approved_draft_is_frozen_and_new_facts_make_a_new_version(
    drafts: DraftService,
    incidents: Incidents,
    store: Store,
    clock: ManualClock,
    blank_incident: str,
) -> None:
    incidents.update_facts(blank_incident, {"subjects.people": "100-150"}, by="frank")
    v1 = drafts.ap(blank_incident, by="frank").draft
    clock.advance(hours=1)
    approved = drafts.versions.approve(v1.id, by="fenna", note="submit as is; phased")
    assert approved.approved is not None
    assert (approved.approved.by, approved.approved.at) == ("fenna", clock.now())
    assert approved.approved.content_hash == text_hash(v1.content)
    with pytest.raises(DraftError, match="already approved by fenna"):
        drafts.versions.approve(v1.id, by="someone")

    # Rendering the same facts again returns the approved version untouched.
    same = drafts.ap(blank_incident, by="frank")
    assert not same.new and same.draft.approved is not None

    clock.advance(hours=2)
    incidents.update_facts(blank_incident, {"subjects.people": 212}, by="frank")
    v2 = drafts.ap(blank_incident, by="frank")
    assert v2.new and v2.draft.version == 2 and v2.draft.approved is None
    assert "\n212\n" in v2.draft.content

    stored_v1 = drafts.versions.get(v1.id)
    assert stored_v1.content == v1.content and "100 tot 150" in stored_v1.content
    assert stored_v1.approved is not None and stored_v1.intact
    generated = [e for e in _draft_entries(store, blank_incident) if e.details.get("new_version")]
    assert generated[-1].details["supersedes"] == v1.id
    assert [e.action for e in _draft_entries(store, blank_incident)].count("draft.approved") == 1

    # Nobody approves a version that newer facts have overtaken.
    incidents.update_facts(blank_incident, {"subjects.people": 230}, by="frank")
    v3 = drafts.ap(blank_incident, by="frank").draft
    with pytest.raises(DraftError, match="superseded by version 3"):
        drafts.versions.approve(v2.draft.id, by="fenna")
    assert drafts.versions.approve(v3.id, by="fenna").approved is not None
    assert [d.version for d in drafts.versions.of_incident(blank_incident)] == [1, 2, 3]


def test_a_draft_changed_in_the_store_is_detected_and_cannot_be_approved(
    drafts: DraftService, store: Store, blank_incident: str
) -> None:
    draft = drafts.ap(blank_incident, by="frank").draft
    record = store.get_record(KIND, draft.id)
    assert record is not None
    edited = {**record.data, "content": record.data["content"].replace("reguliere melding", "Oud")}
    store.update_record(KIND, draft.id, edited, record.version)
    assert not drafts.versions.get(draft.id).intact
    with pytest.raises(DraftError, match="changed in the store"):
        drafts.versions.approve(draft.id, by="fenna")
    with pytest.raises(DraftNotFound):
        drafts.versions.get(f"{blank_incident}.ap_initial.nl.v9")


def test_languages_and_formats_are_separate_series(
    drafts: DraftService, blank_incident: str
) -> None:
    ids = {
        drafts.ap(blank_incident, by="f", lang="nl").draft.id,
        drafts.ap(blank_incident, by="f", lang="en").draft.id,
        drafts.ap(blank_incident, by="f", lang="en", fmt="html").draft.id,
    }
    assert ids == {
        f"{blank_incident}.ap_initial.nl.v1",
        f"{blank_incident}.ap_initial.en.v1",
        f"{blank_incident}.ap_initial.en.html.v1",
    }
