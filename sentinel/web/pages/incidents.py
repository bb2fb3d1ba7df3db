"""Incidents: the list with live 72-hour clocks, and the incident page where the work is done.

Every change goes through the incident service with the version the page was
rendered from, so two people editing at once get "changed meanwhile", not a
silent overwrite. Recording the decision asks for a fresh second factor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sentinel.incidents.deadline import ClockState
from sentinel.incidents.facts import FACTS, TRANSLATED, UNKNOWN, FactSpec, path_of
from sentinel.incidents.model import STATUSES
from sentinel.localtime import parse_when
from sentinel.services.actor import require
from sentinel.services.errors import Invalid, ServiceError
from sentinel.services.incidents import ClockView, IncidentService
from sentinel.web.countdown import Countdown, countdown
from sentinel.web.pages.deps import PageRoute, PageUser, service_context, signed_in
from sentinel.web.pages.render import render
from sentinel.web.pages.stepup import require_fresh_factor

router = APIRouter(include_in_schema=False, route_class=PageRoute)
User = Annotated[PageUser, Depends(signed_in)]
Version = Annotated[str, Form()]


def clock_countdown(view: ClockView | None, now: datetime) -> Countdown:
    if view is None:
        return countdown(None, now)
    state = ClockState(
        awareness=view.awareness,
        deadline=view.deadline,
        left=view.deadline - now,
        notified=view.notified,
        stopped=not view.running,
    )
    return countdown(state, now)


def _service(request: Request) -> IncidentService:
    return IncidentService(service_context(request))


# the list ---------------------------------------------------------------------------
def _list_context(request: Request, user: PageUser, status: str, cursor: str) -> dict[str, Any]:
    service = _service(request)
    page = service.list(user.actor, status=status or None, limit=50, cursor=cursor or None)
    now = service.ctx.clock.now()
    return {
        "nav": "incidents",
        "page": page,
        "status": status,
        "statuses": STATUSES,
        "countdowns": {i.id: clock_countdown(i.clock, now) for i in page.items},
    }


@router.get("/incidents", response_class=HTMLResponse)
def incident_list(request: Request, user: User, status: str = "", cursor: str = "") -> Response:
    """Newest first; restricted incidents only for their participants and the privacy officer."""
    return render(
        request, "incidents/list.html", user, _list_context(request, user, status, cursor)
    )


@router.get("/incidents/rows", response_class=HTMLResponse)
def incident_rows(request: Request, user: User, status: str = "", cursor: str = "") -> Response:
    """The table alone: what the list page polls to keep its clocks current."""
    return render(
        request, "incidents/rows.html", user, _list_context(request, user, status, cursor)
    )


# one incident -----------------------------------------------------------------------
def _fact_text(value: Any, kind: str, zone: ZoneInfo) -> str:
    """A known fact as it is typed back into the form (times local, lists one per line)."""
    if value is UNKNOWN or value is None:
        return ""
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "time":
        return (
            datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            .astimezone(zone)
            .strftime("%Y-%m-%dT%H:%M")
        )
    if kind in ("list", "choices"):
        return "\n".join(str(v) for v in value)
    if kind == "range" and isinstance(value, dict):
        low, high = value.get("min"), value.get("max")
        return str(low) if low == high else f"{low}-{high}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _form_facts(other: str) -> list[tuple[str, FactSpec]]:
    """Every fact in the form, each description followed by its translation into ``other``."""
    out: list[tuple[str, FactSpec]] = []
    for name, spec in FACTS.items():
        out.append((name, spec))
        if name in TRANSLATED:
            out.append((f"{name}@{other}", spec))
    return out


def _flat(facts: dict[str, Any], names: list[tuple[str, FactSpec]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, _ in names:
        node: Any = facts
        for part in path_of(name):
            node = node.get(part, UNKNOWN) if isinstance(node, dict) else UNKNOWN
        out[name] = node
    return out


def _other_language(request: Request) -> str:
    return "en" if request.app.state.settings.incidents.text_language == "nl" else "nl"


_LANGUAGE = {"en": "English", "nl": "Dutch"}


def _fact_groups(facts: dict[str, Any], zone: ZoneInfo, other: str) -> list[dict[str, Any]]:
    names = _form_facts(other)
    values = _flat(facts, names)
    groups: dict[str, list[dict[str, Any]]] = {}
    for name, spec in names:
        label = spec.en if "@" not in name else f"{spec.en} ({_LANGUAGE[other]})"
        groups.setdefault(spec.path[0], []).append(
            {
                "name": name,
                "label": label,
                "kind": spec.kind,
                "choices": spec.choices,
                "text": _fact_text(values[name], spec.kind, zone),
                "unknown": values[name] is UNKNOWN,
            }
        )
    return [{"name": g, "facts": items} for g, items in groups.items()]


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(request: Request, user: User, incident_id: str) -> Response:
    service = _service(request)
    actor = user.actor
    incident = service.show(actor, incident_id)
    now = service.ctx.clock.now()
    facts = service.facts(actor, incident_id)
    zone = service.ctx.zone
    access = request.app.state.access
    return render(
        request,
        "incidents/incident.html",
        user,
        {
            "nav": "incidents",
            "i": incident,
            "clock": clock_countdown(incident.clock, now),
            "facts": facts,
            "fact_groups": _fact_groups(facts.facts, zone, _other_language(request)),
            "timeline": service.timeline(actor, incident_id),
            "members": service.members(actor, incident_id),
            "steps_version": _steps_version(service, actor, incident_id),
            "fact_count": len(FACTS),
            "may_write": user.can("incidents:write"),
            "may_decide": user.can("decisions:record"),
            "may_notify": user.can("notifications:record"),
            "fresh": user.principal.fresh_second_factor(now, access.settings.step_up),
            "message": request.query_params.get("done", ""),
        },
    )


def _steps_version(service: IncidentService, actor: Any, incident_id: str) -> str | None:
    """The playbook run's version, which completing a step passes back (None: no run)."""
    try:
        return service.playbooks.steps(actor, incident_id).version
    except ServiceError:
        return None


