"""The breach register (Art. 33(5)): every breach, notified or not, filterable, exported."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from sentinel.incidents.model import STATUSES
from sentinel.localtime import parse_when
from sentinel.services.actor import require
from sentinel.services.errors import Invalid
from sentinel.services.register import RegisterService
from sentinel.web.pages.deps import PageRoute, PageUser, service_context, signed_in
from sentinel.web.pages.render import render
from sentinel.web.pages.stepup import require_fresh_factor

router = APIRouter(include_in_schema=False, route_class=PageRoute)
User = Annotated[PageUser, Depends(signed_in)]
_NOTIFIED = {"yes": True, "no": False, "": None}


@router.get("/register", response_class=HTMLResponse)
def register_page(
    request: Request,
    user: User,
    status: str = "",
    notified: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    ctx = service_context(request)
    now = ctx.clock.now()
    try:
        start = parse_when(since, ctx.zone, now) if since else None
        end = parse_when(until, ctx.zone, now) if until else None
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    if notified not in _NOTIFIED:
        raise Invalid("notified is yes, no or empty")
    rows = RegisterService(ctx).rows(
        user.actor, status=status or None, notified=_NOTIFIED[notified], since=start, until=end
    )
    access = request.app.state.access
    return render(
        request,
        "register.html",
        user,
        {
            "nav": "register",
            "rows": rows,
            "filters": {"status": status, "notified": notified, "since": since, "until": until},
            "statuses": STATUSES,
            "may_export": user.can("register:export"),
            "fresh": user.principal.fresh_second_factor(now, access.settings.step_up),
        },
    )


@router.post("/register/export")
def export(
    request: Request,
    user: User,
    fmt: Annotated[str, Form()],
    code: Annotated[str, Form()] = "",
) -> Response:
    """CSV (local times, no cell read as a formula) or JSON (UTC), with a fresh second factor."""
    require(user.actor, "register:export")
    if fmt not in ("csv", "json"):
        raise Invalid("the register exports as csv or json")
    require_fresh_factor(request, user, code)
    out = io.StringIO()
    RegisterService(service_context(request)).export(user.actor, out, fmt)  # type: ignore[arg-type]
    media = "text/csv" if fmt == "csv" else "application/json"
    return Response(
        out.getvalue(),
        media_type=f"{media}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="breach-register.{fmt}"',
            "Cache-Control": "no-store",
        },
    )
