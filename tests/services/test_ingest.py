"""Ingest by hand through its service: a pull from the saved cursor, a one-off file import,
progress while reading, and who may do it; on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.access.permissions import ROLE_PERMISSIONS
from sentinel.config import Settings
from sentinel.services.actor import Caller
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden, Invalid
from sentinel.services.ingest import IngestService, Progress
from sentinel.store.query import EventQuery

ADMIN = Caller("adam", permissions=ROLE_PERMISSIONS["admin"])
LINES = [
    '{"@timestamp":"2026-03-10T09:00:00Z","event":{"action":"member.view"},'
    '"user":{"name":"m.jansen"}}',
    "not json at all",
    '{"@timestamp":"2026-03-10T09:05:00Z","event":{"action":"member.export"},'
    '"user":{"name":"p.smit"}}',
]


def with_source(ctx: ServiceContext, log: Path) -> ServiceContext:
    sources = [{"name": "app", "kind": "file", "path": str(log), "format": "jsonl"}]
    settings = ctx.settings.model_copy(
        update={"sources": Settings(_env_file=None, sources=sources).sources}  # type: ignore[call-arg]
    )
    return ServiceContext(settings, ctx.store, ctx.clock)


def test_a_pull_reads_on_from_the_saved_cursor_and_keeps_the_bad_line(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_text("\n".join(LINES[:2]) + "\n")
    service = IngestService(with_source(ctx, log))
    seen: list[Progress] = []

    [first] = service.pull(ADMIN, on_progress=seen.append)
    with log.open("a") as more:
        more.write(LINES[2] + "\n")
    [second] = service.pull(ADMIN, source="app")

    assert (first.source, first.read, first.stored, first.dead_letters) == ("app", 2, 1, 1)
    assert first.error is None and first.accounting.startswith("2 read: 1 gave 1 event(s)")
    assert (second.read, second.stored) == (1, 1)
    assert ctx.store.count_events(EventQuery()) == 2
    assert (seen[0].source, seen[0].read, seen[-1].finished) == ("app", 0, True)
    assert seen[-1].stored == 1
    with pytest.raises(Invalid, match="nowhere"):
        service.pull(ADMIN, source="nowhere")
    with pytest.raises(Invalid, match="no sources configured"):
        IngestService(ctx).pull(ADMIN)


def test_an_import_stores_nothing_twice_and_says_how_far_it_is(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    log = tmp_path / "export.jsonl"
    log.write_text("\n".join(LINES) + "\n")
    service = IngestService(ctx)
    seen: list[Progress] = []

    first = service.import_file(ADMIN, log, "jsonl", on_progress=seen.append)
    again = service.import_file(ADMIN, log, "jsonl")

    assert (first.source, first.stored, first.dead_letters) == ("import-export", 2, 1)
    assert (again.stored, again.duplicates) == (0, 2)
    size = log.stat().st_size
    assert seen[0].total_bytes == size and seen[0].read == 0
    assert (seen[-1].done_bytes, seen[-1].finished) == (size, True)
    with pytest.raises(Invalid, match="year"):
        service.import_file(ADMIN, log, "jsonl", year=2005)


def test_only_those_who_keep_sentinel_pull_or_import(ctx: ServiceContext, tmp_path: Path) -> None:
    analyst = Caller("anna", permissions=ROLE_PERMISSIONS["analyst"])
    with pytest.raises(Forbidden, match="sources:ingest"):
        IngestService(ctx).pull(analyst)
    with pytest.raises(Forbidden, match="sources:ingest"):
        IngestService(ctx).import_file(analyst, tmp_path / "x.log", "jsonl")
