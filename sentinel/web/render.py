"""Jinja2 for the console's pages: autoescaped, strict, with the filters the pages share.

Everything from logs, facts or users reaches a page through autoescaping; no
template marks such text safe. Times are kept in UTC and shown where people read
them: the configured zone with its offset, and the raw UTC on hover.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from sentinel.localtime import span

TEMPLATES = Path(__file__).parent / "templates"


def local_time(ts: datetime | None, zone: ZoneInfo, *, seconds: bool = False) -> Markup:
    """``<time>`` showing local wall time and offset; the UTC instant in ``datetime`` and title."""
    if ts is None:
        return Markup('<span class="none">—</span>')
    utc = ts.astimezone(UTC)
    local = ts.astimezone(zone)
    shown = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    offset = local.strftime("%z")
    raw = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return Markup('<time datetime="{raw}" title="{raw} UTC">{shown} {off}</time>').format(
        raw=raw, shown=shown, off=f"{offset[:3]}:{offset[3:]}"
    )


def duration(delta: timedelta) -> str:
    return span(delta)


def environment(zone: ZoneInfo) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = lambda ts, seconds=False: local_time(ts, zone, seconds=seconds)
    env.filters["span"] = duration
    env.globals["lag"] = lambda seconds: span(timedelta(seconds=seconds))
    env.globals["escape"] = escape
    return env


class Pages:
    """Renders a page template with what every page's layout needs."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.env = environment(zone)
        self.zone = zone

    def render(
        self, request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
    ) -> HTMLResponse:
        values = {
            "request": request,
            "nav": None,
            "user": None,
            "zone_name": self.zone.key,
            **(context or {}),
        }
        html = self.env.get_template(name).render(values)
        return HTMLResponse(html, status_code=status)
