"""Signing in: the password form."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str = "/") -> HTMLResponse:
    return request.app.state.pages.render(
        request, "signin.html", {"next": next, "username": "", "error": None}
    )
