"""The alert queue and one alert: filter, look at the evidence, triage in bulk, escalate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sentinel.alerts import STATUSES
from sentinel.detection.model import SEVERITIES
from sentinel.localtime import parse_when, span
from sentinel.services.alert_activity import AlertActivity
from sentinel.services.alerts import AlertService
from sentinel.services.errors import Invalid, ServiceError
from sentinel.services.incidents import IncidentService
from sentinel.web.charts import bar_chart
from sentinel.web.pages.deps import PageRoute, PageUser, service_context, signed_in
from sentinel.web.pages.render import render

router = APIRouter(include_in_schema=False, route_class=PageRoute)
PAGE = 50
EVIDENCE_PAGE = 25

User = Annotated[PageUser, Depends(signed_in)]


def _when(text: str | None, request: Request, label: str) -> datetime | None:
    if not text:
        return None
    ctx = service_context(request)
    try:
        return parse_when(text, ctx.zone, ctx.clock.now())
    except ValueError as exc:
        raise Invalid(f"{label}: {exc}") from None


@router.get("/alerts", response_class=HTMLResponse)
def alert_queue(
    request: Request,
    user: User,
    rule: str = "",
    status: str = "",
    severity: str = "",
    who: Annotated[str, Query(alias="user")] = "",
    ip: str = "",
    since: Annotated[str, Query(alias="from")] = "",
    until: Annotated[str, Query(alias="to")] = "",
    cursor: str = "",
) -> Response:
    """Newest first; the filters are a GET form, so a filtered queue is a link to share."""
    service = AlertService(service_context(request))
    filters = {
        "rule": rule,
        "status": status,
        "severity": severity,
        "user": who,
        "ip": ip,
        "from": since,
        "to": until,
    }
    error = None
    page = None
    try:
        page = service.list(
            user.actor,
            status=status or None,
            rule=rule or None,
            severity=severity or None,
            user=who or None,
            source_ip=ip or None,
            since=_when(since, request, "from"),
            until=_when(until, request, "to"),
            limit=PAGE,
            cursor=cursor or None,
        )
    except Invalid as exc:
        error = str(exc)
    counts = AlertActivity(service.ctx).per_rule(user.actor)
    fragment = request.headers.get("HX-Request") == "true"
    return render(
        request,
        "alerts/queue_table.html" if fragment else "alerts/queue.html",
        user,
        {
            "nav": "alerts",
            "page": page,
            "error": error,
            "filters": filters,
            "query": {k: v for k, v in filters.items() if v},
            "counts": counts,
            "statuses": STATUSES,
            "severities": SEVERITIES,
            "may_triage": user.can("alerts:triage"),
            "may_escalate": user.can("incidents:write"),
            "message": request.query_params.get("done", ""),
        },
    )


@router.post("/alerts/bulk")
def bulk_triage(
    request: Request,
    user: User,
    action: Annotated[str, Form()],
    alert: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/alerts",
) -> Response:
    """Acknowledge, close with a reason, or escalate the chosen alerts into one incident."""
    ctx = service_context(request)
    service = AlertService(ctx)
    chosen = [a.partition(":") for a in alert]
    pairs = [(aid, version or None) for aid, _, version in chosen]
    if not pairs:
        return _back(back, "Choose at least one alert first.")
    try:
        if action == "escalate":
            opened = IncidentService(ctx).open(user.actor, None, alerts=[a for a, _ in pairs])
            return RedirectResponse(f"/incidents/{opened.id}", status_code=303)
        if action not in ("acknowledge", "close"):
            raise Invalid(f"unknown action {action!r}")
        outcomes = service.bulk(user.actor, action, pairs, reason=reason or None)
    except ServiceError as exc:
        return _back(back, str(exc))
    done = sum(o.ok for o in outcomes)
    failed = [f"{o.id}: {o.error}" for o in outcomes if not o.ok]
    verb = "acknowledged" if action == "acknowledge" else "closed"
    text = f"{done} alert(s) {verb}." + (" Not done: " + "; ".join(failed) if failed else "")
    return _back(back, text)


def _back(back: str, message: str) -> Response:
    from urllib.parse import urlencode, urlsplit

    target = back if back.startswith("/alerts") and not back.startswith("//") else "/alerts"
    sep = "&" if urlsplit(target).query else "?"
    return RedirectResponse(f"{target}{sep}{urlencode({'done': message})}", status_code=303)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, user: User, alert_id: str, cursor: str = "") -> Response:
    """What fired and why, the evidence a page at a time, the members touched, the activity."""
    ctx = service_context(request)
    alert = AlertService(ctx).show(
        user.actor, alert_id, evidence_limit=EVIDENCE_PAGE, cursor=cursor or None
    )
    fragment = request.headers.get("HX-Target") == "evidence"
    around = AlertActivity(ctx)
    activity = None if fragment else around.around(user.actor, alert_id)
    members = [] if fragment else around.members(user.actor, alert_id)
    chart = (
        bar_chart(
            [(b.label, b.count) for b in activity.buckets],
            "Events of " + " ".join(f"{k}={v}" for k, v in activity.group.items()),
            marked=[i for i, b in enumerate(activity.buckets) if b.in_window],
        )
        if activity
        else ""
    )
    return render(
        request,
        "alerts/evidence.html" if fragment else "alerts/alert.html",
        user,
        {
            "nav": "alerts",
            "alert": alert,
            "activity": activity,
            "chart": chart,
            "members": members,
            "columns": _evidence_columns(alert.evidence_events),
            "may_triage": user.can("alerts:triage"),
            "may_escalate": user.can("incidents:write"),
            "cursor": cursor,
            "window_span": span(alert.window.end - alert.window.start),
        },
    )


_PREFERRED = (
    "event.action",
    "user.name",
    "source.ip",
    "source.geo.country_iso_code",
    "url.path",
    "sentinel.member.id",
    "event.outcome",
)


def _evidence_columns(events: list[Any]) -> list[str]:
    """The fields worth a column: the usual suspects first, in this order, when present."""
    present: set[str] = set()
    for e in events:
        present.update(k for k in (e.model_extra or {}))
    return [c for c in _PREFERRED if c in present]
