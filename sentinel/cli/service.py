"""`sentinel run`: the long-running service."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from rich.logging import RichHandler

from sentinel.cli.common import ConfigOption, StoreOption, console, context, fail, opened_store
from sentinel.scheduler import Service, ingest_jobs


def run_command(config: ConfigOption = None, store_url: StoreOption = None) -> None:
    """Run the scheduled jobs until SIGTERM or Ctrl-C, logging one line per job run."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(message)s",
        datefmt="%H:%M:%S",
        handlers=[RichHandler(console=console, show_path=False, rich_tracebacks=True)],
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    ctx = context(config, store_url)
    if not ctx.settings.sources:
        fail("no sources configured: add [[sources]] to sentinel.toml (see README, 'Sources')")
    done = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("sentinel").info(
            "%s received: finishing the current batch, then stopping", signal.Signals(signum).name
        )
        done.set()

    with opened_store(ctx) as store:
        service = Service(ctx.clock)
        service.add(ingest_jobs(ctx.settings, store, ctx.clock, service.stopping))
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        logging.getLogger("sentinel").info(
            "Sentinel running on %s with %d job(s); Ctrl-C to stop",
            ctx.settings.store_url,
            len(service.jobs),
        )
        service.start()
        done.wait()
        service.stop()
    logging.getLogger("sentinel").info("stopped cleanly")
