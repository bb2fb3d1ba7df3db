"""The web application: one FastAPI app serving the API and the console over one store.

Order of work for a request: the ``Authenticate`` middleware finds who is asking
(and answers 401 under /api when nobody is, and 403 to a cookie write without its
CSRF token); then the route's guard checks the permission it was registered with
(``sentinel.web.guard``); errors become problem+json (``sentinel.web.problems``).
"""

from __future__ import annotations

from fastapi import FastAPI

from sentinel.access.service import Access
from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.store.base import Store
from sentinel.web import health, metrics, problems
from sentinel.web.api import mount_api
from sentinel.web.pages import mount_pages
from sentinel.web.security import Authenticate

CSRF_EXEMPT = frozenset({"/api/auth/login"})
"""Signing in through the API: it takes JSON only, which another site's page cannot send
without the browser asking first (CORS), so it needs no token. The sign-in page's form
carries the pre-session token instead (``security.PRESESSION``)."""


def create_app(
    settings: Settings, store: Store, clock: Clock, *, access: Access | None = None
) -> FastAPI:
    app = FastAPI(
        title="Sentinel",
        summary="Alerts, incidents, the 72-hour clock, drafts and the breach register.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.clock = clock
    app.state.access = access or Access.from_settings(store, clock, settings)
    app.state.csrf_exempt = set(CSRF_EXEMPT)
    app.state.metrics = metrics.registry(settings, store, clock)
    app.add_middleware(Authenticate)
    problems.install(app)
    mount_api(app)
    app.include_router(health.router)
    mount_pages(app, settings.zone)
    return app
