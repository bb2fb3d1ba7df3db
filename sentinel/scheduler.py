"""Wires Sentinel's jobs into APScheduler; a job runs where its lease is, and stops cleanly.

Every worker schedules every job, but a run only does work on the worker that
holds the job's lease (``sentinel.coordinator``), with the lease's fence for
its checkpoint and rule-state writes. A worker that takes a job over runs it
at once. Each job runs in the scheduler's thread pool, never twice at once
(``max_instances=1``); runs missed while the previous one was busy are folded
into one (``coalesce``) if they are not older than the grace time. Rules wait
until every source has finished a pull since this worker started, as a rule
that ran ahead of the first pulls would pass over events not stored yet.

A shutdown request lets a running job finish its current batch, then hands
every lease back so the other workers take the jobs over at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from sentinel import audit, metrics
from sentinel.alerts import Alerts
from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.coordinator import Coordinator
from sentinel.detection.engine import Engine
from sentinel.detection.model import Rule
from sentinel.incidents.deadline import send_due_reminders
from sentinel.ingest import ingest_source
from sentinel.job_runs import get_run, record_run
from sentinel.notify.deliver import Deliverer
from sentinel.store.base import Store, StoreError, StoreUnavailable
from sentinel.store.fencing import Fence, FencedOff
from sentinel.store_watch import StoreWatch
from sentinel.watchdog import DELIVERY, REMINDERS, Watchdog, Watched

log = logging.getLogger("sentinel.jobs")

MISFIRE_GRACE = timedelta(minutes=5)
WATCHDOG_INTERVAL = timedelta(minutes=1)


class RunFailed(Exception):
    """A run that went through but failed (a source or rule error); the message is its line."""


class Interrupted(Exception):
    """A run that stopped short when asked to (a shutdown, its lease gone): neither success nor
    failure, and not a completed pull; the message is its line."""


@dataclass(frozen=True, slots=True)
class Claim:
    """What a run holds: the fence for its state writes, and whether it should stop now."""

    fence: Fence | None
    should_stop: Callable[[], bool]


@dataclass(frozen=True, slots=True)
class JobSpec:
    id: str
    interval: timedelta
    run: Callable[[Claim], str]
    """Does one run and returns its one-line summary of figures; ``RunFailed`` if it failed."""
    pull: bool = False
    """A source's pull: the rules wait for one of each since this worker started."""
    after_pulls: bool = False


