"""The sources and their health: events per source, how far behind, what could not be read."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sentinel.events import parse_timestamp
from sentinel.incidents.facts import Time
from sentinel.ingest import CHECKPOINT, source_stats
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext


class SourceHealth(BaseModel):
    source: str
    configured: bool
    kind: str | None
    """file, http or elasticsearch; None for a source no longer configured."""
    events: int
    newest: Time | None
    lag_seconds: float | None
    """How far the newest stored event is behind now."""
    dead_letters: int
    checkpoint_updated: Time | None
    """When its cursor last moved."""


class DeadLetterView(BaseModel):
    id: str
    source: str
    position: str
    reason: str
    raw: str
    received: Time


class CheckpointView(BaseModel):
    source: str
    configured: bool
    updated: Time | None
    cursor: Any


class SourceService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def health(self, actor: Actor) -> list[SourceHealth]:
        """Every configured source and every source with stored events or dead letters."""
        require(actor, "sources:read")
        settings = self.ctx.settings
        kinds = {s.name: s.kind for s in settings.sources}
        moved = {c.source: c.updated for c in self._checkpoints()}
        rows = source_stats(self.ctx.store, list(kinds), self.ctx.clock.now())
        return [
            SourceHealth(
                source=r.source,
                configured=r.source in kinds,
                kind=kinds.get(r.source),
                events=r.events,
                newest=r.newest,
                lag_seconds=r.lag.total_seconds() if r.lag is not None else None,
                dead_letters=r.dead_letters,
                checkpoint_updated=moved.get(r.source),
            )
            for r in rows
        ]

    def dead_letters(
        self, actor: Actor, *, source: str | None = None, limit: int = 50
    ) -> list[DeadLetterView]:
        """Newest first: where each came from, why it was refused, and the raw record."""
        require(actor, "sources:read")
        return [
            DeadLetterView(
                id=d.id,
                source=d.source,
                position=d.position,
                reason=d.reason,
                raw=d.raw,
                received=d.received,
            )
            for d in self.ctx.store.dead_letters(source=source, limit=limit)
        ]

    def checkpoints(self, actor: Actor) -> list[CheckpointView]:
        """Every source's saved cursor and when it last moved."""
        require(actor, "sources:read")
        return self._checkpoints()

    def _checkpoints(self) -> list[CheckpointView]:
        configured = {s.name for s in self.ctx.settings.sources}
        records = self.ctx.store.find_records(CHECKPOINT, order_by="id", limit=10_000)
        return [
            CheckpointView(
                source=r.id,
                configured=r.id in configured,
                updated=parse_timestamp(r.data["updated"]) if r.data.get("updated") else None,
                cursor=r.data.get("cursor"),
            )
            for r in records
        ]
