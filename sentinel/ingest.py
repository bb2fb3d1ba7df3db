"""The pull job: source → parse → normalise → enrich → store → checkpoint.

Events are written before the checkpoint moves; a crash between the two makes
the next run read the batch again, and the deterministic event ids keep it
single. A record that does not parse becomes a dead letter and the job goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import orjson

from sentinel.clock import Clock
from sentinel.config import AnySourceConfig, FileSourceConfig, Settings
from sentinel.enrich import build_enricher
from sentinel.events import EVENT_ID, SOURCE_NAME, TIMESTAMP, Event, event_id
from sentinel.parsers import make_parser
from sentinel.parsers.base import ParseError, Parser, Skipped
from sentinel.sources.base import RawRecord, SourceDamaged, SourceError, SourceReader
from sentinel.store.base import DeadLetter, Store, StoreUnavailable
from sentinel.store.fencing import Fence, fenced_update, raise_fence
from sentinel.store.query import Aggregation, EventQuery

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint"
SOURCE_ID = "sentinel.source_id"
"""The source's own id of an event, when it has one; the event id is derived from it."""


T = TypeVar("T")


class Enrich(Protocol):
    """Adds derived fields to an event in place (see sentinel.enrich)."""

    def __call__(self, fields: dict[str, Any], ts: datetime) -> None: ...


