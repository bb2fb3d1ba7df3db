"""A playbook run: who completed or skipped which step when, and the actions the steps asked for.

A run is one record (kind "playbook_run", id = the incident id). Completing a
step records the person, the time, a note and which of the facts it asks for
were still unknown; then each of the step's actions is recorded as requested
and handed to the handler registered for its kind. Handlers are how later parts
plug in: the draft renderer registers ``render_draft``; until then such
requests stay ``requested`` on the run, where it can pick them up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sentinel import audit
from sentinel.clock import Clock
from sentinel.incidents.facts import UNKNOWN
from sentinel.incidents.facts import Time as _Time
from sentinel.incidents.model import Incident, IncidentError
from sentinel.incidents.playbooks import Action, Playbook, Step, due_at, evaluate, waiting_on
from sentinel.incidents.service import Incidents
from sentinel.notify.outbox import Notification, enqueue
from sentinel.store.base import ConflictError, Record, Store

KIND = "playbook_run"


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StepRecord(_Doc):
    status: Literal["done", "skipped"]
    by: str
    at: _Time
    note: str | None = None
    unknown_facts: list[str] = Field(default_factory=list)


class ActionRecord(_Doc):
    step: str
    kind: str
    value: str
    status: Literal["requested", "done", "failed"]
    requested: _Time
    by: str
    result: str | None = None
    resolved: _Time | None = None


class Run(_Doc):
    incident: str
    playbook: str
    started: _Time
    started_by: str
    steps: dict[str, StepRecord] = Field(default_factory=dict)
    actions: list[ActionRecord] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ActionRequest:
    incident: str
    step: str
    action: Action
    by: str


ActionHandler = Callable[[ActionRequest], str | None]
"""Carries an action out and returns a short result; raising marks the action failed."""


@dataclass(frozen=True, slots=True)
class StepView:
    step: Step
    state: Literal["done", "skipped", "open", "waiting", "not_applicable"]
    due: datetime | None
    record: StepRecord | None
    missing: list[str]
    """Facts the step asks for that are still unknown."""
    waiting_on: list[str]
    """Facts or decisions its condition needs before it can be told whether it applies."""


class Runs:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        incidents: Incidents,
        playbooks: Mapping[str, Playbook],
        handlers: Mapping[str, ActionHandler] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.incidents = incidents
        self.playbooks = playbooks
        self.handlers = dict(handlers) if handlers is not None else {}

    # reading ---------------------------------------------------------------------------
    def get(self, incident_id: str) -> tuple[Run, str] | None:
        rec = self.store.get_record(KIND, incident_id)
        if rec is None:
            return None
        try:
            return Run.model_validate(rec.data), rec.version
        except ValidationError as exc:
            raise IncidentError(f"playbook run of {incident_id} is unreadable: {exc}") from None

    def require(self, incident_id: str) -> tuple[Run, str]:
        found = self.get(incident_id)
        if found is None:
            raise IncidentError(
                f"incident {incident_id} has no playbook run; start one with a playbook"
            )
        return found

    def playbook(self, playbook_id: str) -> Playbook:
        try:
            return self.playbooks[playbook_id]
        except KeyError:
            known = ", ".join(sorted(self.playbooks)) or "none loaded"
            raise IncidentError(f"no playbook {playbook_id!r} (playbooks: {known})") from None

    def complete_notified(self, incident_id: str, to: str, *, by: str, note: str) -> list[str]:
        """Complete the open steps that recording a notification to ``to`` finishes.

        Those are the steps with ``done_when: {notified: …}``; a step whose condition rules
        it out, or that is already done or skipped, is left as it is.
        """
        found = self.get(incident_id)
        if found is None or found[0].playbook not in self.playbooks:
            return []
        run, _version = found
        done = []
        for step in self.playbooks[run.playbook].steps:
            if step.done_when_notified != to or step.id in run.steps:
                continue
            try:
                self.complete(incident_id, step.id, by=by, note=note)
            except IncidentError:
                continue
            done.append(step.id)
        return done

    def view(self, incident_id: str) -> list[StepView]:
        run, _version = self.require(incident_id)
        incident = self.incidents.get(incident_id).incident
        return view(self.playbook(run.playbook), run, incident)

    # changing --------------------------------------------------------------------------
    def start(self, incident_id: str, playbook_id: str, *, by: str) -> Run:
        book = self.playbook(playbook_id)
        self.incidents.get(incident_id)
        existing = self.get(incident_id)
        if existing is not None:
            raise IncidentError(
                f"incident {incident_id} already runs playbook {existing[0].playbook}"
            )
        run = Run(incident=incident_id, playbook=book.id, started=self.clock.now(), started_by=by)
        try:
            rec = self.store.create_record(KIND, incident_id, run.model_dump(mode="json"))
        except ConflictError:
            raise IncidentError(f"incident {incident_id} already has a playbook run") from None
        audit.append(
            self.store,
            self.clock,
            by,
            "playbook.started",
            incident_id,
            {"playbook": book.id},
            records=[rec],
        )
        return run

    def complete(
        self,
        incident_id: str,
        step_id: str,
        *,
        by: str,
        note: str | None = None,
        version: str | None = None,
    ) -> Run:
        """Mark a step done and request its actions; refused when its condition rules it out."""
        run, current = self.require(incident_id)
        book = self.playbook(run.playbook)
        step = self._step(book, step_id)
        incident = self.incidents.get(incident_id).incident
        facts = incident.parsed_facts()
        if step.when is not None and evaluate(step.when, facts, incident.decision) is False:
            raise IncidentError(
                f"step {step_id!r} does not apply to this incident (its condition is not met); "
                "skip it with a reason if it should be closed"
            )
        if step_id in run.steps:
            raise IncidentError(f"step {step_id!r} was already {run.steps[step_id].status}")
        now = self.clock.now()
        missing = [name for name in step.asks if facts.value(name) is UNKNOWN]
        run.steps[step_id] = StepRecord(
            status="done", by=by, at=now, note=note, unknown_facts=missing
        )
        requests = [
            ActionRecord(
                step=step_id,
                kind=a.kind,
                value=a.value,
                status="requested",
                requested=now,
                by=by,
            )
            for a in step.actions
        ]
        first = len(run.actions)
        run.actions.extend(requests)
        saved = self._save(run, version or current)
        audit.append(
            self.store,
            self.clock,
            by,
            "playbook.step",
            incident_id,
            {"step": step_id, "status": "done", "note": note, "unknown_facts": missing},
            records=[saved],
        )
        for offset, action in enumerate(step.actions):
            self._dispatch(incident_id, step_id, action, first + offset, by)
        return self.require(incident_id)[0]

    def skip(
        self,
        incident_id: str,
        step_id: str,
        *,
        by: str,
        reason: str,
        version: str | None = None,
    ) -> Run:
        if not reason.strip():
            raise IncidentError("skipping a step needs a reason")
        run, current = self.require(incident_id)
        self._step(self.playbook(run.playbook), step_id)
        if step_id in run.steps:
            raise IncidentError(f"step {step_id!r} was already {run.steps[step_id].status}")
        run.steps[step_id] = StepRecord(status="skipped", by=by, at=self.clock.now(), note=reason)
        saved = self._save(run, version or current)
        audit.append(
            self.store,
            self.clock,
            by,
            "playbook.step",
            incident_id,
            {"step": step_id, "status": "skipped", "reason": reason},
            records=[saved],
        )
        return run

    def pending_actions(self, kind: str | None = None) -> list[tuple[str, int, ActionRecord]]:
        """(incident, index, action) still requested, for a part that carries them out later."""
        out = []
        after: str | None = None
        while True:
            records = self.store.find_records(KIND, limit=500, after=after)
            for rec in records:
                run = Run.model_validate(rec.data)
                for i, a in enumerate(run.actions):
                    if a.status == "requested" and (kind is None or a.kind == kind):
                        out.append((rec.id, i, a))
            if len(records) < 500:
                return out
            after = records[-1].id

    def resolve_action(
        self,
        incident_id: str,
        index: int,
        *,
        status: Literal["done", "failed"],
        result: str | None,
        by: str,
    ) -> Run:
        for _attempt in range(5):
            run, version = self.require(incident_id)
            action = run.actions[index]
            action.status = status
            action.result = result
            action.resolved = self.clock.now()
            try:
                saved = self._save(run, version)
            except ConflictError:
                continue
            audit.append(
                self.store,
                self.clock,
                by,
                "playbook.action",
                incident_id,
                {
                    "step": action.step,
                    "action": f"{action.kind}: {action.value}",
                    "status": status,
                    "result": result,
                },
                records=[saved],
            )
            return run
        raise ConflictError(f"playbook run of {incident_id} kept changing; try again")

    def _dispatch(
        self, incident_id: str, step_id: str, action: Action, index: int, by: str
    ) -> None:
        handler = self.handlers.get(action.kind)
        if handler is None:
            return
        try:
            result = handler(ActionRequest(incident_id, step_id, action, by))
        except Exception as exc:  # a failing action must not undo the step
            self.resolve_action(incident_id, index, status="failed", result=str(exc), by=by)
            return
        self.resolve_action(incident_id, index, status="done", result=result, by=by)

    def _step(self, book: Playbook, step_id: str) -> Step:
        try:
            return book.step(step_id)
        except KeyError as exc:
            raise IncidentError(str(exc.args[0])) from None

    def _save(self, run: Run, version: str) -> Record:
        return self.store.update_record(KIND, run.incident, run.model_dump(mode="json"), version)


def view(book: Playbook, run: Run, incident: Incident) -> list[StepView]:
    facts = incident.parsed_facts()
    completed = {k: r.at for k, r in run.steps.items() if r.status == "done"}
    out = []
    for step in book.steps:
        record = run.steps.get(step.id)
        applies = evaluate(step.when, facts, incident.decision) if step.when else True
        state: Any
        if record is not None:
            state = record.status
        elif applies is False:
            state = "not_applicable"
        elif applies is None:
            state = "waiting"
        else:
            state = "open"
        out.append(
            StepView(
                step=step,
                state=state,
                due=due_at(step, incident, completed),
                record=record,
                missing=[n for n in step.asks if facts.value(n) is UNKNOWN],
                waiting_on=waiting_on(step.when) if applies is None and step.when else [],
            )
        )
    return out


def default_handlers(incidents: Incidents) -> dict[str, ActionHandler]:
    """Handlers Sentinel has today: change the status, queue a notification to a channel."""

    def set_status(request: ActionRequest) -> str:
        incidents.set_status(
            request.incident,
            request.action.value,
            by=request.by,
            reason=f"playbook step {request.step}",
        )
        return f"status {request.action.value}"

    def notify(request: ActionRequest) -> str:
        incident = incidents.get(request.incident).incident
        channel = request.action.value
        targets = [] if channel == "default" else [channel]
        queued = enqueue(
            incidents.store,
            Notification(
                id=f"playbook:{incident.id}:{request.step}:{channel}",
                template="playbook_step",
                title=f"{incident.id} {incident.title}: step {request.step} done",
                severity=incident.severity,
                context={
                    "incident": {
                        "id": incident.id,
                        "title": incident.title,
                        "status": incident.status,
                    },
                    "step": request.step,
                    "by": request.by,
                },
                channels=targets,
                link=f"/incidents/{incident.id}",
            ),
            incidents.clock,
        )
        return f"queued for {channel}" if queued else f"already queued for {channel}"

    return {"set_status": set_status, "notify": notify}
