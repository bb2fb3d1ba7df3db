"""The JSON API under /api: sign-in and users, and the resources the services serve."""

from __future__ import annotations

from fastapi import FastAPI

from sentinel.web.api import (
    alerts,
    auth,
    drafts,
    events,
    incidents,
    outbox,
    oversight,
    users,
    workers,
)


def mount_api(app: FastAPI) -> None:
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(alerts.router)
    app.include_router(events.router)
    app.include_router(incidents.facts_router)
    app.include_router(incidents.router)
    app.include_router(drafts.router)
    app.include_router(oversight.router)
    app.include_router(outbox.router)
    app.include_router(workers.router)