@dataclass(slots=True)
class Retry:
    """Backoff for store outages: ``base * 2**n`` seconds, capped, ``attempts`` tries in all."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def run(self, what: str, fn: Callable[[], T]) -> T:
        for attempt in range(self.attempts):
            try:
                return fn()
            except StoreUnavailable as exc:
                if exc.lasting or attempt == self.attempts - 1:
                    raise
                delay = min(self.cap, self.base * 2**attempt)
                log.warning("%s failed (%s); retrying in %.1fs", what, exc, delay)
                self.sleep(delay)
        raise AssertionError("unreachable")


@dataclass(slots=True)
class IngestReport:
    source: str
    started: datetime
    finished: datetime | None = None
    read: int = 0
    events: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    rejected: int = 0
    batches: int = 0
    error: str | None = None
    interrupted: bool = False
    """Stopped between batches when asked to, so possibly short of the source's end."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Records understood and deliberately not kept, per what they were (a syslog program)."""
    with_events: int = 0
    """Records that gave one event or more (a "message repeated 3 times" line gives three)."""
    store_fault: StoreUnavailable | None = None
    """The store fault that stopped the run (it resumes from the checkpoint)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat() if self.finished else None,
            "read": self.read,
            "events": self.events,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "dead_letters": self.dead_letters,
            "rejected": self.rejected,
            "batches": self.batches,
            "error": self.error,
            "skipped": dict(sorted(self.skipped.items())),
            "with_events": self.with_events,
        }

    def accounting(self) -> str:
        """Where every record read went: ``read = with events + skipped + dead letters``."""
        skipped = sum(self.skipped.values())
        per = ", ".join(f"{what} {n:,}" for what, n in sorted(self.skipped.items()))
        parsed_dead = self.dead_letters - self.rejected
        return (
            f"{self.read:,} read: {self.with_events:,} gave {self.events:,} event(s), "
            f"{skipped:,} skipped" + (f" ({per})" if per else "") + f", {parsed_dead:,} dead "
            "letter(s)"
        )


@dataclass(slots=True)
class Pipeline:
    """Turns raw records of one source into events and dead letters."""

    source: str
    parser: Parser
    enrich: Enrich | None
    clock: Clock
    dead_letter_max_bytes: int = 4096
    _dead: list[DeadLetter] = field(default_factory=list)
    _skipped: dict[str, int] = field(default_factory=dict)
    _with_events: int = 0

    def events(self, record: RawRecord) -> list[Event]:
        if record.refused is not None:
            raw = _raw_text(record)
            self._dead.append(
                self.dead_letter(record.position, record.label, raw, record.refused, whole=True)
            )
            return []
        try:
            docs = self.parser.parse(record)
            events = [self._event(record, i, len(docs), doc) for i, doc in enumerate(docs)]
            if events:
                self._with_events += 1
            else:
                what = docs.what if isinstance(docs, Skipped) else "no event"
                self._skipped[what] = self._skipped.get(what, 0) + 1
            return events
        except (ParseError, ValueError, TypeError, KeyError) as exc:
            raw = _raw_text(record)
            reason = str(exc) or type(exc).__name__
            if record.not_utf8:
                reason = f"{record.not_utf8}; {reason}"
            self._dead.append(self.dead_letter(record.position, record.label, raw, reason))
            return []

    def _event(self, record: RawRecord, index: int, total: int, doc: dict[str, Any]) -> Event:
        ts = doc.pop(TIMESTAMP, None)
        if not isinstance(ts, datetime) or ts.tzinfo is None:
            raise ParseError("no timezone-aware @timestamp")
        own_id = doc.pop(EVENT_ID, None)
        doc.pop(SOURCE_NAME, None)
        if own_id is not None:
            doc[SOURCE_ID] = str(own_id)
            position = f"id:{own_id}"
        else:
            position = record.position if total == 1 else f"{record.position}#{index}"
        if self.enrich is not None:
            self.enrich(doc, ts)
        return Event(
            id=event_id(self.source, position), timestamp=ts, source=self.source, fields=doc
        )

    def dead_letter(
        self, key: str, label: str, raw: str, reason: str, *, whole: bool = False
    ) -> DeadLetter:
        """A dead letter whose id is stable for ``key``, with ``raw`` cut to the configured size
        (or kept ``whole``: a line too long to parse is kept so it can be fed in again)."""
        encoded = raw.encode("utf-8", "backslashreplace")
        if not whole and len(encoded) > self.dead_letter_max_bytes:
            raw = encoded[: self.dead_letter_max_bytes].decode("utf-8", "ignore") + " …[cut]"
        return DeadLetter(
            id=event_id(self.source, f"dead:{key}"),
            source=self.source,
            position=label,
            reason=reason,
            raw=raw,
            received=self.clock.now(),
        )

    def take_dead_letters(self) -> list[DeadLetter]:
        dead, self._dead = self._dead, []
        return dead

    def take_skipped(self) -> tuple[dict[str, int], int]:
        """Records skipped per what they were, and records that gave events, since last asked."""
        skipped, self._skipped = self._skipped, {}
        with_events, self._with_events = self._with_events, 0
        return skipped, with_events


def _batches(records: Iterator[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    batch: list[RawRecord] = []
    try:
        for record in records:
            batch.append(record)
            if len(batch) >= size:
                yield batch
                batch = []
    except SourceDamaged:
        if batch:
            yield batch  # what was read before the damage is kept
        raise
    if batch:
        yield batch


def load_cursor(store: Store, source: str) -> dict[str, Any] | None:
    record = store.get_record(CHECKPOINT, source)
    return record.data.get("cursor") if record else None


def reset_checkpoint(store: Store, source: str, clock: Clock) -> bool:
    """Start a source over: its cursor becomes None, so the next pull reads it from the start.

    The record is rewritten, not deleted, so it keeps its fencing number: a worker
    that held the source before and was paused past its lease is still refused,
    where a deleted record would let it create the checkpoint again. False when
    the source has no checkpoint.
    """
    if store.get_record(CHECKPOINT, source) is None:
        return False
    updated = clock.now().isoformat()
    fenced_update(
        store, CHECKPOINT, source, lambda data: {**data, "cursor": None, "updated": updated}, None
    )
    return True


def ingest(
    reader: SourceReader,
    pipeline: Pipeline,
    store: Store,
    *,
    batch_size: int = 5000,
    retry: Retry | None = None,
    checkpoint: bool = True,
    on_batch: Callable[[IngestReport], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    fence: Fence | None = None,
) -> IngestReport:
    """Pull everything the reader has, in batches; report what happened.

    A store outage is retried with backoff; if it outlasts the retries the run
    stops with ``error`` set, having moved the checkpoint only past batches the
    store acknowledged, so the next run resumes there. ``should_stop`` is asked
    between batches, so a shutdown finishes the current batch and no more.
    With a ``fence`` (the lease a worker holds for this source) each checkpoint
    write is refused with ``FencedOff`` once the source has passed to another
    worker.
    """
    retry = retry or Retry()
    source = pipeline.source
    report = IngestReport(source=source, started=pipeline.clock.now())
    try:
        for batch in _batches(reader.records(), batch_size):
            events = [e for record in batch for e in pipeline.events(record)]
            dead = pipeline.take_dead_letters()
            skipped, with_events = pipeline.take_skipped()
            result = retry.run(
                f"writing {len(events)} events", lambda events=events: store.write_events(events)
            )
            rejected = [
                pipeline.dead_letter(
                    f"event:{r.event.id}",
                    f"event {r.event.id}",
                    orjson.dumps(r.event.document(), default=str).decode(),
                    f"store rejected: {r.reason}",
                )
                for r in result.rejected
            ]
            dead += rejected
            if dead:
                retry.run("writing dead letters", lambda dead=dead: store.write_dead_letters(dead))
            if checkpoint:
                cursor = reader.cursor()
                saved = {"cursor": cursor, "updated": pipeline.clock.now().isoformat()}
                retry.run(
                    "saving the checkpoint",
                    lambda saved=saved: fenced_update(
                        store, CHECKPOINT, source, lambda _: dict(saved), fence
                    ),
                )
            report.read += len(batch)
            report.with_events += with_events
            report.events += len(events)
            report.stored += result.stored
            report.duplicates += result.duplicates
            report.rejected += len(rejected)
            report.dead_letters += len(dead)
            report.batches += 1
            for what, n in skipped.items():
                report.skipped[what] = report.skipped.get(what, 0) + n
            if on_batch is not None:
                on_batch(report)
            if should_stop():
                report.interrupted = True
                break
    except StoreUnavailable as exc:
        report.error = f"store unavailable: {exc}"
        report.store_fault = exc
    except SourceDamaged as exc:
        report.error = f"source damaged: {exc}"
    except SourceError as exc:
        report.error = f"source unavailable: {exc}"
        log.error("ingest of %s stopped: %s; the next run resumes from the checkpoint", source, exc)
    if report.error is None and report.read and report.dead_letters == report.read:
        report.error = (
            f"every record read ({report.read:,}) was refused: is the source's format right? "
            f"See `sentinel dead-letters list --source {source}`"
        )
    report.finished = pipeline.clock.now()
    return report


def build_pipeline(settings: Settings, config: AnySourceConfig, clock: Clock) -> Pipeline:
    fmt = config.format if isinstance(config, FileSourceConfig) else "jsonl"
    parser = make_parser(
        fmt,
        zone=ZoneInfo(config.timezone or settings.timezone),
        field_map=config.field_map,
        csv_timestamp_format=getattr(config, "csv_timestamp_format", None),
        year=getattr(config, "year", None),
    )
    return Pipeline(
        source=config.name,
        parser=parser,
        enrich=build_enricher(settings, clock),
        clock=clock,
        dead_letter_max_bytes=settings.dead_letter_max_bytes,
    )


def ingest_source(
    settings: Settings,
    config: AnySourceConfig,
    store: Store,
    clock: Clock,
    *,
    retry: Retry | None = None,
    on_batch: Callable[[IngestReport], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    fence: Fence | None = None,
) -> IngestReport:
    """One scheduled pull of a configured source, from its saved cursor.

    With a ``fence`` the checkpoint is put under it before it is read, so the
    cursor read is the last one any earlier holder of the source could save.
    """
    from sentinel.sources import open_reader

    if fence is not None:
        raise_fence(store, CHECKPOINT, config.name, fence)
    reader = open_reader(config, load_cursor(store, config.name), clock=clock)
    return ingest(
        reader,
        build_pipeline(settings, config, clock),
        store,
        batch_size=settings.batch_size,
        retry=retry,
        on_batch=on_batch,
        should_stop=should_stop,
        fence=fence,
    )


@dataclass(slots=True)
class SourceStats:
    source: str
    events: int
    newest: datetime | None
    lag: timedelta | None
    dead_letters: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "events": self.events,
            "newest": self.newest.isoformat() if self.newest else None,
            "lag_seconds": self.lag.total_seconds() if self.lag is not None else None,
            "dead_letters": self.dead_letters,
        }


@dataclass(frozen=True, slots=True)
class SourceLag:
    source: str
    newest: datetime | None
    lag: timedelta | None
    dead_letters: int


def source_lags(store: Store, configured: list[str], now: datetime) -> list[SourceLag]:
    """How far behind ``now`` each source is, for the same sources as ``source_stats``,
    without counting their events: cheap enough for every overview and every scrape."""
    newest = store.newest_per_source()
    dead = store.count_dead_letters()
    return [
        SourceLag(
            source=name,
            newest=newest.get(name),
            lag=now - newest[name] if name in newest else None,
            dead_letters=dead.get(name, 0),
        )
        for name in sorted(set(configured) | set(newest) | set(dead))
    ]


def source_stats(store: Store, configured: list[str], now: datetime) -> list[SourceStats]:
    """Every configured source and every source with stored events or dead letters."""
    rows = {
        row.key[0]: row
        for row in store.aggregate(EventQuery(), Aggregation(group_by=(SOURCE_NAME,)))
        if row.key[0] is not None
    }
    dead = store.count_dead_letters()
    names = sorted(set(configured) | set(rows) | set(dead))
    out = []
    for name in names:
        row = rows.get(name)
        newest = row.last if row else None
        out.append(
            SourceStats(
                source=name,
                events=row.count if row else 0,
                newest=newest,
                lag=now - newest if newest else None,
                dead_letters=dead.get(name, 0),
            )
        )
    return out


def _raw_text(record: RawRecord) -> str:
    """A record as its dead letter keeps it: a decoded JSON record as JSON again, so it can
    be mended and imported as it came."""
    if isinstance(record.data, str):
        return record.data
    return orjson.dumps(record.data, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
