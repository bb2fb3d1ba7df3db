"""The console's server-rendered pages (Jinja2, HTMX for the parts that update in place)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sentinel.web.pages import admin, alerts, drafts, incidents, overview, register, signin
from sentinel.web.render import Pages

STATIC = Path(__file__).resolve().parents[1] / "static"


def mount_pages(app: FastAPI, zone: ZoneInfo) -> None:
    """Serve the pages and their static files (CSS, htmx) on ``app``."""
    app.state.pages = Pages(zone)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(signin.router)
    app.include_router(alerts.router)
    app.include_router(incidents.router)
    app.include_router(overview.router)
    app.include_router(drafts.router)
    app.include_router(register.router)
    app.include_router(admin.router)
