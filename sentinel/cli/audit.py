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

app = typer.Typer(help="The audit trail: verify the chain, list entries.", no_args_is_help=True)


@app.command()
def verify(
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            help="ENTRY:SHA256 kept from a register export, an approval or a checkpoint log "
            "line; the trail must still hold it (repeatable).",
        ),
    ] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Check every entry against its hash and its predecessor, and every record it describes
    against the state its entries hold; exit 1 naming the first bad entry or each changed record."""
    from sentinel.services.audit import AuditService

    with services(config, store_url) as ctx:
        result = AuditService(ctx).verify(command_line(), anchor or [])
    if as_json:
        emit(result)
    elif result.ok:
        console.print(
            f"audit trail intact: {result.entries} entries, {result.records} record(s) as "
            "they describe them"
        )
    elif result.problem in ("changed", "rewritten"):
        title = (
            "the audit trail was rewritten"
            if result.problem == "rewritten"
            else f"{len(result.changes)} record(s) changed outside Sentinel"
        )
        errors.print(
            styled(
                (title, "bold red"),
                f"; the chain of {result.entries} entries is consistent in itself:",
            )
        )
        for change in result.changes:
            errors.print(f"  {change}", soft_wrap=True)
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


@app.command()
def checkpoint(
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Sign the newest entry with audit.checkpoint_key (sentinel run does it every hour)."""
    from sentinel.services.audit import AuditService

    with services(config, store_url) as ctx:
        made = AuditService(ctx).checkpoint(command_line())
    if as_json:
        emit(made)
        return
    console.print(
        f"audit checkpoint {made.anchor} signed; keep this line to check the trail",
        soft_wrap=True,
    )


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
    from sentinel.services.audit import AuditService

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
