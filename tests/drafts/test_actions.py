"""The playbooks' render_draft actions are carried out by the draft renderer."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel import audit
from sentinel.drafts.actions import render_draft_handler, render_pending
from sentinel.drafts.errors import DraftError
from sentinel.drafts.service import DraftService
from sentinel.incidents.decisions import decide
from sentinel.incidents.playbooks import DRAFTS, load_playbooks
from sentinel.incidents.runs import Runs, default_handlers
from sentinel.incidents.service import Incidents
from sentinel.store.base import Store
from tests.conftest import ManualClock
from tests.drafts.conftest import ORGANISATION, full_facts

SHIPPED = Path(__file__).resolve().parents[2] / "playbooks"


@pytest.fixture
def books() -> dict:  # type: ignore[type-arg]
    loaded, errors = load_playbooks(SHIPPED)
    assert not errors
    return loaded


def _walk_to_notification(runs: Runs, incidents: Incidents, inc: str) -> None:
    for step in ("triage", "contain", "evidence", "scope", "assess", "brief_management"):
        runs.complete(inc, step, by="frank")
    decide(
        incidents,
        inc,
        notify_authority="yes",
        notify_subjects="yes",
        reason="contact, vehicle and bank data in the hands of a person who misused access",
        by="fenna",
    )
    runs.complete(inc, "decide", by="fenna")
    runs.complete(inc, "notify_ap", by="fenna")


def test_a_completed_step_makes_its_drafts_through_the_registered_handler(
    drafts: DraftService,
    incidents: Incidents,
    clock: ManualClock,
    insider_incident: str,
    books: dict,  # type: ignore[type-arg]
) -> None:
    handlers = {**default_handlers(incidents), "render_draft": render_draft_handler(drafts)}
    runs = Runs(incidents.store, clock, incidents, books, handlers)
    runs.start(insider_incident, "general_breach", by="frank")
    incidents.update_facts(insider_incident, full_facts(), by="frank")
    _walk_to_notification(runs, incidents, insider_incident)

    run, _ = runs.require(insider_incident)
    rendered = [a for a in run.actions if a.kind == "render_draft"]
    assert [(a.step, a.value, a.status) for a in rendered] == [
        ("brief_management", "management_summary", "done"),
        ("notify_ap", "ap_initial", "done"),
    ]
    assert rendered[1].result == (
        f"{insider_incident}.ap_initial.nl.v1 (new); {insider_incident}.ap_initial.en.v1 (new)"
    )
    series = {d.series for d in drafts.versions.of_incident(insider_incident)}
    assert {"ap_initial.nl", "ap_initial.en", "management_summary.nl"} <= series


def test_requested_drafts_are_picked_up_later_and_failures_say_why(
    drafts: DraftService,
    incidents: Incidents,
    store: Store,
    clock: ManualClock,
    insider_incident: str,
    books: dict,  # type: ignore[type-arg]
) -> None:
    runs = Runs(incidents.store, clock, incidents, books, default_handlers(incidents))
    runs.start(insider_incident, "general_breach", by="frank")
    _walk_to_notification(runs, incidents, insider_incident)
    assert len(runs.pending_actions("render_draft")) == 2  # no renderer was registered

    resolved = render_pending(runs, drafts, by="sentinel")
    assert [(r.step, r.draft, r.ok) for r in resolved] == [
        ("brief_management", "management_summary", True),
        ("notify_ap", "ap_initial", True),
    ]
    assert runs.pending_actions("render_draft") == []
    assert render_pending(runs, drafts, by="sentinel") == []

    # A follow-up needs the initial notification recorded: the action fails with the reason.
    runs.complete(insider_incident, "follow_up", by="fenna")
    (failed,) = render_pending(runs, drafts, by="sentinel")
    assert not failed.ok and "record that first" in failed.result
    run, _ = runs.require(insider_incident)
    assert run.actions[-1].status == "failed"
    entries = audit.entries(store, subject=insider_incident, limit=500)
    resolutions = [
        e.details["status"]
        for e in entries
        if e.action == "playbook.action" and e.details["action"].startswith("render_draft")
    ]
    assert resolutions == ["done", "done", "failed"]
    assert audit.verify(store).ok


def test_every_draft_a_playbook_can_ask_for_can_be_made(
    drafts: DraftService, insider_incident: str
) -> None:
    for kind in DRAFTS:
        if kind in ("ap_follow_up", "ap_withdrawal"):
            continue  # these need an initial notification first (tested above)
        made = drafts.render_kind(insider_incident, kind, by="sentinel")
        assert made and all(m.draft.kind == kind for m in made)


def test_letters_from_a_playbook_step_use_the_configured_member_directory(
    incidents: Incidents, insider_incident: str, tmp_path: Path
) -> None:
    directory = tmp_path / "members.csv"
    directory.write_text(
        "member_id,name,email,language\n"
        "M001,Anna de Boer,anna@example.nl,nl\n"
        "M002,Ben Smith,ben@example.com,en\n"
        "M003,Chris Peeters,chris@example.be,nl\n",
        encoding="utf-8",
    )
    incidents.update_facts(insider_incident, full_facts(), by="frank")
    without = DraftService(incidents, organisation=ORGANISATION)
    assert len(without.render_kind(insider_incident, "member_letters", by="sentinel")) == 6

    configured = DraftService(
        incidents, organisation=ORGANISATION, member_directory=lambda: directory
    )
    made = configured.render_kind(insider_incident, "member_letters", by="sentinel")
    # Only Ben reads English; M004 and M005 are not in the directory and get the default, Dutch.
    assert sorted(m.draft.series for m in made) == [
        "member_letters.P01-contact+vehicle.en",
        "member_letters.P01-contact+vehicle.nl",
        "member_letters.P03-contact+financial.nl",
        "member_letters.direct-credentials.nl",
    ]

    broken = DraftService(
        incidents, organisation=ORGANISATION, member_directory=lambda: tmp_path / "gone.csv"
    )
    with pytest.raises(DraftError, match=r"^the member_directory setting: .*gone\.csv: cannot"):
        broken.render_kind(insider_incident, "member_letters", by="sentinel")
