"""/api/incidents: open, list, the incident page, facts, awareness, assessment, decisions,
notifications, playbook steps, timeline, members, notes and status.

Changes take the version read (If-Match); playbook steps take the run's version.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sentinel.incidents.model import Severity, Status
from sentinel.services.incidents import (
    AffectedMember,
    AssessmentView,
    ChangedIncident,
    DecisionView,
    FactSpecView,
    FactsView,
    IncidentDetail,
    IncidentPage,
    IncidentService,
    IncidentSummary,
    NotificationRecorded,
    OpenedIncident,
    TimelineEntry,
)
from sentinel.services.playbooks import StepDetail, StepList
from sentinel.web.api.deps import Ctx, IfMatch, etag
from sentinel.web.guard import ApiRouter, AsActor

router = ApiRouter(prefix="/api/incidents", tags=["incidents"])
facts_router = ApiRouter(prefix="/api/facts", tags=["incidents"])

Name = Annotated[str, Field(min_length=1, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenIn(_In):
    title: str | None = Field(default=None, max_length=300, description="default: the alert's")
    alerts: list[str] = Field(default_factory=list, max_length=500)
    severity: Severity | None = None
    commander: Name | None = None
    playbook: str | None = Field(default=None, max_length=100)
    aware_at: AwareDatetime | None = Field(default=None, description="default: now")
    aware_reason: str | None = Field(default=None, max_length=2000)


class UpdateIn(_In):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    severity: Severity | None = None
    commander: Name | None = None
    add: list[Name] = Field(default_factory=list, max_length=100, description="participants")
    remove: list[Name] = Field(default_factory=list, max_length=100)
    restricted: bool | None = Field(default=None, description="need to know (incidents:restrict)")


class FactsIn(_In):
    facts: dict[str, Any] = Field(
        default_factory=dict, description="a partial facts document: only what it names changes"
    )
    set: dict[str, str] = Field(
        default_factory=dict,
        description="NAME → text as typed: lists comma-separated, counts 40 or 40-60, "
        "times in local time, yes/no",
    )
    unknown: list[str] = Field(default_factory=list, description="facts to make unknown again")


class AwarenessIn(_In):
    at: AwareDatetime
    reason: str = Field(min_length=1, max_length=2000)


class DecisionIn(_In):
    authority: str = Field(description="notify the AP: yes or no")
    members: str = Field(description="inform the members: yes, no or public")
    reason: str = Field(min_length=1, max_length=4000)


class NotificationIn(_In):
    kind: str = Field(description="initial, follow-up or withdrawal (AP); members or public")
    at: AwareDatetime | None = Field(default=None, description="when it was sent (default: now)")
    reference: str | None = Field(default=None, max_length=200)
    delay_reason: str | None = Field(default=None, max_length=4000)
    reason: str | None = Field(default=None, max_length=4000)
    channel: str | None = Field(default=None, max_length=100)
    count: int | None = Field(default=None, ge=0)


class PlaybookIn(_In):
    playbook: str = Field(min_length=1, max_length=100)


class CompleteIn(_In):
    note: str | None = Field(default=None, max_length=4000)


class SkipIn(_In):
    reason: str = Field(min_length=1, max_length=4000)


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=10_000)


class StatusIn(_In):
    status: Status
    reason: str | None = Field(default=None, max_length=4000)


def _service(ctx: Ctx) -> IncidentService:
    return IncidentService(ctx)


@facts_router.get("", permission="incidents:read")
def fact_catalogue() -> list[FactSpecView]:
    """Every fact an incident records, with its type, choices and meaning (en, nl)."""
    return IncidentService.catalogue()


@router.get("", permission="incidents:read")
def incidents(
    actor: AsActor,
    ctx: Ctx,
    status: Status | None = None,
    all: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> IncidentPage:
    """Newest first; open ones unless ``all`` or a ``status``; restricted ones only to their
    people and the privacy officer."""
    return _service(ctx).list(
        actor, status=status, open_only=not (all or status), limit=limit, cursor=cursor
    )


@router.post("", permission="incidents:write", status_code=201)
def open_incident(body: OpenIn, actor: AsActor, ctx: Ctx, response: Response) -> OpenedIncident:
    opened = _service(ctx).open(
        actor,
        body.title,
        alerts=body.alerts,
        severity=body.severity,
        commander=body.commander,
        playbook=body.playbook,
        aware_at=body.aware_at,
        aware_reason=body.aware_reason,
    )
    etag(response, opened.version)
    return opened


@router.get("/{incident_id}", permission="incidents:read")
def incident(incident_id: str, actor: AsActor, ctx: Ctx, response: Response) -> IncidentDetail:
    """The incident page: the record, the 72-hour clock, assessment and playbook steps."""
    found = _service(ctx).show(actor, incident_id)
    etag(response, found.version)
    return found


@router.patch("/{incident_id}", permission="incidents:write")
def update(
    incident_id: str,
    body: UpdateIn,
    actor: AsActor,
    ctx: Ctx,
    version: IfMatch,
    response: Response,
) -> ChangedIncident:
    changed = _service(ctx).update(
        actor,
        incident_id,
        title=body.title,
        severity=body.severity,
        commander=body.commander,
        add=body.add,
        remove=body.remove,
        restricted=body.restricted,
        version=version,
    )
    etag(response, changed.version)
    return changed


@router.get("/{incident_id}/facts", permission="incidents:read")
def facts(incident_id: str, actor: AsActor, ctx: Ctx, response: Response) -> FactsView:
    found = _service(ctx).facts(actor, incident_id)
    etag(response, found.version)
    return found


@router.patch("/{incident_id}/facts", permission="incidents:write")
def update_facts(
    incident_id: str,
    body: FactsIn,
    actor: AsActor,
    ctx: Ctx,
    version: IfMatch,
    response: Response,
) -> FactsView:
    """Refused as a whole when any value is wrong."""
    changed = _service(ctx).update_facts(
        actor,
        incident_id,
        document=body.facts,
        assignments=list(body.set.items()),
        unknown=body.unknown,
        version=version,
    )
    etag(response, changed.version)
    return changed


@router.put("/{incident_id}/awareness", permission="incidents:write")
def set_awareness(
    incident_id: str,
    body: AwarenessIn,
    actor: AsActor,
    ctx: Ctx,
    version: IfMatch,
    response: Response,
) -> IncidentSummary:
    """When the organisation became aware, and why then: the 72 hours run from it."""
    changed = _service(ctx).set_awareness(actor, incident_id, body.at, body.reason, version=version)
    etag(response, changed.version)
    return changed


@router.get("/{incident_id}/assessment", permission="incidents:read")
def assessment(incident_id: str, actor: AsActor, ctx: Ctx) -> AssessmentView:
    return _service(ctx).assessment(actor, incident_id)


@router.post(
    "/{incident_id}/decisions", permission="decisions:record", step_up=True, status_code=201
)
def decide(
    incident_id: str, body: DecisionIn, actor: AsActor, ctx: Ctx, version: IfMatch
) -> DecisionView:
    """The privacy officer's decision, kept next to the advice it follows or departs from."""
    return _service(ctx).decide(
        actor,
        incident_id,
        authority=body.authority,
        members=body.members,
        reason=body.reason,
        version=version,
    )


