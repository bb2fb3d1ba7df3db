"""/api: the rules and their runs, the sources and their health, the audit trail, the register."""

from __future__ import annotations

import io
from typing import Annotated, Literal

from fastapi import Query, Response

from sentinel.services.audit import AuditEntryView, AuditService, Verified
from sentinel.services.register import RegisterService
from sentinel.services.rules import RuleService, RuleStatusView, RuleView
from sentinel.services.sources import CheckpointView, DeadLetterView, SourceHealth, SourceService
from sentinel.web.api.deps import Ctx
from sentinel.web.guard import ApiRouter, AsActor

router = ApiRouter(prefix="/api", tags=["oversight"])


@router.get("/rules", permission="rules:read")
def rules(actor: AsActor, ctx: Ctx) -> list[RuleView]:
    return RuleService(ctx).list(actor)


@router.get("/rules/status", permission="rules:read")
def rule_status(actor: AsActor, ctx: Ctx) -> list[RuleStatusView]:
    """Each rule's last run, how far behind now it is, and whether it is failing."""
    return RuleService(ctx).status(actor)


@router.get("/sources", permission="sources:read")
def sources(actor: AsActor, ctx: Ctx) -> list[SourceHealth]:
    """Per source: events, the newest, how far behind, dead letters, when its cursor moved."""
    return SourceService(ctx).health(actor)


@router.get("/sources/dead-letters", permission="sources:read")
def dead_letters(
    actor: AsActor,
    ctx: Ctx,
    source: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[DeadLetterView]:
    return SourceService(ctx).dead_letters(actor, source=source, limit=limit)


@router.get("/sources/checkpoints", permission="sources:read")
def checkpoints(actor: AsActor, ctx: Ctx) -> list[CheckpointView]:
    return SourceService(ctx).checkpoints(actor)


@router.get("/sources/{source}", permission="sources:read")
def source(source: str, actor: AsActor, ctx: Ctx) -> SourceHealth:
    """One source: its events, lag, dead letters and how its scheduled pull is going."""
    return SourceService(ctx).source(actor, source)


@router.get("/audit/verify", permission="audit:read")
def verify(actor: AsActor, ctx: Ctx) -> Verified:
    """Every entry checked against its hash and its predecessor; names the first bad one."""
    return AuditService(ctx).verify(actor)


@router.get("/audit", permission="audit:read")
def audit_entries(
    actor: AsActor,
    ctx: Ctx,
    subject: Annotated[str | None, Query(max_length=200)] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryView]:
    return AuditService(ctx).entries(actor, subject=subject, after=after, limit=limit)


@router.get(
    "/register/export",
    permission="register:export",
    step_up=True,
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
def register_export(actor: AsActor, ctx: Ctx, format: Literal["csv", "json"] = "json") -> Response:
    """The breach register (GDPR Art. 33(5)): every incident you may see, notified or not."""
    out = io.StringIO()
    RegisterService(ctx).export(actor, out, format)
    media = "text/csv" if format == "csv" else "application/json"
    return Response(
        out.getvalue(),
        media_type=f"{media}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="breach-register.{format}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
