"""The workers sharing the jobs and how each job last ran: what `sentinel workers`,
``/api/workers``, the overview and ``/metrics`` show.

Read from the store only (worker heartbeats, leases, job runs), so any process
on the store can answer, whether or not it is a worker itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from sentinel.coordinator import is_live, worker_records
from sentinel.events import parse_timestamp
from sentinel.incidents.facts import Time
from sentinel.job_runs import job_runs
from sentinel.leases import all_leases
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.store.base import Store
from sentinel.watchdog import allowed_gap


class JobLease(BaseModel):
    """A job a worker holds, until when, under which fencing number."""

    job: str
    lease_expires: Time
    epoch: int


class WorkerView(BaseModel):
    """One worker as `sentinel workers list --json` and ``GET /api/workers`` show it."""

    worker: str
    last_seen: Time
    jobs: list[JobLease]


class JobHealth(BaseModel):
    """How a job last ran, whichever worker ran it."""

    job: str
    interval_seconds: float
    last_success: Time | None
    last_finished: Time | None
    last_error: str | None
    worker: str | None
    late: bool
    """Not completed within twice its interval (and its interval plus the lease expiry)."""


def list_workers(store: Store) -> list[WorkerView]:
    """Every worker seen in the last day, most recently seen first, with the leases it owns.

    A lease whose expiry has passed is still listed under its last owner until
    another worker takes the job: that is where the job is waiting.
    """
    held: dict[str, list[JobLease]] = {}
    for lease in all_leases(store):
        if lease.owner is not None:
            held.setdefault(lease.owner, []).append(
                JobLease(job=lease.job, lease_expires=lease.expires, epoch=lease.epoch)
            )
    views = [
        WorkerView(
            worker=rec.id,
            last_seen=parse_timestamp(rec.data["last_seen"]),
            jobs=held.get(rec.id, []),
        )
        for rec in worker_records(store)
    ]
    return sorted(views, key=lambda v: (-v.last_seen.timestamp(), v.worker))


def live_workers(store: Store, now: datetime, lease: timedelta) -> set[str]:
    """The workers counted when jobs are shared: seen within a lease and not stopped."""
    return {rec.id for rec in worker_records(store) if is_live(rec, now, lease)}


def job_health(store: Store, now: datetime, lease: timedelta) -> list[JobHealth]:
    """Every job that has run, with its last success: the watchdog's view, for people."""
    out = []
    for run in job_runs(store):
        success = run.last_success
        late = success is None or now - success > allowed_gap(run.interval, lease)
        out.append(
            JobHealth(
                job=run.job,
                interval_seconds=run.interval.total_seconds(),
                last_success=run.last_success,
                last_finished=run.last_finished,
                last_error=run.last_error,
                worker=run.worker,
                late=late,
            )
        )
    return out


class WorkerService:
    """Who runs which job and how the jobs went, for whoever may see Sentinel's workings."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def workers(self, actor: Actor) -> list[WorkerView]:
        """Every worker seen in the last day with the leases it holds."""
        require(actor, "workers:read")
        return list_workers(self.ctx.store)

    def live(self, actor: Actor) -> set[str]:
        """The workers the jobs are shared among now."""
        require(actor, "workers:read")
        return live_workers(self.ctx.store, self.ctx.clock.now(), self.ctx.settings.workers.lease)

    def jobs(self, actor: Actor) -> list[JobHealth]:
        """Every job that has run, its last success and whether the watchdog counts it late."""
        require(actor, "workers:read")
        return job_health(self.ctx.store, self.ctx.clock.now(), self.ctx.settings.workers.lease)
