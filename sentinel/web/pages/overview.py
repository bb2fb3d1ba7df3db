"""The overview at /: open incidents' clocks, alerts per rule per day, sources, failures, and
each scheduled job's last success."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sentinel.services.incidents import IncidentService
from sentinel.services.overview import OverviewService
from sentinel.services.workers import WorkerService
from sentinel.web.charts import bar_chart
from sentinel.web.pages.deps import PageRoute, PageUser, service_context, signed_in
from sentinel.web.pages.incidents import clock_countdown
from sentinel.web.pages.render import render

router = APIRouter(include_in_schema=False, route_class=PageRoute)
User = Annotated[PageUser, Depends(signed_in)]


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, user: User) -> Response:
    ctx = service_context(request)
    actor = user.actor
    now = ctx.clock.now()
    service = OverviewService(ctx)
    incidents = None
    if user.can("incidents:read"):
        incidents = IncidentService(ctx).list(actor, open_only=True, limit=20)
    per_day = service.alerts_per_day(actor)
    labels = [d.strftime("%d %b") for d in per_day.days]
    charts = [
        (r, bar_chart(list(zip(labels, r.days, strict=True)), f"{r.rule_name} per day", height=60))
        for r in per_day.rules
    ]
    return render(
        request,
        "overview.html",
        user,
        {
            "nav": "overview",
            "incidents": incidents,
            "countdowns": {
                i.id: clock_countdown(i.clock, now) for i in (incidents.items if incidents else [])
            },
            "charts": charts,
            "first_day": labels[0],
            "last_day": labels[-1],
            "sources": service.sources(actor) if user.can("sources:read") else None,
            "failing": service.failing_rules(actor) if user.can("rules:read") else None,
            "failed": service.failed_notifications(actor),
            "jobs": WorkerService(ctx).jobs(actor) if user.can("workers:read") else None,
        },
    )
