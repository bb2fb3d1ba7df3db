"""/api/alerts: the alert queue, one alert with its evidence, triage one at a time or in bulk."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sentinel.incidents.model import Severity
from sentinel.services.alerts import (
    AlertDetail,
    AlertPage,
    AlertService,
    AlertStatus,
    AlertSummary,
    BulkOutcome,
)
from sentinel.services.incidents import IncidentService, OpenedIncident
from sentinel.web.api.deps import Ctx, IfMatch, etag
from sentinel.web.guard import ApiRouter, AsActor

router = ApiRouter(prefix="/api/alerts", tags=["alerts"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CloseIn(_In):
    reason: str = Field(min_length=1, max_length=2000, description="'false positive: …'")


class AlertRef(_In):
    id: str = Field(min_length=1, max_length=200)
    version: str | None = Field(default=None, max_length=200, description="as read (optional)")


class BulkIn(_In):
    alerts: list[AlertRef] = Field(min_length=1, max_length=500)


class BulkCloseIn(BulkIn):
    reason: str = Field(min_length=1, max_length=2000)


class EscalateIn(_In):
    alerts: list[str] = Field(min_length=1, max_length=500)
    title: str | None = Field(
        default=None, max_length=300, description="default: the first alert's"
    )
    severity: Severity | None = None
    commander: str | None = Field(default=None, max_length=64)
    playbook: str | None = Field(default=None, max_length=100)


Text = Annotated[str | None, Query(max_length=300)]


@router.get("", permission="alerts:read")
def alert_queue(
    actor: AsActor,
    ctx: Ctx,
    status: AlertStatus | None = None,
    rule: Text = None,
    severity: Text = None,
    user: Text = None,
    source_ip: Text = None,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> AlertPage:
    """Newest first; ``next`` is the cursor for the following page."""
    return AlertService(ctx).list(
        actor,
        status=status,
        rule=rule,
        severity=severity,
        user=user,
        source_ip=source_ip,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )


@router.post("/acknowledge", permission="alerts:triage")
def acknowledge_many(body: BulkIn, actor: AsActor, ctx: Ctx) -> list[BulkOutcome]:
    """Each alert in turn; one refusal does not stop the others."""
    refs = [(a.id, a.version) for a in body.alerts]
    return AlertService(ctx).bulk(actor, "acknowledge", refs)


@router.post("/close", permission="alerts:triage")
def close_many(body: BulkCloseIn, actor: AsActor, ctx: Ctx) -> list[BulkOutcome]:
    refs = [(a.id, a.version) for a in body.alerts]
    return AlertService(ctx).bulk(actor, "close", refs, reason=body.reason)


@router.post("/escalate", permission="alerts:triage", status_code=201)
def escalate(body: EscalateIn, actor: AsActor, ctx: Ctx) -> OpenedIncident:
    """One incident from these alerts (their evidence comes along); they become escalated."""
    return IncidentService(ctx).open(
        actor,
        body.title,
        alerts=body.alerts,
        severity=body.severity,
        commander=body.commander,
        playbook=body.playbook,
    )


@router.get("/{alert_id}", permission="alerts:read")
def alert(
    alert_id: str,
    actor: AsActor,
    ctx: Ctx,
    response: Response,
    evidence_limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> AlertDetail:
    """The alert with a page of the events that fired it, oldest first."""
    found = AlertService(ctx).show(actor, alert_id, evidence_limit=evidence_limit, cursor=cursor)
    etag(response, found.version)
    return found


@router.post("/{alert_id}/acknowledge", permission="alerts:triage")
def acknowledge(
    alert_id: str, actor: AsActor, ctx: Ctx, version: IfMatch, response: Response
) -> AlertSummary:
    done = AlertService(ctx).acknowledge(actor, alert_id, version=version)
    etag(response, done.version)
    return done


@router.post("/{alert_id}/close", permission="alerts:triage")
def close(
    alert_id: str, body: CloseIn, actor: AsActor, ctx: Ctx, version: IfMatch, response: Response
) -> AlertSummary:
    done = AlertService(ctx).close(actor, alert_id, body.reason, version=version)
    etag(response, done.version)
    return done
