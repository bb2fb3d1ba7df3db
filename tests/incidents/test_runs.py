"""Playbook runs: who completed which step when, skipped steps, and the actions requested."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sentinel import audit
from sentinel.incidents.decisions import decide
from sentinel.incidents.model import IncidentError
from sentinel.incidents.playbooks import load_playbooks
from sentinel.incidents.runs import ActionRequest, Runs, default_handlers
from sentinel.incidents.service import Incidents
from sentinel.notify import outbox
from tests.conftest import ManualClock

SHIPPED = Path(__file__).resolve().parents[2] / "playbooks"


@pytest.fixture
def runs(incidents: Incidents, clock: ManualClock) -> Runs:
    books, errors = load_playbooks(SHIPPED)
    assert not errors
    return Runs(incidents.store, clock, incidents, books, default_handlers(incidents))


def test_run_records_who_completed_which_step_when(
    runs: Runs, incidents: Incidents, clock: ManualClock
) -> None:
    inc_id = incidents.open("Letter to the wrong member", by="carol").incident.id
    runs.start(inc_id, "misdirected_communication", by="carol")
    clock.advance(minutes=30)
    incidents.update_facts(inc_id, {"summary": "invoice sent to M2 instead of M1"}, by="carol")
    run = runs.complete(inc_id, "triage", by="carol", note="checked the mail log")
    done = run.steps["triage"]
    assert (done.status, done.by, done.at, done.note) == (
        "done",
        "carol",
        clock.now(),
        "checked the mail log",
    )
    assert "cause.kind" in done.unknown_facts and "summary" not in done.unknown_facts
    # The step's notify action was carried out by the default handler.
    assert [(a.kind, a.value, a.status) for a in run.actions] == [("notify", "default", "done")]
    assert outbox.pending(incidents.store)[0].id == f"playbook:{inc_id}:triage:default"
    with pytest.raises(IncidentError, match="already done"):
        runs.complete(inc_id, "triage", by="carol")
    actions = [e.action for e in audit.entries(incidents.store, subject=inc_id)]
    assert actions == [
        "incident.opened",
        "playbook.started",
        "incident.facts",
        "playbook.step",
        "playbook.action",
    ]


def test_actions_are_requested_and_handed_to_handlers(runs: Runs, incidents: Incidents) -> None:
    inc_id = incidents.open("Lost laptop", by="carol").incident.id
    runs.start(inc_id, "lost_device", by="carol")
    run = runs.complete(inc_id, "contain", by="carol")
    assert run.actions[-1].kind == "set_status" and run.actions[-1].status == "done"
    assert incidents.get(inc_id).incident.status == "contained"

    decide(incidents, inc_id, notify_authority="yes", notify_subjects="yes", reason="r", by="dpo")
    run = runs.complete(inc_id, "notify_ap", by="dpo")
    draft = run.actions[-1]
    assert (draft.kind, draft.value, draft.status) == ("render_draft", "ap_initial", "requested")
    pending = runs.pending_actions("render_draft")
    assert [(i, a.value) for i, _n, a in pending] == [(inc_id, "ap_initial")]
    runs.resolve_action(inc_id, pending[0][1], status="done", result="draft v1", by="dpo")
    assert runs.pending_actions("render_draft") == []


def test_a_draft_renderer_can_plug_in(incidents: Incidents, clock: ManualClock) -> None:
    books, _errors = load_playbooks(SHIPPED)
    asked: list[ActionRequest] = []

    def render(request: ActionRequest) -> str:
        asked.append(request)
        return f"rendered {request.action.value}"

    def broken(request: ActionRequest) -> str:
        raise RuntimeError("SMTP down")

    runs = Runs(
        incidents.store, clock, incidents, books, {"render_draft": render, "notify": broken}
    )
    inc_id = incidents.open("x", by="c").incident.id
    runs.start(inc_id, "general_breach", by="c")
    run = runs.complete(inc_id, "brief_management", by="c")
    assert [r.action.value for r in asked] == ["management_summary"]
    assert run.actions[-1].result == "rendered management_summary"
    run = runs.complete(inc_id, "triage", by="c")
    assert (run.actions[-1].status, run.actions[-1].result) == ("failed", "SMTP down")
    assert run.steps["triage"].status == "done"


def test_conditions_decide_which_steps_apply(runs: Runs, incidents: Incidents) -> None:
    inc_id = incidents.open("y", by="c").incident.id
    runs.start(inc_id, "general_breach", by="c")
    states = {v.step.id: v.state for v in runs.view(inc_id)}
    assert states["notify_ap"] == "waiting"
    assert states["triage"] == "open"
    waiting = next(v for v in runs.view(inc_id) if v.step.id == "notify_ap")
    assert waiting.waiting_on == ["decision notify_authority"]

    decide(incidents, inc_id, notify_authority="no", notify_subjects="no", reason="r", by="dpo")
    states = {v.step.id: v.state for v in runs.view(inc_id)}
    assert states["notify_ap"] == "not_applicable"
    with pytest.raises(IncidentError, match="does not apply"):
        runs.complete(inc_id, "notify_ap", by="dpo")
    with pytest.raises(IncidentError, match="needs a reason"):
        runs.skip(inc_id, "notify_ap", by="dpo", reason="")
    run = runs.skip(inc_id, "notify_ap", by="dpo", reason="decided not to notify")
    assert run.steps["notify_ap"].status == "skipped"
    assert {v.step.id: v.state for v in runs.view(inc_id)}["notify_ap"] == "skipped"


def test_due_times_follow_awareness_and_other_steps(
    runs: Runs, incidents: Incidents, clock: ManualClock
) -> None:
    inc = incidents.open("z", by="c").incident
    runs.start(inc.id, "general_breach", by="c")
    views = {v.step.id: v for v in runs.view(inc.id)}
    assert inc.awareness is not None
    assert views["notify_ap"].due == inc.awareness.at + timedelta(hours=72)
    assert views["triage"].due == inc.created + timedelta(hours=2)
    assert views["contain"].due is None  # after triage, which is not done yet
    clock.advance(hours=1)
    runs.complete(inc.id, "triage", by="c")
    views = {v.step.id: v for v in runs.view(inc.id)}
    assert views["contain"].due == clock.now() + timedelta(hours=4)


def test_one_run_per_incident_and_known_playbooks(runs: Runs, incidents: Incidents) -> None:
    inc_id = incidents.open("w", by="c").incident.id
    with pytest.raises(IncidentError, match="no playbook 'nope'"):
        runs.start(inc_id, "nope", by="c")
    runs.start(inc_id, "ransomware", by="c")
    with pytest.raises(IncidentError, match="already runs playbook ransomware"):
        runs.start(inc_id, "general_breach", by="c")
    with pytest.raises(IncidentError, match="has no step 'triage'"):
        runs.complete(inc_id, "triage", by="c")