class Service:
    """The long-running worker behind ``sentinel run``."""

    def __init__(
        self,
        clock: Clock,
        store: Store,
        *,
        lease: timedelta,
        heartbeat: timedelta,
        threads: int = 4,
        worker: str | None = None,
    ) -> None:
        self.clock = clock
        self.store = store
        self.store_watch = StoreWatch(clock)
        self.lease = lease
        self.heartbeat = heartbeat
        self.worker = worker
        self.jobs: list[JobSpec] = []
        self.stopping = threading.Event()
        self.coordinator: Coordinator | None = None
        self._pulled = threading.Event()
        self._pulled_lock = threading.Lock()
        self._waiting: set[str] = set()
        """Rules whose run found the sources not pulled yet: they run once the pulls are done."""
        self._beats: threading.Thread | None = None
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=threads)},
            job_defaults={
                "max_instances": 1,
                "coalesce": True,
                "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
            },
            timezone="UTC",
        )

    def add(self, jobs: list[JobSpec]) -> None:
        self.jobs.extend(jobs)

    # one run -------------------------------------------------------------------
    def _wrap(self, job: JobSpec, coordinator: Coordinator) -> Callable[[], None]:
        def run() -> None:
            if self.stopping.is_set():
                return
            if not self.store_watch.may_run():
                return
            try:
                if job.after_pulls and not self._pulls_done(job.id):
                    return
                with coordinator.running(job.id) as fence:
                    if fence is None:
                        return
                    self._run(job, coordinator, fence)
            except StoreUnavailable as exc:
                self.store_watch.failed(job.id, exc)

        return run

    def _run(self, job: JobSpec, coordinator: Coordinator, fence: Fence) -> None:
        def should_stop() -> bool:
            return self.stopping.is_set() or not coordinator.holds(job.id, fence)

        started = time.monotonic()
        error: str | None = None
        try:
            summary = job.run(Claim(fence, should_stop))
        except FencedOff as exc:
            log.warning("%s stopped: %s", job.id, exc)
            return
        except StoreUnavailable:
            metrics.job_failures.labels(job.id).inc()
            raise
        except Interrupted as exc:
            log.info("%s: %s (%.1fs)", job.id, exc, time.monotonic() - started)
            return
        except RunFailed as exc:
            error = str(exc)
            metrics.job_failures.labels(job.id).inc()
            log.warning("%s: %s (%.1fs)", job.id, error, time.monotonic() - started)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            metrics.job_failures.labels(job.id).inc()
            log.exception("%s failed; it runs again at its next interval", job.id)
        else:
            self.store_watch.answered()
            took = time.monotonic() - started
            metrics.job_seconds.labels(job.id).observe(took)
            log.info("%s: %s (%.1fs)", job.id, summary, took)
        try:
            record_run(
                self.store,
                job.id,
                job.interval,
                worker=coordinator.worker,
                finished=self.clock.now(),
                error=error,
            )
        except StoreUnavailable:
            raise
        except StoreError as exc:
            log.warning("could not record the run of %s: %s", job.id, exc)
        if job.pull:
            self._check_pulls()

    # rules after the first pulls -------------------------------------------------
    def _pulls_done(self, job_id: str) -> bool:
        """True once the pulls are done; else the job is noted to run as soon as they are."""
        if self._pulled.is_set() or self._check_pulls():
            return True
        with self._pulled_lock:
            if self._pulled.is_set():
                return True
            self._waiting.add(job_id)
            return False

    def _check_pulls(self) -> bool:
        """True once every source has finished a pull (here or elsewhere) since this start."""
        assert self.coordinator is not None
        since = self.coordinator.started
        with self._pulled_lock:
            if self._pulled.is_set():
                return True
            for job in self.jobs:
                if not job.pull:
                    continue
                run = get_run(self.store, job.id)
                if run is None or run.last_finished is None or run.last_finished < since:
                    return False
            self._pulled.set()
            waiting, self._waiting = self._waiting, set()
        log.info("every source has been pulled: the rules start")
        for job_id in sorted(waiting):
            self._run_soon(job_id)
        return True

    # leases ----------------------------------------------------------------------
    def _run_soon(self, job_id: str) -> None:
        if self.stopping.is_set() or not self._scheduler.running:
            return
        with contextlib.suppress(JobLookupError):
            self._scheduler.modify_job(job_id, next_run_time=self.clock.now())

    def _beat(self) -> None:
        assert self.coordinator is not None
        while not self.stopping.wait(self.heartbeat.total_seconds()):
            began = time.monotonic()
            try:
                self.coordinator.tick()
            except StoreUnavailable as exc:
                self.store_watch.failed("heartbeat", exc)
            except StoreError as exc:
                log.warning("heartbeat failed (%s); the leases run out unless it recovers", exc)
            took = time.monotonic() - began
            if took > self.heartbeat.total_seconds():
                log.warning(
                    "heartbeat took %.1fs for %d lease(s), longer than workers.heartbeat (%gs): "
                    "the store is slow; leases run out %gs after their last renewal",
                    took,
                    len(self.coordinator.held()),
                    self.heartbeat.total_seconds(),
                    self.lease.total_seconds(),
                )
            if not self._pulled.is_set():
                with contextlib.suppress(StoreError):
                    self._check_pulls()

    def start(self) -> Coordinator:
        """Say this worker is here, take its share of the jobs, and start running them."""
        coordinator = Coordinator(
            self.store,
            self.clock,
            [job.id for job in self.jobs],
            lease=self.lease,
            worker=self.worker,
            on_claimed=self._run_soon,
        )
        self.coordinator = coordinator
        coordinator.tick()
        now = self.clock.now()
        for job in self.jobs:
            self._scheduler.add_job(
                self._wrap(job, coordinator),
                "interval",
                seconds=job.interval.total_seconds(),
                id=job.id,
                name=job.id,
                next_run_time=now,
            )
        self._scheduler.start()
        self._beats = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        self._beats.start()
        return coordinator

    def stop(self) -> list[str]:
        """Let running jobs finish their current batch, then hand every lease back."""
        self.stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        if self._beats is not None:
            self._beats.join()
        if self.coordinator is None:
            return []
        handed = self.coordinator.stop()
        if handed:
            log.info("handed back %d job(s) to the other workers", len(handed))
        return handed