@router.get("/incidents/{incident_id}/clock", response_class=HTMLResponse)
def incident_clock(request: Request, user: User, incident_id: str) -> Response:
    service = _service(request)
    incident = service.show(user.actor, incident_id)
    shown = clock_countdown(incident.clock, service.ctx.clock.now())
    return render(request, "incidents/clock.html", user, {"i": incident, "clock": shown})


def _done(incident_id: str, message: str, anchor: str = "") -> Response:
    from urllib.parse import quote

    return RedirectResponse(
        f"/incidents/{incident_id}?done={quote(message)}{anchor}", status_code=303
    )


@router.post("/incidents/{incident_id}/awareness")
def set_awareness(
    request: Request,
    user: User,
    incident_id: str,
    at: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    version: Version,
) -> Response:
    service = _service(request)
    try:
        when = parse_when(at, service.ctx.zone, service.ctx.clock.now())
    except ValueError as exc:
        raise Invalid(f"awareness time: {exc}") from None
    service.set_awareness(user.actor, incident_id, when, reason, version=version)
    return _done(incident_id, "Awareness time recorded; the 72-hour clock runs from it.", "#clock")


@router.post("/incidents/{incident_id}/steps/{step_id}")
def complete_step(
    request: Request,
    user: User,
    incident_id: str,
    step_id: str,
    version: Version,
    note: Annotated[str, Form()] = "",
) -> Response:
    _service(request).playbooks.complete(
        user.actor, incident_id, step_id, note=note or None, version=version or None
    )
    return _done(incident_id, f"Step {step_id} done.", "#playbook")


@router.post("/incidents/{incident_id}/facts")
async def update_facts(request: Request, user: User, incident_id: str) -> Response:
    """Only what changed is sent to the service: an emptied field makes a fact unknown again."""
    form = await request.form()
    service = _service(request)
    names = _form_facts(_other_language(request))
    current = _flat(service.facts(user.actor, incident_id).facts, names)
    zone = service.ctx.zone
    assignments: list[tuple[str, str]] = []
    unknown: list[str] = []
    for name, spec in names:
        key = f"fact:{name}"
        if key not in form:
            continue
        values = [str(v) for v in form.getlist(key)]
        text = ", ".join(v.strip() for v in "\n".join(values).splitlines() if v.strip())
        if spec.kind == "text":
            text = "\n".join(values).strip()
        before = _fact_text(current[name], spec.kind, zone)
        if spec.kind != "text":
            before = before.replace("\n", ", ")
        if text == before:
            continue
        if text == "" or text == "unknown":
            if current[name] is not UNKNOWN:
                unknown.append(name)
        else:
            assignments.append((name, text))
    version = str(form.get("version", "")) or None
    service.update_facts(
        user.actor, incident_id, assignments=assignments, unknown=unknown, version=version
    )
    changed = len(assignments) + len(unknown)
    return _done(incident_id, f"{changed} fact(s) changed.", "#facts")


@router.post("/incidents/{incident_id}/decision")
def decide(
    request: Request,
    user: User,
    incident_id: str,
    authority: Annotated[str, Form()],
    members: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    version: Version,
    code: Annotated[str, Form()] = "",
) -> Response:
    """Who decided, when and why; a second factor given within the step-up window first."""
    require(user.actor, "decisions:record")
    require_fresh_factor(request, user, code)
    _service(request).decide(
        user.actor,
        incident_id,
        authority=authority,
        members=members,
        reason=reason,
        version=version,
    )
    return _done(incident_id, "Decision recorded.", "#decision")


@router.post("/incidents/{incident_id}/notifications")
def record_notification(
    request: Request,
    user: User,
    incident_id: str,
    kind: Annotated[str, Form()],
    version: Version,
    at: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    delay_reason: Annotated[str, Form()] = "",
) -> Response:
    service = _service(request)
    when = None
    if at.strip():
        try:
            when = parse_when(at, service.ctx.zone, service.ctx.clock.now())
        except ValueError as exc:
            raise Invalid(f"when: {exc}") from None
    service.record_notification(
        user.actor,
        incident_id,
        kind,
        at=when,
        reference=reference or None,
        delay_reason=delay_reason or None,
        version=version,
    )
    return _done(incident_id, "Notification recorded.", "#notifications")


@router.post("/incidents/{incident_id}/notes")
def add_note(
    request: Request, user: User, incident_id: str, text: Annotated[str, Form()], version: Version
) -> Response:
    _service(request).add_note(user.actor, incident_id, text, version=version)
    return _done(incident_id, "Note added.", "#notes")
