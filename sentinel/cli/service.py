"""`sentinel run`: the long-running service."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from sentinel.cli.common import (
    ConfigOption,
    Exit,
    StoreOption,
    console,
    context,
    fail,
    opened_store,
    refusals,
)
from sentinel.cli.serve import HostOption, PortOption, web_server
from sentinel.plaintext import one_line
from sentinel.store import StoreError

if TYPE_CHECKING:
    import uvicorn


class _OneLine(logging.Formatter):
    """A message is one line of text: a value from a log cannot forge a record or a colour."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        return super().formatMessage(record)


class _LocalTime(_OneLine):
    """One line per record, stamped in the configured zone with its offset."""

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s")
        self.zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.zone).isoformat(timespec="seconds")


def _log_handler(zone: ZoneInfo) -> logging.Handler:
    """Rich on a terminal; elsewhere (journald, a file) plain lines, as Rich wraps at 80 columns."""
    if console.is_terminal:
        from rich.logging import RichHandler

        rich = RichHandler(
            console=console,
            show_path=False,
            rich_tracebacks=True,
            log_time_format=lambda t: Text(t.astimezone(zone).strftime("%H:%M:%S")),
        )
        rich.setFormatter(_OneLine("%(message)s"))
        return rich
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_LocalTime(zone))
    return handler


class Background:
    """The web server in a thread beside the scheduler; stopped after the jobs are."""

    def __init__(self, server: uvicorn.Server) -> None:
        self.server = server
        self.thread = threading.Thread(target=server.run, name="web", daemon=True)
        self.thread.start()
        waiting = threading.Event()
        while not server.started and self.thread.is_alive():
            waiting.wait(0.05)
        where = f"http://{server.config.host}:{server.config.port}"
        if not server.started:
            fail(f"could not serve the web app on {where} (in use? settings web.host, web.port)")
        logging.getLogger("sentinel").info("serving the web app on %s", where)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def run_command(
    no_web: Annotated[
        bool,
        typer.Option(
            "--no-web",
            help="Only run the jobs; do not serve the web app and API (for extra workers).",
        ),
    ] = False,
    host: HostOption = None,
    port: PortOption = None,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Run the scheduled jobs and serve the web app until SIGTERM or Ctrl-C.

    Several workers on one store share the jobs through leases (docs/scale-out.md).
    """
    # The service's parts load here, not when any other command starts.
    from sentinel.access.service import Access
    from sentinel.alerts import Alerts
    from sentinel.detection.engine import Engine
    from sentinel.ingest import build_pipeline
    from sentinel.scheduler import (
        Service,
        access_housekeeping_job,
        checkpoint_job,
        delivery_job,
        ingest_jobs,
        reminder_job,
        retention_job,
        rule_jobs,
        watchdog_job,
    )
    from sentinel.services.rules import RulePack
    from sentinel.services.store import shown_url

    ctx = context(config, store_url)
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[_log_handler(ctx.zone)])
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    if not ctx.settings.sources:
        fail("no sources configured: add [[sources]] to sentinel.toml (see README, 'Sources')")
    for source in ctx.settings.sources:
        try:
            build_pipeline(ctx.settings, source, ctx.clock)
        except ValueError as exc:
            fail(f"source {source.name!r}: {exc}")
    with refusals():
        rules = RulePack(ctx.settings).loaded().ruleset
    keep = ctx.settings.retention
    longest = max((r.history for r in rules.alerting()), default=None)
    if keep is not None and longest is not None and keep < longest:
        fail(
            f"retention {keep.days}d is shorter than the {longest.days}d of history the rules "
            "read (new terms, baselines); set retention to at least that"
        )
    log = logging.getLogger("sentinel")
    done = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info(
            "%s received: finishing the current batch, then stopping", signal.Signals(signum).name
        )
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    workers = ctx.settings.workers
    with opened_store(ctx) as store:
        service = Service(ctx.clock, store, lease=workers.lease, heartbeat=workers.heartbeat)
        alerts = Alerts(store, ctx.clock)
        engine = Engine(
            store,
            rules,
            alerts,
            ctx.clock,
            initial_lookback=ctx.settings.detection.initial_lookback,
            max_window=ctx.settings.detection.max_window,
        )
        service.add(ingest_jobs(ctx.settings, store, ctx.clock))
        service.add(rule_jobs(engine))
        service.add([reminder_job(ctx.settings, store, ctx.clock)])
        access = Access.from_settings(store, ctx.clock, ctx.settings)
        service.add([access_housekeeping_job(access.housekeeping)])
        if (key := ctx.settings.audit.key()) is not None:
            service.add(
                [checkpoint_job(store, ctx.clock, key, ctx.settings.audit.checkpoint_interval)]
            )
        if keep is not None:
            service.add([retention_job(store, ctx.clock, keep)])
        if ctx.settings.channels:
            service.add([delivery_job(ctx.settings, store, ctx.clock)])
        else:
            log.warning(
                "no notification channels configured (settings channels, default_channels): "
                "alerts are kept and listed by `sentinel alerts list`, and go out once a "
                "channel is configured"
            )
        service.add([watchdog_job(service, alerts, ctx.clock, lease=workers.lease, zone=ctx.zone)])
        web = None if no_web else Background(web_server(ctx, store, host, port))
        if not done.is_set():
            try:
                coordinator = service.start()
            except StoreError as exc:
                fail(f"cannot take part as a worker: {exc}", Exit.UNAVAILABLE)
            log.info(
                "Sentinel running on %s with %d job(s) as worker %s, holding %d; "
                "rules start once every source has been pulled; Ctrl-C to stop",
                shown_url(ctx.settings.store_url),
                len(service.jobs),
                coordinator.worker,
                len(coordinator.held()),
            )
            done.wait()
            service.stop()
        if web is not None:
            web.stop()
    log.info("stopped cleanly")
