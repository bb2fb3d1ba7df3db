"""/api/workers: the workers sharing the jobs, their leases, and how each job last ran."""

from __future__ import annotations

from sentinel.services.workers import JobHealth, WorkerService, WorkerView
from sentinel.web.api.deps import Ctx
from sentinel.web.guard import ApiRouter, AsActor

router = ApiRouter(prefix="/api", tags=["workers"])


@router.get("/workers", permission="workers:read")
def workers(actor: AsActor, ctx: Ctx) -> list[WorkerView]:
    """Each worker seen in the last day, when it was last seen, and the jobs it holds:
    the same list as `sentinel workers list --json`."""
    return WorkerService(ctx).workers(actor)


@router.get("/workers/jobs", permission="workers:read")
def jobs(actor: AsActor, ctx: Ctx) -> list[JobHealth]:
    """Each job's last success and last error, and whether the watchdog counts it late."""
    return WorkerService(ctx).jobs(actor)
