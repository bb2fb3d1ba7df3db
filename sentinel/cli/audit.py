"""`sentinel audit …`: check the hash-chained audit trail and read it."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.table import Table

from sentinel import audit
from sentinel.cli.common import (
    ConfigOption,
    Exit,
    JsonOption,
    StoreOption,
    console,
    context,
    emit_json,
    errors,
    opened_store,
    styled,
)
from sentinel.localtime import show

app = typer.Typer(help="The audit trail: verify the chain, list entries.", no_args_is_help=True)


@app.command()
def verify(
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Check every entry against its hash and its predecessor; exit 1 naming the first bad one."""
    ctx = context(config, store_url)
    with opened_store(ctx) as store:
        result = audit.verify(store)
    if as_json:
        emit_json(
            {
                "ok": result.ok,
                "entries": result.entries,
                "seq": result.seq,
                "problem": result.problem,
                "message": result.message,
            }
        )
    elif result.ok:
        console.print(f"audit trail intact: {result.entries} entries")
    else:
        errors.print(
            styled(
                ("audit trail broken", "bold red"),
                f" at entry {result.seq} ({result.problem}): "
                f"{result.message}; {result.entries} entries before it are intact",
            )
        )
    if not result.ok:
        raise typer.Exit(int(Exit.FAILED))


@app.command("list")
def list_entries(
    subject: Annotated[str | None, typer.Option(help="Only entries about this (INC-…).")] = None,
    after: Annotated[int | None, typer.Option(help="Entries after this number.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Entries in order."""
    ctx = context(config, store_url)
    with opened_store(ctx) as store:
        found = audit.entries(store, subject=subject, limit=limit, after=after)
    if as_json:
        emit_json(
            [
                {
                    "seq": e.seq,
                    "at": e.at,
                    "actor": e.actor,
                    "action": e.action,
                    "subject": e.subject,
                    "details": e.details,
                    "hash": e.hash,
                }
                for e in found
            ]
        )
        return
    table = Table(title=f"{len(found)} audit entries")
    for col in ("#", "time", "actor", "action", "subject", "details"):
        table.add_column(col, overflow="fold")
    for e in found:
        details = orjson.dumps(e.details, default=str).decode()
        table.add_row(str(e.seq), show(e.at, ctx.zone), e.actor, e.action, e.subject, details[:200])
    console.print(table)
