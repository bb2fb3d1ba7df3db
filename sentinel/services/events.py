"""Events as people and scripts see them, and the event search.

A search is filters written ``FIELD OP VALUE`` (the command line's ``--where`` and the
API's ``where``), a time range and a source, newest first a page at a time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sentinel.events import Event, is_known_field
from sentinel.incidents.facts import Time
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Invalid
from sentinel.store.base import StoreError, StoreUnavailable
from sentinel.store.query import EventQuery, Filter, Match, Not, QueryError, all_of

_WHERE = re.compile(r"^\s*(@?[A-Za-z_][\w.]*)\s*(!=|>=|<=|=|>|<|~)\s*(.*?)\s*$")

WHERE_HELP = (
    "Filter 'FIELD OP VALUE'; OP is = (with * and ? wildcards), !=, >, >=, <, <= or ~ (regex). "
    "Repeat for AND. Example: -w user.name=j.devries -w 'http.response.status_code>=400'"
)


class EventView(BaseModel):
    """One stored event: its id, time and source, then its ECS fields by their dotted names."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str
    timestamp: Time = Field(alias="@timestamp")
    source: str

    @classmethod
    def of(cls, event: Event) -> EventView:
        return cls.model_validate(
            {"id": event.id, "@timestamp": event.timestamp, "source": event.source, **event.fields}
        )


class EventPage(BaseModel):
    events: list[EventView]
    more: bool
    """Whether more events match than this page holds."""
    next: str | None
    """Cursor for the next page; None when this was the last."""


def _value(text: str) -> Any:
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return {"true": True, "false": False, "null": None}.get(text.lower(), text)


def parse_where(expr: str) -> Filter:
    """One ``FIELD OP VALUE`` filter; a field no event carries is refused, not silently empty."""
    m = _WHERE.match(expr)
    if not m:
        raise QueryError(f"{expr!r} is not 'FIELD OP VALUE' (e.g. user.name=j.devries)")
    name, op, raw = m.groups()
    if not is_known_field(name):
        raise QueryError(f"field {name!r} is never carried by events (see docs/events.md)")
    value = _value(raw)
    if op in ("=", "!="):
        wild = isinstance(value, str) and any(c in value for c in "*?")
        match = Match(name, "wildcard" if wild else "eq", value)
        return match if op == "=" else Not(match)
    if op == "~":
        try:
            re.compile(raw)
        except re.error as exc:
            raise QueryError(f"{raw!r} is not a regular expression: {exc}") from None
        return Match(name, "regex", raw)
    return Match(name, {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}[op], value)


class EventService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def search(
        self,
        actor: Actor,
        *,
        where: Sequence[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        source: str | None = None,
        limit: int = 50,
        ascending: bool = False,
        cursor: str | None = None,
    ) -> EventPage:
        """Events matching every filter in [since, until), newest first unless ``ascending``."""
        require(actor, "events:read")
        try:
            filters = [parse_where(w) for w in where]
        except QueryError as exc:
            raise Invalid(str(exc)) from None
        if source:
            filters.append(Match("event.dataset", "eq", source))
        if since and until and since >= until:
            raise Invalid(f"the start ({since}) must be before the end ({until})")
        query = EventQuery(filter=all_of(*filters), start=since, end=until)
        try:
            page = self.ctx.store.search_events(
                query, limit=limit, ascending=ascending, after=cursor
            )
        except StoreError as exc:
            if cursor is None or isinstance(exc, StoreUnavailable):
                raise
            raise Invalid(f"{exc}; start again without the cursor") from None
        return EventPage(
            events=[EventView.of(e) for e in page.events],
            more=page.next is not None,
            next=page.next,
        )