@router.post("/{incident_id}/notifications", permission="notifications:record", status_code=201)
def record_notification(
    incident_id: str,
    body: NotificationIn,
    actor: AsActor,
    ctx: Ctx,
    version: IfMatch,
    response: Response,
) -> NotificationRecorded:
    """A notification that was made (Sentinel sends nothing itself)."""
    recorded = _service(ctx).record_notification(
        actor,
        incident_id,
        body.kind,
        at=body.at,
        reference=body.reference,
        delay_reason=body.delay_reason,
        reason=body.reason,
        channel=body.channel,
        count=body.count,
        version=version,
    )
    etag(response, recorded.version)
    return recorded


@router.get("/{incident_id}/steps", permission="incidents:read")
def steps(incident_id: str, actor: AsActor, ctx: Ctx, response: Response) -> StepList:
    """The playbook run; its ETag is the run's version, for completing or skipping a step."""
    found = _service(ctx).playbooks.steps(actor, incident_id)
    etag(response, found.version)
    return found


@router.post("/{incident_id}/playbook", permission="incidents:write", status_code=201)
def start_playbook(
    incident_id: str, body: PlaybookIn, actor: AsActor, ctx: Ctx, response: Response
) -> StepList:
    started = _service(ctx).playbooks.start(actor, incident_id, body.playbook)
    etag(response, started.version)
    return started


@router.get("/{incident_id}/steps/{step_id}", permission="incidents:read")
def step(incident_id: str, step_id: str, actor: AsActor, ctx: Ctx) -> StepDetail:
    return _service(ctx).playbooks.step(actor, incident_id, step_id)


@router.post("/{incident_id}/steps/{step_id}/complete", permission="incidents:write")
def complete_step(
    incident_id: str,
    step_id: str,
    body: CompleteIn,
    actor: AsActor,
    ctx: Ctx,
    version: IfMatch,
) -> StepDetail:
    """Done; the actions it asks for (drafts, status, notifications) follow."""
    return _service(ctx).playbooks.complete(
        actor, incident_id, step_id, note=body.note, version=version
    )


@router.post("/{incident_id}/steps/{step_id}/skip", permission="incidents:write")
def skip_step(
    incident_id: str,
    step_id: str,
    body: SkipIn,
    actor: AsActor,
    ctx: Ctx,
    version: IfMatch,
) -> StepDetail:
    return _service(ctx).playbooks.skip(actor, incident_id, step_id, body.reason, version=version)


@router.get("/{incident_id}/timeline", permission="incidents:read")
def timeline(incident_id: str, actor: AsActor, ctx: Ctx) -> list[TimelineEntry]:
    """Every recorded change to the incident, its decisions and playbook (the audit trail)."""
    return _service(ctx).timeline(actor, incident_id)


@router.get("/{incident_id}/members", permission="incidents:read")
def members(incident_id: str, actor: AsActor, ctx: Ctx) -> list[AffectedMember]:
    """The members the incident's evidence touched."""
    return _service(ctx).members(actor, incident_id)


@router.post("/{incident_id}/notes", permission="incidents:write", status_code=201)
def add_note(
    incident_id: str, body: NoteIn, actor: AsActor, ctx: Ctx, version: IfMatch, response: Response
) -> ChangedIncident:
    changed = _service(ctx).add_note(actor, incident_id, body.text, version=version)
    etag(response, changed.version)
    return changed


@router.put("/{incident_id}/status", permission="incidents:write")
def set_status(
    incident_id: str,
    body: StatusIn,
    actor: AsActor,
    ctx: Ctx,
    version: IfMatch,
    response: Response,
) -> ChangedIncident:
    """Another status (closing needs a reason)."""
    changed = _service(ctx).set_status(
        actor, incident_id, body.status, reason=body.reason, version=version
    )
    etag(response, changed.version)
    return changed
