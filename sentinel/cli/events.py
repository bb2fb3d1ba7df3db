"""`sentinel events …`: look at what has been ingested."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer
from rich.table import Table

from sentinel.cli.common import (
    ConfigOption,
    JsonOption,
    StoreOption,
    console,
    context,
    emit_json,
    fail,
    opened_store,
)
from sentinel.events import Event, format_timestamp, is_known_field
from sentinel.ingest import source_stats
from sentinel.localtime import parse_when, show, span
from sentinel.store.query import EventQuery, Filter, Match, Not, QueryError, all_of

app = typer.Typer(help="Search and summarise stored events.", no_args_is_help=True)

_WHERE = re.compile(r"^\s*(@?[A-Za-z_][\w.]*)\s*(!=|>=|<=|=|>|<|~)\s*(.*?)\s*$")

WHERE_HELP = (
    "Filter 'FIELD OP VALUE'; OP is = (with * and ? wildcards), !=, >, >=, <, <= or ~ (regex). "
    "Repeat for AND. Example: -w user.name=j.devries -w 'http.response.status_code>=400'"
)


def _value(text: str) -> Any:
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return {"true": True, "false": False, "null": None}.get(text.lower(), text)


def parse_where(expr: str) -> Filter:
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


def event_json(e: Event) -> dict[str, Any]:
    return {"id": e.id, "@timestamp": format_timestamp(e.timestamp), "source": e.source, **e.fields}


@app.command()
def search(
    where: Annotated[list[str] | None, typer.Option("--where", "-w", help=WHERE_HELP)] = None,
    since: Annotated[str | None, typer.Option("--from", help="Start: '-24h', ISO time.")] = None,
    until: Annotated[str | None, typer.Option("--to", help="End (exclusive), like --from.")] = None,
    source: Annotated[str | None, typer.Option(help="Only events of this source.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
    oldest_first: Annotated[bool, typer.Option(help="Oldest first (default newest).")] = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """List events matching filters in a time range."""
    ctx = context(config, store_url)
    now = ctx.clock.now()
    try:
        filters = [parse_where(w) for w in where or []]
        if source:
            filters.append(Match("event.dataset", "eq", source))
        query = EventQuery(
            filter=all_of(*filters),
            start=parse_when(since, ctx.zone, now) if since else None,
            end=parse_when(until, ctx.zone, now) if until else None,
        )
    except ValueError as exc:
        fail(str(exc))
    if query.start and query.end and query.start >= query.end:
        fail(f"--from ({since}) must be before --to ({until})")
    with opened_store(ctx) as store:
        page = store.search_events(query, limit=limit, ascending=oldest_first)
    if as_json:
        emit_json({"events": [event_json(e) for e in page.events], "more": page.next is not None})
        return
    table = Table(title=f"{len(page.events)} events" + (" (more match)" if page.next else ""))
    for col in ("time", "source", "action", "outcome", "user", "source ip", "member", "detail"):
        table.add_column(col, overflow="fold")
    for e in page.events:
        f = e.fields
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
    ctx = context(config, store_url)
    now = ctx.clock.now()
    with opened_store(ctx) as store:
        rows = source_stats(store, [s.name for s in ctx.settings.sources], now)
    if as_json:
        emit_json([r.as_dict() for r in rows])
        return
    table = Table(title="Sources")
    for col in ("source", "events", "newest event", "lag", "dead letters"):
        table.add_column(col, justify="right" if col in ("events", "dead letters") else "left")
    for r in rows:
        table.add_row(
            r.source,
            f"{r.events:,}",
            show(r.newest, ctx.zone),
            span(r.lag) if r.lag is not None else "—",
            f"{r.dead_letters:,}",
        )
    console.print(table)
