"""`sentinel workers`: the workers sharing the jobs, and how each job last ran."""

from __future__ import annotations

from datetime import timedelta

import typer
from rich.table import Table
from rich.text import Text

from sentinel.cli.common import ConfigOption, JsonOption, StoreOption, console, emit, services
from sentinel.localtime import show, span
from sentinel.services.actor import command_line

app = typer.Typer(help="The workers sharing the jobs, and their leases.", no_args_is_help=True)


@app.command("list")
def list_command(
    as_json: JsonOption = False, config: ConfigOption = None, store_url: StoreOption = None
) -> None:
    """Each worker, when it was last seen, and the jobs it holds with their lease expiry."""
    from sentinel.services.workers import WorkerService

    with services(config, store_url) as ctx:
        service = WorkerService(ctx)
        workers = service.workers(command_line())
        live = service.live(command_line())
    if as_json:
        emit(workers)
        return
    now = ctx.clock.now()
    table = Table(title=f"{len(live)} live worker(s), {len(workers)} seen in the last day")
    for col in ("worker", "last seen", "state", "jobs (lease expires, epoch)"):
        table.add_column(col, overflow="fold")
    for w in workers:
        state = "live" if w.worker in live else f"gone {span(now - w.last_seen)}"
        jobs = "\n".join(f"{j.job} ({show(j.lease_expires, ctx.zone)}, {j.epoch})" for j in w.jobs)
        table.add_row(Text(w.worker), show(w.last_seen, ctx.zone), state, Text(jobs or "—"))
    console.print(table)


@app.command("jobs")
def jobs_command(
    as_json: JsonOption = False, config: ConfigOption = None, store_url: StoreOption = None
) -> None:
    """Each job's last success and last error, and whether the watchdog counts it late."""
    from sentinel.services.workers import WorkerService

    with services(config, store_url) as ctx:
        jobs = WorkerService(ctx).jobs(command_line())
    if as_json:
        emit(jobs)
        return
    table = Table(title=f"{len(jobs)} job(s), {sum(j.late for j in jobs)} late")
    for col in ("job", "every", "last success", "last error", "worker"):
        table.add_column(col, overflow="fold")
    for j in jobs:
        every = span(timedelta(seconds=j.interval_seconds))
        success = show(j.last_success, ctx.zone)
        table.add_row(
            Text(j.job),
            every,
            Text(f"{success} (late)" if j.late else success, style="bold red" if j.late else ""),
            Text(j.last_error or ""),
            Text(j.worker or ""),
        )
    console.print(table)
