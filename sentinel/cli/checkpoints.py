"""`sentinel checkpoints`: where each source will resume, and starting a source over.

Resetting is safe to repeat: the events already stored keep their deterministic
ids, so re-reading a source from the start stores only what is new.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from sentinel.cli.common import (
    ConfigOption,
    Exit,
    JsonOption,
    StoreOption,
    console,
    emit,
    fail,
    services,
)
from sentinel.localtime import show
from sentinel.services.actor import command_line

app = typer.Typer(help="Where each source resumes; start a source over.", no_args_is_help=True)


def _summary(cursor: Any) -> str:
    """One line of the cursor for people; its full form is in --json."""
    if cursor is None:
        return "(reset: the next pull reads from the start)"
    if not isinstance(cursor, dict):
        return str(cursor)
    parts = [f"{k}={v}" for k, v in cursor.items() if not isinstance(v, dict | list)]
    nested = [k for k, v in cursor.items() if isinstance(v, dict | list)]
    return ", ".join(parts + [f"{k}=…" for k in nested])


@app.command("list")
def list_checkpoints(
    as_json: JsonOption = False, config: ConfigOption = None, store_url: StoreOption = None
) -> None:
    """Every source's saved cursor and when it last moved."""
    from sentinel.services.sources import SourceService

    with services(config, store_url) as ctx:
        rows = SourceService(ctx).checkpoints(command_line())
    if as_json:
        emit(rows)
        return
    table = Table(title=f"{len(rows)} checkpoints")
    for col in ("source", "updated", "cursor"):
        table.add_column(col, overflow="fold")
    for row in rows:
        name = row.source if row.configured else f"{row.source} (not configured)"
        updated = show(row.updated, ctx.zone) if row.updated else ""
        table.add_row(name, updated, _summary(row.cursor))
    console.print(table)


@app.command()
def reset(
    source: Annotated[str, typer.Argument(help="Source name, as in settings.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Forget a source's cursor: the next pull reads it from the start (nothing is stored twice)."""
    from sentinel.services.sources import SourceService

    with services(config, store_url) as ctx:
        service = SourceService(ctx)
        if not any(c.source == source for c in service.checkpoints(command_line())):
            fail(
                f"source {source!r} has no checkpoint (see `sentinel checkpoints list`)",
                Exit.NOT_FOUND,
            )
        if not yes and not typer.confirm(f"Read {source!r} again from the start?"):
            fail("nothing changed", Exit.FAILED)
        service.reset_checkpoint(command_line(), source)
    console.print(f"checkpoint of {source} reset; the next pull reads it from the start")
