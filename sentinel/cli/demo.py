"""`sentinel demo generate`: realistic logs with planted incidents, for trying Sentinel out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sentinel.cli.common import (
    ConfigOption,
    JsonOption,
    UnusedStoreOption,
    console,
    context,
    emit_json,
    fail,
)
from sentinel.localtime import show

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
    member_directory: Annotated[
        Path | None,
        typer.Option(
            "--members", help="Also write the member directory the breach letters use here."
        ),
    ] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """Write a period of access logs for the company's tools, with planted incidents.

    The output depends on the options only; --config and --store are checked when given.
    """
    from sentinel.demo import generate as generate_logs
    from sentinel.demo.member_directory import write_member_directory
    from sentinel.demo.worktime import ZONE

    if config is not None or store_url is not None:
        context(config, store_url)
    try:
        until = datetime.fromisoformat(end) if end else None
    except ValueError:
        fail(f"--end {end!r} is not an ISO-8601 time, e.g. 2026-11-25T00:00:00Z")
    if until is not None:
        until = (until if until.tzinfo else until.replace(tzinfo=ZONE)).astimezone(UTC)
    for path in (out, sshd, combined, member_directory):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    summary = generate_logs(
        out, days=days, seed=seed, end=until, sshd_out=sshd, combined_out=combined
    )
    listed = write_member_directory(member_directory) if member_directory else None
    if as_json:
        emit_json(
            {
                "events": summary.events,
                "path": str(summary.path),
                "start": summary.start.isoformat(),
                "end": summary.end.isoformat(),
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
                        "expect": p.expect,
                    }
                    for p in summary.planted
                ],
                "quiet": summary.quiet,
                "members_listed": listed,
            }
        )
        return
    period = (
        f"{show(summary.start, ZONE, seconds=False)} to {show(summary.end, ZONE, seconds=False)}"
    )
    console.print(
        f"wrote {summary.events:,} events to {summary.path}"
        + (f", {summary.sshd_lines:,} lines to {sshd}" if sshd else "")
        + (f", {summary.combined_lines:,} lines to {combined}" if combined else "")
        + f" ({period})"
    )
    if listed is not None:
        console.print(f"wrote {listed:,} members to {member_directory}")
    table = Table(title=f"{len(summary.planted)} planted incidents (one per alerting rule)")
    for col in ("rule", "alert on", "when", "what"):
        table.add_column(col, overflow="fold")
    for p in sorted(summary.planted, key=lambda p: p.start):
        group = ", ".join(f"{k}={v}" for k, v in p.expect.items())
        table.add_row(p.name, group, show(p.start, ZONE, seconds=False), p.description)
    console.print(table)
    console.print(f"quiet accounts (normal work only): {', '.join(summary.quiet)}")
