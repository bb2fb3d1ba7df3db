"""`sentinel demo generate`: realistic logs with planted incidents, for trying Sentinel out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sentinel.cli.common import JsonOption, console, emit_json, fail
from sentinel.demo import generate as generate_logs

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="JSON-lines application access log to write.")],
    days: Annotated[int, typer.Option(min=1, max=366)] = 7,
    seed: Annotated[int, typer.Option(help="Same seed and end, same output.")] = 42,
    end: Annotated[
        str | None, typer.Option(help="End of the period, ISO-8601 (default: this hour, UTC).")
    ] = None,
    sshd: Annotated[Path | None, typer.Option(help="Also write an OpenSSH auth log here.")] = None,
    combined: Annotated[
        Path | None, typer.Option(help="Also write a combined-format web log here.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write a period of access logs for the company's tools, with planted incidents."""
    try:
        until = datetime.fromisoformat(end).astimezone(UTC) if end else None
    except ValueError:
        fail(f"--end {end!r} is not an ISO-8601 time, e.g. 2026-11-25T00:00:00Z")
    for path in (out, sshd, combined):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    summary = generate_logs(
        out, days=days, seed=seed, end=until, sshd_out=sshd, combined_out=combined
    )
    if as_json:
        emit_json(
            {
                "events": summary.events,
                "path": str(summary.path),
                "sshd_lines": summary.sshd_lines,
                "combined_lines": summary.combined_lines,
                "planted": [
                    {
                        "name": p.name,
                        "description": p.description,
                        "user": p.user,
                        "source_ip": p.source_ip,
                        "start": p.start.isoformat(),
                        "end": p.end.isoformat(),
                    }
                    for p in summary.planted
                ],
            }
        )
        return
    console.print(f"wrote {summary.events:,} events to {summary.path}")
    table = Table(title="Planted incidents")
    for col in ("name", "account", "source ip", "start (UTC)", "description"):
        table.add_column(col, overflow="fold")
    for p in summary.planted:
        table.add_row(p.name, p.user or "", p.source_ip or "", p.start.isoformat(), p.description)
    console.print(table)
