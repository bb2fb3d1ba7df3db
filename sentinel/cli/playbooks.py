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
    emit_json,
    errors,
    fail,
    styled,
)
from sentinel.incidents.playbooks import load_playbooks

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
    books, problems = load_playbooks(_folder(folder, config, store_url))
    if as_json:
        emit_json(
            {
                "loaded": sorted(books),
                "refused": [{"file": p.file, "line": p.line, "reason": p.reason} for p in problems],
            }
        )
    else:
        for problem in problems:
            errors.print(styled(("refused", "red"), f" {problem}"))
        console.print(f"{len(books)} playbook(s) loaded, {len(problems)} refused")
    if problems:
        raise typer.Exit(int(Exit.FAILED))


@app.command("list")
def list_playbooks(
    folder: FolderArgument = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """The playbooks and their number of steps."""
    books, _problems = load_playbooks(_folder(folder, config, store_url))
    if as_json:
        emit_json([{"id": b.id, "title": b.title, "steps": len(b.steps)} for b in books.values()])
        return
    table = Table(title=f"{len(books)} playbook(s)")
    for col in ("id", "title", "steps"):
        table.add_column(col)
    for b in books.values():
        table.add_row(b.id, b.title, str(len(b.steps)))
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
    folder = _folder(folder, config, store_url)
    books, _problems = load_playbooks(folder)
    book = books.get(name)
    if book is None:
        fail(f"no playbook {name!r} in {folder}", Exit.NOT_FOUND)
    if as_json:
        emit_json(
            {
                "id": book.id,
                "title": book.title,
                "description": book.description,
                "steps": [
                    {
                        "id": s.id,
                        "title": s.title,
                        "owner": s.owner,
                        "due": f"{s.due.within} after {s.due.after}" if s.due else None,
                        "asks": list(s.asks),
                        "actions": [str(a) for a in s.actions],
                        "guidance": s.guidance,
                    }
                    for s in book.steps
                ],
            }
        )
        return
    console.print(styled((book.id, "bold"), f": {book.title}"))
    if book.description:
        console.print(book.description, highlight=False)
    for s in book.steps:
        due = f", due {s.due.within} after {s.due.after}" if s.due else ""
        console.print()
        console.print(styled((s.id, "bold"), f" {s.title} (owner {s.owner}{due})"))
        if s.guidance:
            console.print(s.guidance, highlight=False)
        if s.asks:
            console.print(f"asks for: {', '.join(s.asks)}")
        for a in s.actions:
            console.print(f"action: {a}")
