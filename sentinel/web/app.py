"""The web application: one FastAPI app serving the API and the console over one store."""

from __future__ import annotations

from fastapi import FastAPI

from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.store.base import Store
from sentinel.web.pages import mount_pages


def create_app(settings: Settings, store: Store, clock: Clock) -> FastAPI:
    app = FastAPI(title="Sentinel", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.store = store
    app.state.clock = clock
    mount_pages(app, settings.zone)
    return app
