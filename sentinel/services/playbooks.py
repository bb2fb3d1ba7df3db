"""Playbooks and their runs: the books themselves, and each incident's steps as they stand."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from sentinel.drafts.actions import render_draft_handler
from sentinel.drafts.service import DraftService
from sentinel.incidents.facts import Time
from sentinel.incidents.playbooks import Playbook, PlaybookError, load_playbooks
from sentinel.incidents.runs import ActionRecord, Runs, default_handlers
from sentinel.incidents.runs import StepView as RunStep
from sentinel.incidents.service import Incidents
from sentinel.services.access import load_incident
from sentinel.services.actor import Actor
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Invalid, NotFound, domain_errors

_cache: dict[
    Path, tuple[tuple[tuple[str, int], ...], dict[str, Playbook], list[PlaybookError]]
] = {}
_cache_lock = threading.Lock()


# read models ---------------------------------------------------------------------------


class StepView(BaseModel):
    """A playbook step as it stands on this incident."""

    id: str
    title: str
    owner: str
    state: Literal["done", "skipped", "open", "waiting", "not_applicable"]
    due: Time | None
    by: str | None
    at: Time | None
    note: str | None
    missing_facts: list[str]
    """Facts the step asks for that are still unknown."""
    waiting_on: list[str]
    """Facts or decisions its condition needs before it can be told whether it applies."""
    actions: list[str]


class StepDetail(StepView):
    guidance: str
    asks: list[str]
    requested: list[ActionRecord]
    """The actions this step asked for, and how each went."""


class StepList(BaseModel):
    incident: str
    playbook: str
    version: str
    """The run's version: pass it back to complete or skip a step only as you saw the run."""
    steps: list[StepView]


class BookStep(BaseModel):
    id: str
    title: str
    owner: str
    due: str | None
    asks: list[str]
    actions: list[str]
    guidance: str


class BookSummary(BaseModel):
    id: str
    title: str
    steps: int


class BookDetail(BaseModel):
    id: str
    title: str
    description: str
    steps: list[BookStep]


class Refusal(BaseModel):
    file: str
    line: int | None
    reason: str


class BookCheck(BaseModel):
    loaded: list[str]
    refused: list[Refusal]


# the books -----------------------------------------------------------------------------


def books(folder: Path) -> tuple[dict[str, Playbook], list[PlaybookError]]:
    """The folder's playbooks, read again only when a file in it changed."""
    try:
        stamp = tuple(
            sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file())
        )
    except OSError:
        return load_playbooks(folder)
    with _cache_lock:
        cached = _cache.get(folder)
        if cached is not None and cached[0] == stamp:
            return cached[1], cached[2]
    loaded, problems = load_playbooks(folder)
    with _cache_lock:
        _cache[folder] = (stamp, loaded, problems)
    return loaded, problems


def check(folder: Path) -> BookCheck:
    loaded, problems = load_playbooks(folder)
    return BookCheck(
        loaded=sorted(loaded),
        refused=[Refusal(file=p.file, line=p.line, reason=p.reason) for p in problems],
    )


def catalogue(folder: Path) -> list[BookSummary]:
    loaded, _problems = books(folder)
    return [BookSummary(id=b.id, title=b.title, steps=len(b.steps)) for b in loaded.values()]


def book(folder: Path, name: str) -> BookDetail:
    found = books(folder)[0].get(name)
    if found is None:
        raise NotFound(f"no playbook {name!r} in {folder}")
    return BookDetail(
        id=found.id,
        title=found.title,
        description=found.description,
        steps=[
            BookStep(
                id=s.id,
                title=s.title,
                owner=s.owner,
                due=f"{s.due.within} after {s.due.after}" if s.due else None,
                asks=list(s.asks),
                actions=[str(a) for a in s.actions],
                guidance=s.guidance,
            )
            for s in found.steps
        ],
    )


# runs ----------------------------------------------------------------------------------


