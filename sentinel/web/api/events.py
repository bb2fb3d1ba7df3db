"""/api/events: search the stored events (filters, a time range, a source), a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import AwareDatetime

from sentinel.services.events import EventPage, EventService
from sentinel.web.api.deps import Ctx
from sentinel.web.guard import ApiRouter, AsActor

router = ApiRouter(prefix="/api/events", tags=["events"])


@router.get("", permission="events:read")
def search(
    actor: AsActor,
    ctx: Ctx,
    where: Annotated[
        list[str] | None,
        Query(
            max_length=20,
            description="'FIELD OP VALUE' filters, all of which must hold: OP is = (with * "
            "and ? wildcards), !=, >, >=, <, <= or ~ (regex); e.g. user.name=j.devries",
        ),
    ] = None,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to", description="exclusive")] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    oldest_first: bool = False,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> EventPage:
    """Newest first (or oldest, when asked); ``next`` is the cursor for the following page."""
    return EventService(ctx).search(
        actor,
        where=where or [],
        since=since,
        until=until,
        source=source,
        limit=limit,
        ascending=oldest_first,
        cursor=cursor,
    )
