"""Rendering a page for the signed-in person (the layout shows who and carries the CSRF token)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from sentinel.web.pages.deps import PageUser


def render(
    request: Request,
    name: str,
    user: PageUser | None,
    context: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    values = {"user": user, "csrf": user.csrf if user else "", **context}
    return request.app.state.pages.render(request, name, values, status)
