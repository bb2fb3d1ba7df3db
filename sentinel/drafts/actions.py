"""The playbooks' ``render_draft`` action, carried out by the draft service.

Two ways in: register ``render_draft_handler`` with ``Runs`` so a completed
step makes its drafts at once, or let ``render_pending`` pick up the actions
that were requested while no renderer was registered (they stay ``requested``
on the run until then). Either way the action is resolved on the run — done
with the draft ids, or failed with the reason — and recorded in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.drafts.errors import DraftError
from sentinel.drafts.service import DraftService, Made
from sentinel.incidents.model import IncidentError
from sentinel.incidents.runs import ActionHandler, ActionRequest, Runs


def describe(made: list[Made]) -> str:
    return "; ".join(f"{m.draft.id} ({'new' if m.new else 'unchanged'})" for m in made)


def render_draft_handler(service: DraftService) -> ActionHandler:
    """Make that kind of draft in Dutch and English; the result names the versions."""

    def handle(request: ActionRequest) -> str:
        return describe(service.render_kind(request.incident, request.action.value, by=request.by))

    return handle


@dataclass(frozen=True, slots=True)
class Resolved:
    incident: str
    step: str
    draft: str
    ok: bool
    result: str


def render_pending(runs: Runs, service: DraftService, *, by: str) -> list[Resolved]:
    """Carry out every ``render_draft`` action still requested on any playbook run."""
    out = []
    for incident_id, index, action in runs.pending_actions("render_draft"):
        try:
            result, ok = describe(service.render_kind(incident_id, action.value, by=by)), True
        except (DraftError, IncidentError) as exc:
            result, ok = str(exc), False
        runs.resolve_action(
            incident_id, index, status="done" if ok else "failed", result=result, by=by
        )
        out.append(Resolved(incident_id, action.step, action.value, ok, result))
    return out
