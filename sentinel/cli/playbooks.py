"""`sentinel playbooks …`: check and read the incident playbooks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sentinel.cli.common import (
    ConfigOption,
    Exit,
    JsonOption,
    UnusedStoreOption,
    console,
    context,
    emit,
    errors,
    refusals,
    styled,
)

app = typer.Typer(help="Incident playbooks: check, list, show.", no_args_is_help=True)

FolderArgument = Annotated[
    Path | None, typer.Argument(help="Playbooks folder (default: incidents.playbooks_dir).")
]


def _folder(folder: Path | None, config: Path | None, store_url: str | None) -> Path:
    return folder or context(config, store_url).settings.incidents.playbooks_dir


@app.command()
def check(
    folder: FolderArgument = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """Load every playbook; name each refused one with file, line and reason (exit 1)."""
    from sentinel.services import playbooks as playbook_service

    result = playbook_service.check(_folder(folder, config, store_url))
    if as_json:
        emit(result)
    else:
        for r in result.refused:
            where = f"{r.file}:{r.line}" if r.line else r.file
            errors.print(styled(("refused", "red"), f" {where}: {r.reason}"))
        console.print(f"{len(result.loaded)} playbook(s) loaded, {len(result.refused)} refused")
    if result.refused:
        raise typer.Exit(int(Exit.FAILED))


@app.command("list")
def list_playbooks(
    folder: FolderArgument = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """The playbooks and their number of steps."""
    from sentinel.services import playbooks as playbook_service

    books = playbook_service.catalogue(_folder(folder, config, store_url))
    if as_json:
        emit(books)
        return
    table = Table(title=f"{len(books)} playbook(s)")
    for col in ("id", "title", "steps"):
        table.add_column(col)
    for b in books:
        table.add_row(b.id, b.title, str(b.steps))
    console.print(table)


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="Playbook id.")],
    folder: Annotated[
        Path | None,
        typer.Option("--playbooks", help="Playbooks folder (default: incidents.playbooks_dir)."),
    ] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """The steps of one playbook with owner, due time, asked facts and actions."""
    from sentinel.services import playbooks as playbook_service

    with refusals():
        book = playbook_service.book(_folder(folder, config, store_url), name)
    if as_json:
        emit(book)
        return
    console.print(styled((book.id, "bold"), f": {book.title}"))
    if book.description:
        console.print(book.description, highlight=False)
    for s in book.steps:
        due = f", due {s.due}" if s.due else ""
        console.print()
        console.print(styled((s.id, "bold"), f" {s.title} (owner {s.owner}{due})"))
        if s.guidance:
            console.print(s.guidance, highlight=False)
        if s.asks:
            console.print(f"asks for: {', '.join(s.asks)}")
        for a in s.actions:
            console.print(f"action: {a}")