def step_view(v: RunStep) -> StepView:
    return StepView(
        id=v.step.id,
        title=v.step.title,
        owner=v.step.owner,
        state=v.state,
        due=v.due,
        by=v.record.by if v.record else None,
        at=v.record.at if v.record else None,
        note=v.record.note if v.record else None,
        missing_facts=v.missing,
        waiting_on=v.waiting_on,
        actions=[str(a) for a in v.step.actions],
    )


class PlaybookService:
    def __init__(self, ctx: ServiceContext, folder: Path | None = None) -> None:
        self.ctx = ctx
        self.folder = folder or ctx.settings.incidents.playbooks_dir
        self.incidents = Incidents(ctx.store, ctx.clock)
        self.playbooks, self.problems = books(self.folder)

    def runs(self) -> Runs:
        inner = self.incidents
        handlers = {
            **default_handlers(inner),
            "render_draft": render_draft_handler(
                DraftService.from_settings(self.ctx.settings, inner)
            ),
        }
        return Runs(self.ctx.store, self.ctx.clock, inner, self.playbooks, handlers)

    def steps_or_none(self, incident_id: str) -> list[StepView] | None:
        """The steps of the incident's run, or None when it runs no playbook (already visible)."""
        runs = self.runs()
        with domain_errors():
            return [step_view(v) for v in runs.view(incident_id)] if runs.get(incident_id) else None

    def steps(self, actor: Actor, incident_id: str) -> StepList:
        load_incident(self.incidents, actor, incident_id)
        runs = self.runs()
        with domain_errors():
            run, version = runs.require(incident_id)
            views = runs.view(incident_id)
        return StepList(
            incident=incident_id,
            playbook=run.playbook,
            version=version,
            steps=[step_view(v) for v in views],
        )

    def step(self, actor: Actor, incident_id: str, step_id: str) -> StepDetail:
        load_incident(self.incidents, actor, incident_id)
        return self._step(incident_id, step_id)

    def _step(self, incident_id: str, step_id: str) -> StepDetail:
        runs = self.runs()
        with domain_errors():
            run, _version = runs.require(incident_id)
            views = runs.view(incident_id)
        view = next((v for v in views if v.step.id == step_id), None)
        if view is None:
            raise NotFound(f"no step {step_id!r}; steps: {', '.join(v.step.id for v in views)}")
        return StepDetail(
            **step_view(view).model_dump(),
            guidance=view.step.guidance,
            asks=list(view.step.asks),
            requested=[a for a in run.actions if a.step == step_id],
        )

    def start(self, actor: Actor, incident_id: str, name: str) -> StepList:
        """Start a playbook on an incident that runs none yet."""
        load_incident(self.incidents, actor, incident_id, "incidents:write")
        if name not in self.playbooks:
            known = ", ".join(sorted(self.playbooks)) or "none loaded"
            raise Invalid(f"no playbook {name!r} in {self.folder} ({known})")
        with domain_errors():
            self.runs().start(incident_id, name, by=actor.name)
        return self.steps(actor, incident_id)

    def complete(
        self,
        actor: Actor,
        incident_id: str,
        step_id: str,
        *,
        note: str | None = None,
        version: str | None = None,
    ) -> StepDetail:
        """Mark a step done; the actions it asks for (drafts, status, notifications) follow."""
        load_incident(self.incidents, actor, incident_id, "incidents:write")
        with domain_errors():
            self.runs().complete(incident_id, step_id, by=actor.name, note=note, version=version)
        return self._step(incident_id, step_id)

    def skip(
        self,
        actor: Actor,
        incident_id: str,
        step_id: str,
        reason: str,
        *,
        version: str | None = None,
    ) -> StepDetail:
        load_incident(self.incidents, actor, incident_id, "incidents:write")
        with domain_errors():
            self.runs().skip(incident_id, step_id, by=actor.name, reason=reason, version=version)
        return self._step(incident_id, step_id)
