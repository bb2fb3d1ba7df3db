"""`sentinel audit …`: check the hash-chained audit trail and read it."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.table import Table

from sentinel.cli.common import (
    ConfigOption,
    Exit,
    JsonOption,
    StoreOption,
    console,
    emit,
    errors,
    services,
    styled,
)
from sentinel.localtime import show
from sentinel.services.actor import command_line
from sentinel.services.audit import AuditService

app = typer.Typer(help="The audit trail: verify the chain, list entries.", no_args_is_help=True)


@app.command()
def verify(
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Check every entry against its hash and its predecessor; exit 1 naming the first bad one."""
    with services(config, store_url) as ctx:
        result = AuditService(ctx).verify(command_line())
    if as_json:
        emit(result)
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
    with services(config, store_url) as ctx:
        found = AuditService(ctx).entries(command_line(), subject=subject, after=after, limit=limit)
    if as_json:
        emit(found)
        return
    table = Table(title=f"{len(found)} audit entries")
    for col in ("#", "time", "actor", "action", "subject", "details"):
        table.add_column(col, overflow="fold")
    for e in found:
        details = orjson.dumps(e.details, default=str).decode()
        table.add_row(str(e.seq), show(e.at, ctx.zone), e.actor, e.action, e.subject, details[:200])
    console.print(table)
