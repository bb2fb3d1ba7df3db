"""Wires Sentinel's jobs into APScheduler and stops them cleanly.

Each job runs in the scheduler's thread pool, never twice at once
(``max_instances=1``); runs missed while the previous one was busy are folded
into one (``coalesce``) if they are not older than the grace time. A shutdown
request lets a running job finish its current batch, then stops.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from sentinel import metrics
from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.detection.engine import Engine
from sentinel.detection.model import Rule
from sentinel.incidents.deadline import send_due_reminders
from sentinel.ingest import ingest_source
from sentinel.notify.deliver import Deliverer
from sentinel.store.base import Store

log = logging.getLogger("sentinel.jobs")

MISFIRE_GRACE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class JobSpec:
    id: str
    interval: timedelta
    run: Callable[[], str]
    """Does one run and returns its one-line summary of figures."""


class Service:
    """The long-running process behind ``sentinel run``."""

    def __init__(self, clock: Clock, *, workers: int = 4) -> None:
        self.clock = clock
        self.jobs: list[JobSpec] = []
        self.stopping = threading.Event()
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=workers)},
            job_defaults={
                "max_instances": 1,
                "coalesce": True,
                "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
            },
            timezone="UTC",
        )

    def _wrap(self, job: JobSpec) -> Callable[[], None]:
        def run() -> None:
            if self.stopping.is_set():
                return
            started = time.monotonic()
            try:
                summary = job.run()
            except Exception:
                metrics.job_failures.labels(job.id).inc()
                log.exception("%s failed; it runs again at its next interval", job.id)
                return
            took = time.monotonic() - started
            metrics.job_seconds.labels(job.id).observe(took)
            log.info("%s: %s (%.1fs)", job.id, summary, took)

        return run

    def add(self, jobs: list[JobSpec]) -> None:
        self.jobs.extend(jobs)

    def run_now(self, jobs: list[JobSpec]) -> None:
        """Run jobs once, here and in order (the start-up pull before rules are scheduled)."""
        for job in jobs:
            self._wrap(job)()

    def start(self) -> None:
        for job in self.jobs:
            self._scheduler.add_job(
                self._wrap(job),
                "interval",
                seconds=job.interval.total_seconds(),
                id=job.id,
                name=job.id,
                next_run_time=self.clock.now(),
            )
        self._scheduler.start()

    def stop(self) -> None:
        """Ask running jobs to finish their current batch, then wait for them."""
        self.stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)


def ingest_jobs(
    settings: Settings, store: Store, clock: Clock, stopping: threading.Event
) -> list[JobSpec]:
    """One job per configured source, at the source's interval."""

    def job_for(name: str) -> Callable[[], str]:
        config = settings.source(name)

        def run() -> str:
            r = ingest_source(settings, config, store, clock, should_stop=stopping.is_set)
            figures = (
                f"read {r.read:,}, stored {r.stored:,}, duplicates {r.duplicates:,}, "
                f"dead letters {r.dead_letters:,}"
            )
            return f"{figures}; stopped: {r.error}" if r.error else figures

        return run

    return [
        JobSpec(id=f"ingest {s.name}", interval=s.interval, run=job_for(s.name))
        for s in settings.sources
    ]


def rule_jobs(engine: Engine) -> list[JobSpec]:
    """One job per alerting rule, at the rule's own interval."""

    def job_for(rule: Rule) -> Callable[[], str]:
        return lambda: engine.run(rule).line()

    return [
        JobSpec(id=f"rule {rule.name}", interval=rule.meta.interval, run=job_for(rule))
        for rule in engine.rules.alerting()
    ]


def reminder_job(settings: Settings, store: Store, clock: Clock) -> JobSpec:
    """Every minute: queue the 72-hour reminders that have come due (each only once)."""

    def run() -> str:
        queued = send_due_reminders(
            store,
            clock,
            settings.incidents.reminders,
            zone=settings.zone,
            channels=settings.incidents.reminder_channels,
        )
        return f"{len(queued)} reminder(s) queued"

    return JobSpec(id="incident reminders", interval=timedelta(minutes=1), run=run)


def delivery_job(
    settings: Settings, store: Store, clock: Clock, stopping: threading.Event
) -> JobSpec:
    """Every 30 seconds: deliver queued notifications and retry the channels that are due."""
    deliverer = Deliverer.from_settings(settings, store, clock)
    return JobSpec(
        id="notify delivery",
        interval=timedelta(seconds=30),
        run=lambda: deliverer.run_once(should_stop=stopping.is_set).line(),
    )


def retention_job(store: Store, clock: Clock, keep: timedelta) -> JobSpec:
    """Once a day: delete events and dead letters older than ``keep``; alerts and incidents stay."""

    def run() -> str:
        r = store.purge(clock.now() - keep)
        dropped = f", {len(r.indices)} index(es) dropped" if r.indices else ""
        return f"purged {r.events:,} event(s) and {r.dead_letters:,} dead letter(s){dropped}"

    return JobSpec(id="retention", interval=timedelta(days=1), run=run)
