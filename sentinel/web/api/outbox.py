"""/api/outbox: the alert messages and reminders queued for the channels, and a retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from sentinel.services.outbox import MessageStatus, OutboxMessage, OutboxPage, OutboxService
from sentinel.web.api.deps import Ctx, IfMatch, etag
from sentinel.web.guard import ApiRouter, AsActor

router = ApiRouter(prefix="/api/outbox", tags=["outbox"])


@router.get("", permission="outbox:read")
def messages(
    actor: AsActor,
    ctx: Ctx,
    status: MessageStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> OutboxPage:
    """Newest first, each with its delivery per channel; ``next`` is the following page."""
    return OutboxService(ctx).list(actor, status=status, limit=limit, cursor=cursor)


@router.get("/{notification_id}", permission="outbox:read")
def message(notification_id: str, actor: AsActor, ctx: Ctx, response: Response) -> OutboxMessage:
    found = OutboxService(ctx).show(actor, notification_id)
    etag(response, found.version)
    return found


@router.post("/{notification_id}/retry", permission="outbox:send")
def retry(
    notification_id: str, actor: AsActor, ctx: Ctx, version: IfMatch, response: Response
) -> OutboxMessage:
    """A given-up message queued again: its failed channels start over at the next pass."""
    queued = OutboxService(ctx).retry(actor, notification_id, version=version)
    etag(response, queued.version)
    return queued
