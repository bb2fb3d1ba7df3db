"""`sentinel ingest`, `sentinel import` and `sentinel dead-letters`: getting logs in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as ProgressBar
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
from sentinel.config import LogFormat
from sentinel.localtime import show
from sentinel.plaintext import printable
from sentinel.services.actor import command_line

if TYPE_CHECKING:
    from sentinel.services.ingest import IngestReportView, Progress

dead_letters_app = typer.Typer(help="Records that could not be ingested.", no_args_is_help=True)


def _report_table(reports: list[IngestReportView]) -> Table:
    table = Table(title="Ingest")
    for col in ("source", "read", "stored", "duplicates", "skipped", "dead letters", "status"):
        table.add_column(col, justify="left" if col in ("source", "status") else "right")
    for r in reports:
        table.add_row(
            r.source,
            f"{r.read:,}",
            f"{r.stored:,}",
            f"{r.duplicates:,}",
            _skipped(r),
            f"{r.dead_letters:,}",
            styled((_stopped(r.error), "red")) if r.error else styled(("ok", "green")),
        )
    return table


def _stopped(error: str) -> str:
    """The table's short word for why a source stopped; the whole reason follows the table."""
    what, _, _ = error.partition(":")
    return f"stopped: {what}"


def _show_reports(reports: list[IngestReportView], again: str) -> None:
    console.print(_report_table(reports))
    for r in reports:
        if r.events != r.with_events:  # some records gave several events: say how it adds up
            console.print(f"{r.source}: {r.accounting}")
    for r in reports:
        if r.error:
            errors.print(
                styled(("error:", "bold red"), f" {r.source}: {r.error}. {again}"), soft_wrap=True
            )


def _skipped(report: IngestReportView) -> str:
    """The total, and per program what the parser understood and did not keep."""
    total = sum(report.skipped.values())
    if not total:
        return "0"
    parts = ", ".join(f"{what} {n:,}" for what, n in sorted(report.skipped.items()))
    return f"{total:,} ({parts})"


def _exit_code(reports: list[IngestReportView]) -> Exit:
    if any(r.error and "unavailable" in r.error for r in reports):
        return Exit.UNAVAILABLE
    return Exit.FAILED if any(r.error for r in reports) else Exit.OK


def _spinners(bar: ProgressBar) -> Callable[[Progress], None]:
    """A line per source while it is read; gone when the source is done."""

    tasks: dict[str, TaskID] = {}

    def show_progress(p: Progress) -> None:
        if p.source not in tasks:
            tasks[p.source] = bar.add_task(p.source, total=None, figures="starting")
        elif p.finished:
            bar.remove_task(tasks.pop(p.source))
        else:
            bar.update(tasks[p.source], figures=f"{p.read:,} read, {p.stored:,} stored")

    return show_progress


def ingest_command(
    source: Annotated[str | None, typer.Option(help="Only this source (default: all).")] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Pull every configured source once, from its saved cursor."""
    from sentinel.services.ingest import IngestService

    bar = ProgressBar(
        SpinnerColumn(),
        TextColumn("{task.description}", style="bold", markup=False),
        TextColumn("{task.fields[figures]}", markup=False),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json or not console.is_terminal,
    )
    with services(config, store_url) as ctx, bar:
        reports = IngestService(ctx).pull(command_line(), source=source, on_progress=_spinners(bar))
    if as_json:
        emit(reports)
    else:
        _show_reports(reports, "Nothing was lost: the next ingest resumes from the checkpoint.")
    raise typer.Exit(int(_exit_code(reports)))


def import_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A log file.")],
    fmt: Annotated[LogFormat, typer.Option("--format", "-f", help="The file's log format.")],
    name: Annotated[
        str | None, typer.Option("--source-name", help="Source name to store events under.")
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            min=1970,
            max=9999,
            help="Year of syslog lines, which leave it out (default: from the file's time).",
        ),
    ] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Read one file once (a one-off import); importing it again stores nothing twice."""
    from sentinel.services.ingest import IngestService

    bar = ProgressBar(
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[events]:,} events", markup=False),
        console=console,
        disable=as_json,
    )
    task: list[TaskID] = []

    def advance(p: Progress) -> None:
        if not task:
            task.append(bar.add_task(printable(f"importing {path.name}"), total=None, events=0))
        bar.update(task[0], completed=p.done_bytes or 0, total=p.total_bytes, events=p.events)

    with services(config, store_url) as ctx, bar:
        report = IngestService(ctx).import_file(
            command_line(), path, fmt, name=name, year=year, on_progress=advance
        )
    if as_json:
        emit(report)
    else:
        _show_reports([report], "Importing the file again stores nothing twice.")
    raise typer.Exit(int(_exit_code([report])))


@dead_letters_app.command("list")
def list_dead_letters(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Newest first: where each came from, why it was refused, and the raw record."""
    from sentinel.services.sources import SourceService

    with services(config, store_url) as ctx:
        letters = SourceService(ctx).dead_letters(command_line(), source=source, limit=limit)
    if as_json:
        emit(letters)
        return
    table = Table(title=f"{len(letters)} dead letters")
    for col in ("received", "source", "position", "reason", "raw"):
        table.add_column(col, overflow="fold")
    for d in letters:
        table.add_row(show(d.received, ctx.zone), d.source, d.position, d.reason, d.raw[:120])
    console.print(table)
