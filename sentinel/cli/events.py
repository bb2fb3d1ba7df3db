"""`sentinel events …`: look at what has been ingested."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from sentinel.cli.common import (
    ConfigOption,
    JsonOption,
    StoreOption,
    console,
    emit,
    fail,
    services,
)
from sentinel.localtime import parse_when, show, span
from sentinel.services.actor import command_line
from sentinel.services.events import WHERE_HELP

app = typer.Typer(help="Search and summarise stored events.", no_args_is_help=True)


@app.command()
def search(
    where: Annotated[list[str] | None, typer.Option("--where", "-w", help=WHERE_HELP)] = None,
    since: Annotated[str | None, typer.Option("--from", help="Start: '-24h', ISO time.")] = None,
    until: Annotated[str | None, typer.Option("--to", help="End (exclusive), like --from.")] = None,
    source: Annotated[str | None, typer.Option(help="Only events of this source.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
    oldest_first: Annotated[bool, typer.Option(help="Oldest first (default newest).")] = False,
    cursor: Annotated[
        str | None, typer.Option(help="Continue after a page: the 'next' of its --json.")
    ] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """List events matching filters in a time range."""
    from sentinel.services.events import EventService

    with services(config, store_url) as ctx:
        now = ctx.clock.now()
        try:
            start = parse_when(since, ctx.zone, now) if since else None
            end = parse_when(until, ctx.zone, now) if until else None
        except ValueError as exc:
            fail(str(exc))
        if start and end and start >= end:
            fail(f"--from ({since}) must be before --to ({until})")
        page = EventService(ctx).search(
            command_line(),
            where=where or [],
            since=start,
            until=end,
            source=source,
            limit=limit,
            ascending=oldest_first,
            cursor=cursor,
        )
    if as_json:
        emit(page)
        return
    table = Table(title=f"{len(page.events)} events" + (" (more match)" if page.more else ""))
    for col in ("time", "source", "action", "outcome", "user", "source ip", "member", "detail"):
        table.add_column(col, overflow="fold")
    for e in page.events:
        f = e.model_extra or {}
        detail = f.get("url.path") or f.get("message") or ""
        table.add_row(
            show(e.timestamp, ctx.zone),
            e.source,
            str(f.get("event.action") or ""),
            str(f.get("event.outcome") or ""),
            str(f.get("user.name") or ""),
            str(f.get("source.ip") or ""),
            str(f.get("sentinel.member.id") or ""),
            str(detail)[:80],
        )
    console.print(table)


@app.command()
def stats(
    as_json: JsonOption = False, config: ConfigOption = None, store_url: StoreOption = None
) -> None:
    """Per source: stored events, newest event, lag behind now, dead letters."""
    from sentinel.services.sources import SourceService

    with services(config, store_url) as ctx:
        rows = SourceService(ctx).stats(command_line())
    if as_json:
        emit(rows)
        return
    table = Table(title="Sources")
    for col in ("source", "events", "newest event", "lag", "dead letters"):
        table.add_column(col, justify="right" if col in ("events", "dead letters") else "left")
    for r in rows:
        table.add_row(
            r.source,
            f"{r.events:,}",
            show(r.newest, ctx.zone),
            span(timedelta(seconds=r.lag_seconds)) if r.lag_seconds is not None else "—",
            f"{r.dead_letters:,}",
        )
    console.print(table)
