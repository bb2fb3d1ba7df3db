"""The sources and their health: events per source, how far behind, what could not be read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from sentinel.events import parse_timestamp
from sentinel.incidents.facts import Time
from sentinel.ingest import CHECKPOINT, reset_checkpoint, source_stats
from sentinel.job_runs import JobRun, get_run
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import NotFound


class SourceStats(BaseModel):
    """What a source has stored: events, the newest, how far behind now, dead letters."""

    source: str
    events: int
    newest: Time | None
    lag_seconds: float | None
    """How far the newest stored event is behind now."""
    dead_letters: int


PullStatus = Literal["ok", "failing", "late", "never pulled"]


class SourceHealth(SourceStats):
    """A source's stored events and how its scheduled pull is going."""

    configured: bool
    kind: str | None
    """file, http or elasticsearch; None for a source no longer configured."""
    checkpoint_updated: Time | None
    """When its cursor last moved."""
    status: PullStatus | None
    """ok; failing (its last pull failed); late (no successful pull for twice its interval);
    never pulled. None for a source no longer configured."""
    last_pull: Time | None
    """When its last scheduled pull ended, successful or not."""
    last_success: Time | None
    pull_error: str | None
    """Why the last pull failed; None when it succeeded."""
    interval_seconds: float | None


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

    def stats(self, actor: Actor) -> list[SourceStats]:
        """Every configured source and every source with stored events or dead letters."""
        require(actor, "sources:read")
        return [
            SourceStats(
                source=r.source,
                events=r.events,
                newest=r.newest,
                lag_seconds=r.lag.total_seconds() if r.lag is not None else None,
                dead_letters=r.dead_letters,
            )
            for r in source_stats(
                self.ctx.store, [s.name for s in self.ctx.settings.sources], self.ctx.clock.now()
            )
        ]

    def health(self, actor: Actor) -> list[SourceHealth]:
        """Every source's stats with how its scheduled pull went (``sentinel run`` pulls)."""
        require(actor, "sources:read")
        configured = {s.name: s for s in self.ctx.settings.sources}
        moved = {c.source: c.updated for c in self._checkpoints()}
        now = self.ctx.clock.now()
        out = []
        for row in self.stats(actor):
            source = configured.get(row.source)
            run = get_run(self.ctx.store, f"ingest {row.source}") if source else None
            out.append(
                SourceHealth(
                    **row.model_dump(),
                    configured=source is not None,
                    kind=source.kind if source else None,
                    checkpoint_updated=moved.get(row.source),
                    status=_status(run, source.interval, now) if source else None,
                    last_pull=run.last_finished if run else None,
                    last_success=run.last_success if run else None,
                    pull_error=run.last_error if run else None,
                    interval_seconds=source.interval.total_seconds() if source else None,
                )
            )
        return out

    def source(self, actor: Actor, name: str) -> SourceHealth:
        """One source's health; a name neither configured nor in the store is not found."""
        found = next((h for h in self.health(actor) if h.source == name), None)
        if found is None:
            raise NotFound(f"no source {name!r}: not configured and nothing stored under it")
        return found

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

    def reset_checkpoint(self, actor: Actor, source: str) -> CheckpointView:
        """Start a source over: the next pull reads it from the start (nothing is stored twice,
        the events keep their ids). The record keeps its fencing number (see ``ingest``)."""
        require(actor, "sources:ingest")
        if not reset_checkpoint(self.ctx.store, source, self.ctx.clock):
            raise NotFound(f"source {source!r} has no checkpoint (see `sentinel checkpoints list`)")
        return next(c for c in self._checkpoints() if c.source == source)

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


def _status(run: JobRun | None, interval: timedelta, now: datetime) -> PullStatus:
    """As the watchdog judges a job: late when it has not succeeded in twice its interval."""
    if run is None:
        return "never pulled"
    if run.last_error is not None:
        return "failing"
    if run.last_success is None or now - run.last_success > 2 * interval:
        return "late"
    return "ok"
