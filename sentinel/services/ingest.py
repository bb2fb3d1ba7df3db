"""Getting logs in by hand: pull the configured sources now, or import one log file once.

``sentinel run`` pulls on a schedule; this is the same pull from each source's saved
cursor, and an import that keeps no cursor (importing the file again stores nothing
twice, as event ids are derived from the records).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from sentinel.config import FileSourceConfig, LogFormat, SettingsError
from sentinel.incidents.facts import Time
from sentinel.ingest import IngestReport, build_pipeline, ingest, ingest_source
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Invalid
from sentinel.sources.file import open_file_reader


class IngestReportView(BaseModel):
    """One source's pull: where every record read went, and why it stopped if it did."""

    source: str
    started: Time
    finished: Time | None
    read: int
    events: int
    stored: int
    duplicates: int
    """Events already stored (a record read again): kept once."""
    dead_letters: int
    rejected: int
    """Dead letters the store refused (of ``dead_letters``), not the parser."""
    batches: int
    error: str | None
    """Why the pull stopped; the next one resumes from the checkpoint."""
    skipped: dict[str, int]
    """Records understood and deliberately not kept, per what they were."""
    with_events: int
    """Records that gave one event or more."""
    accounting: str
    """Where every record read went, in a sentence."""

    @classmethod
    def of(cls, r: IngestReport) -> IngestReportView:
        return cls(
            source=r.source,
            started=r.started,
            finished=r.finished,
            read=r.read,
            events=r.events,
            stored=r.stored,
            duplicates=r.duplicates,
            dead_letters=r.dead_letters,
            rejected=r.rejected,
            batches=r.batches,
            error=r.error,
            skipped=dict(sorted(r.skipped.items())),
            with_events=r.with_events,
            accounting=r.accounting(),
        )


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one source is, for a progress display: at its start, after each batch, at its end."""

    source: str
    read: int = 0
    stored: int = 0
    events: int = 0
    done_bytes: int | None = None
    total_bytes: int | None = None
    """The file's size on disk, when reading a file."""
    finished: bool = False


OnProgress = Callable[[Progress], None]


def _quiet(_: Progress) -> None:
    return None


class IngestService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def pull(
        self, actor: Actor, *, source: str | None = None, on_progress: OnProgress = _quiet
    ) -> list[IngestReportView]:
        """Every configured source (or one) once, from its saved cursor."""
        require(actor, "sources:ingest")
        settings = self.ctx.settings
        try:
            sources = [settings.source(source)] if source else list(settings.sources)
        except SettingsError as exc:
            raise Invalid(str(exc)) from None
        if not sources:
            raise Invalid(
                "no sources configured: add [[sources]] to sentinel.toml (see README, 'Sources')"
            )
        reports = []
        for s in sources:
            on_progress(Progress(s.name))

            def batch(r: IngestReport, name: str = s.name) -> None:
                on_progress(Progress(name, r.read, r.stored, r.events))

            done = ingest_source(settings, s, self.ctx.store, self.ctx.clock, on_batch=batch)
            on_progress(Progress(s.name, done.read, done.stored, done.events, finished=True))
            reports.append(IngestReportView.of(done))
        return reports

    def import_file(
        self,
        actor: Actor,
        path: Path,
        fmt: LogFormat,
        *,
        name: str | None = None,
        year: int | None = None,
        on_progress: OnProgress = _quiet,
    ) -> IngestReportView:
        """Read one file once, under ``name`` (default ``import-<file stem>``)."""
        require(actor, "sources:ingest")
        settings, clock = self.ctx.settings, self.ctx.clock
        try:
            source = FileSourceConfig(
                name=name or f"import-{path.stem}", path=str(path), format=fmt, year=year
            )
            pipeline = build_pipeline(settings, source, clock)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        reader = open_file_reader(source, None, clock=clock, final=True)

        def advance(r: IngestReport) -> None:
            done, total = reader.progress()
            on_progress(Progress(source.name, r.read, r.stored, r.events, done, total))

        on_progress(Progress(source.name, total_bytes=reader.progress()[1]))
        report = ingest(
            reader,
            pipeline,
            self.ctx.store,
            batch_size=settings.batch_size,
            checkpoint=False,
            on_batch=advance,
        )
        done, total = reader.progress()
        on_progress(
            Progress(source.name, report.read, report.stored, report.events, done, total, True)
        )
        return IngestReportView.of(report)
