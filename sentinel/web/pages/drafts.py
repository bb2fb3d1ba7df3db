"""Drafts: the AP notification question by question and the member letters, to approval.

Open questions are listed on top of each draft; two versions can be compared
line by line; approving (one draft or letters in bulk) and downloading the
member letters' .eml files ask for a fresh second factor.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sentinel.services.actor import require
from sentinel.services.drafts import DraftService, DraftSummary
from sentinel.services.errors import Invalid
from sentinel.web.pages.deps import PageRoute, PageUser, service_context, signed_in
from sentinel.web.pages.render import render
from sentinel.web.pages.stepup import require_fresh_factor

router = APIRouter(include_in_schema=False, route_class=PageRoute)
User = Annotated[PageUser, Depends(signed_in)]
Code = Annotated[str, Form()]

AP_KINDS = (
    ("ap_initial", "initial"),
    ("ap_follow_up", "follow-up"),
    ("ap_withdrawal", "withdrawal"),
)
MEDIA = {"txt": "text/plain", "md": "text/markdown", "html": "text/html"}


def _service(request: Request) -> DraftService:
    return DraftService(service_context(request))


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: Literal["at", "same", "removed", "added"]
    text: str


def _compared(old: list[str], new: list[str], version: int) -> list[DiffLine]:
    """The changed lines with two lines around each change, every stretch headed by where it
    is in the newer version (a reader of a letter counts lines, not unified-diff hunks)."""
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(2):
        first = group[0][3] + 1
        lines.append(DiffLine("at", f"from line {first} of version {version}"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", f"  {text}") for text in old[i1:i2]]
                continue
            lines += [DiffLine("removed", f"- {text}") for text in old[i1:i2]]
            lines += [DiffLine("added", f"+ {text}") for text in new[j1:j2]]
    return lines


def _back(incident_id: str, message: str, anchor: str = "") -> Response:
    return RedirectResponse(
        f"/incidents/{incident_id}/drafts?done={quote(message)}{anchor}", status_code=303
    )


def _latest(drafts: list[DraftSummary]) -> dict[str, DraftSummary]:
    """The newest version of each series (a draft's kind, language, format and segment)."""
    out: dict[str, DraftSummary] = {}
    for d in drafts:
        if d.series not in out or d.version > out[d.series].version:
            out[d.series] = d
    return out


@router.get("/incidents/{incident_id}/drafts", response_class=HTMLResponse)
def drafts_page(request: Request, user: User, incident_id: str, show: str = "") -> Response:
    service = _service(request)
    drafts = service.list(user.actor, incident_id)
    latest = _latest(drafts)
    ap = sorted((d for d in latest.values() if d.kind.startswith("ap_")), key=lambda d: d.series)
    letters = sorted(
        (d for d in latest.values() if d.kind == "member_letters"),
        key=lambda d: (d.segment or "", d.lang),
    )
    shown = (
        service.show(user.actor, show)
        if show
        else (service.show(user.actor, ap[0].id) if ap else None)
    )
    access = request.app.state.access
    return render(
        request,
        "drafts/drafts.html",
        user,
        {
            "nav": "incidents",
            "incident": incident_id,
            "drafts": sorted(drafts, key=lambda d: (d.series, -d.version)),
            "ap": ap,
            "letters": letters,
            "shown": shown,
            "versions": sorted(
                (d for d in drafts if shown and d.series == shown.series),
                key=lambda d: -d.version,
            ),
            "ap_kinds": AP_KINDS,
            "may_write": user.can("drafts:write"),
            "may_approve": user.can("drafts:approve"),
            "may_export": user.can("letters:export"),
            "fresh": user.principal.fresh_second_factor(
                access.clock.now(), access.settings.step_up
            ),
            "message": request.query_params.get("done", ""),
        },
    )


@router.post("/incidents/{incident_id}/drafts/ap")
def make_ap(
    request: Request,
    user: User,
    incident_id: str,
    kind: Annotated[str, Form()],
    lang: Annotated[str, Form()],
    fmt: Annotated[str, Form()] = "md",
) -> Response:
    made = _service(request).render(user.actor, incident_id, kind, lang=lang, fmt=fmt)
    what = (
        f"Made version {made.version}."
        if made.new_version
        else f"Unchanged: still version {made.version}."
    )
    return RedirectResponse(
        f"/incidents/{incident_id}/drafts?show={quote(made.id)}&done={quote(what)}#draft",
        status_code=303,
    )


@router.post("/incidents/{incident_id}/drafts/letters")
def make_letters(request: Request, user: User, incident_id: str) -> Response:
    made = _service(request).member_letters(user.actor, incident_id, explain_waiting=True)
    text = (
        f"{len(made.letters)} letter(s) for {made.members} member(s)"
        + (
            f", {made.missing_from_directory} not in the member directory"
            if made.missing_from_directory
            else ""
        )
        + "."
    )
    return _back(incident_id, text, "#letters")


@router.post("/drafts/{draft_id}/approve")
def approve(
    request: Request,
    user: User,
    draft_id: str,
    content_hash: Annotated[str, Form()],
    code: Code = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    require(user.actor, "drafts:approve")
    require_fresh_factor(request, user, code)
    done = _service(request).approve(
        user.actor, draft_id, note=note or None, content_hash=content_hash
    )
    message = quote(f"Approved: {done.id}")
    return RedirectResponse(
        f"/incidents/{done.incident}/drafts?show={quote(done.id)}&done={message}#draft",
        status_code=303,
    )


@router.post("/incidents/{incident_id}/drafts/approve")
async def approve_letters(request: Request, user: User, incident_id: str) -> Response:
    """Bulk: each chosen letter exactly as it was listed (its content hash)."""
    require(user.actor, "drafts:approve")
    form = await request.form()
    chosen = [str(v).partition(":") for v in form.getlist("draft")]
    if not chosen:
        raise Invalid("choose at least one letter to approve")
    require_fresh_factor(request, user, str(form.get("code", "")))
    service = _service(request)
    for draft_id, _, content_hash in chosen:
        service.approve(user.actor, draft_id, content_hash=content_hash or None)
    return _back(incident_id, f"{len(chosen)} letter(s) approved.", "#letters")


@router.get("/drafts/{draft_id}/download")
def download(request: Request, user: User, draft_id: str) -> Response:
    draft = _service(request).show(user.actor, draft_id)
    name = f"{draft.id}.{draft.format}"
    return Response(
        draft.content,
        media_type=f"{MEDIA.get(draft.format, 'text/plain')}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/incidents/{incident_id}/drafts/diff", response_class=HTMLResponse)
def diff(request: Request, user: User, incident_id: str, a: str, b: str) -> Response:
    service = _service(request)
    old, new = service.show(user.actor, a), service.show(user.actor, b)
    if old.incident != incident_id or new.incident != incident_id:
        raise Invalid("compare two versions of this incident's drafts")
    lines = _compared(old.content.splitlines(), new.content.splitlines(), new.version)
    return render(
        request,
        "drafts/diff.html",
        user,
        {"nav": "incidents", "incident": incident_id, "old": old, "new": new, "lines": lines},
    )


@router.post("/incidents/{incident_id}/letters.zip")
def letters_zip(request: Request, user: User, incident_id: str, code: Code = "") -> Response:
    """One .eml per member in the member's language, once every letter is approved."""
    require(user.actor, "letters:export")
    require_fresh_factor(request, user, code)
    out = io.BytesIO()
    _service(request).letters_zip(user.actor, incident_id, out)
    return Response(
        out.getvalue(),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{incident_id}-letters.zip"',
            "Cache-Control": "no-store",
        },
    )