def ingest_jobs(settings: Settings, store: Store, clock: Clock) -> list[JobSpec]:
    """One job per configured source, at the source's interval."""

    def job_for(name: str) -> Callable[[Claim], str]:
        config = settings.source(name)

        def run(claim: Claim) -> str:
            r = ingest_source(
                settings, config, store, clock, should_stop=claim.should_stop, fence=claim.fence
            )
            if r.store_fault is not None:
                raise r.store_fault
            figures = (
                f"read {r.read:,}, stored {r.stored:,}, duplicates {r.duplicates:,}, "
                f"skipped {sum(r.skipped.values()):,}, dead letters {r.dead_letters:,}"
            )
            if r.events != r.with_events:
                figures += f" ({r.accounting()})"
            if r.error:
                raise RunFailed(f"{figures}; stopped: {r.error}")
            if r.interrupted:
                raise Interrupted(f"{figures}; stopped between batches as asked")
            return figures

        return run

    return [
        JobSpec(id=f"ingest {s.name}", interval=s.interval, run=job_for(s.name), pull=True)
        for s in settings.sources
    ]


def rule_jobs(engine: Engine) -> list[JobSpec]:
    """One job per alerting rule, at the rule's own interval, once the sources are pulled."""

    def job_for(rule: Rule) -> Callable[[Claim], str]:
        def run(claim: Claim) -> str:
            result = engine.run(rule, claim.fence)
            if result.error:
                raise RunFailed(result.line())
            return result.line()

        return run

    return [
        JobSpec(
            id=f"rule {rule.name}",
            interval=rule.meta.interval,
            run=job_for(rule),
            after_pulls=True,
        )
        for rule in engine.rules.alerting()
    ]


def checkpoint_job(store: Store, clock: Clock, key: bytes, interval: timedelta) -> JobSpec:
    """Sign the audit trail's newest entry; the logged line is a copy outside the store."""

    def run(_claim: Claim) -> str:
        made = audit.checkpoint(store, clock, key)
        if made is None:
            return "audit trail empty: nothing to sign"
        return f"signed {made[0]} (keep it: `sentinel audit verify --anchor {made[0]}`)"

    return JobSpec(id="audit checkpoint", interval=interval, run=run)


def reminder_job(settings: Settings, store: Store, clock: Clock) -> JobSpec:
    """Queue the 72-hour reminders that have come due (each only once)."""

    def run(_claim: Claim) -> str:
        queued = send_due_reminders(
            store,
            clock,
            settings.incidents.reminders,
            zone=settings.zone,
            channels=settings.incidents.reminder_channels,
        )
        return f"{len(queued)} reminder(s) queued"

    return JobSpec(id=REMINDERS, interval=settings.incidents.reminder_interval, run=run)


def delivery_job(settings: Settings, store: Store, clock: Clock) -> JobSpec:
    """Deliver queued notifications and retry the channels that are due."""
    deliverer = Deliverer.from_settings(settings, store, clock)
    return JobSpec(
        id=DELIVERY,
        interval=settings.notify.interval,
        run=lambda claim: deliverer.run_once(should_stop=claim.should_stop).line(),
    )


def retention_job(store: Store, clock: Clock, keep: timedelta) -> JobSpec:
    """Once a day: delete events and dead letters older than ``keep``; alerts and incidents stay."""

    def run(_claim: Claim) -> str:
        r = store.purge(clock.now() - keep)
        dropped = f", {len(r.indices)} index(es) dropped" if r.indices else ""
        return f"purged {r.events:,} event(s) and {r.dead_letters:,} dead letter(s){dropped}"

    return JobSpec(id="retention", interval=timedelta(days=1), run=run)


def watchdog_job(
    service: Service, alerts: Alerts, clock: Clock, *, lease: timedelta, zone: ZoneInfo
) -> JobSpec:
    """Every minute: alert on any job of ``service`` that has stopped completing."""
    watched = [Watched(job.id, job.interval) for job in service.jobs]

    def run(_claim: Claim) -> str:
        assert service.coordinator is not None
        dog = Watchdog(
            alerts,
            clock,
            watched,
            lease=lease,
            zone=zone,
            watching_since=service.coordinator.started,
        )
        return dog.run().line()

    return JobSpec(id="watchdog", interval=WATCHDOG_INTERVAL, run=run)


def access_housekeeping_job(housekeeping: Callable[[], str]) -> JobSpec:
    """Every hour: sessions that timed out and old sign-in failure counters leave the store."""
    return JobSpec(
        id="access housekeeping", interval=timedelta(hours=1), run=lambda _c: housekeeping()
    )
