"""/api: an incident's drafts and member letters, one draft, its download and its approval."""

from __future__ import annotations

import io
import re
from typing import Annotated, Literal

from fastapi import Query, Response
from pydantic import BaseModel, ConfigDict, Field

from sentinel.services.drafts import (
    DraftDetail,
    DraftService,
    DraftSummary,
    MadeDraft,
    MemberLetters,
)
from sentinel.web.api.deps import Ctx, IfMatch, etag
from sentinel.web.guard import ApiRouter, AsActor

router = ApiRouter(prefix="/api", tags=["drafts"])

MEDIA = {"md": "text/markdown", "html": "text/html", "txt": "text/plain"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RenderIn(_In):
    kind: Literal[
        "ap_initial", "ap_follow_up", "ap_withdrawal", "public_communication", "management_summary"
    ]
    lang: Literal["nl", "en"] = "nl"
    format: Literal["md", "html", "txt"] | None = Field(
        default=None, description="md by default; txt is the AP draft to paste field by field"
    )
    reason: str | None = Field(default=None, max_length=4000, description="for a withdrawal")


class LettersIn(_In):
    langs: list[Literal["nl", "en"]] | None = Field(
        default=None, description="default: the languages the members read"
    )


class ApproveIn(_In):
    note: str | None = Field(default=None, max_length=4000)


@router.get("/incidents/{incident_id}/drafts", permission="drafts:read")
def drafts(incident_id: str, actor: AsActor, ctx: Ctx) -> list[DraftSummary]:
    """Every version of every draft of the incident, and whether its facts are current."""
    return DraftService(ctx).list(actor, incident_id)


@router.post("/incidents/{incident_id}/drafts", permission="drafts:write", status_code=201)
def render(incident_id: str, body: RenderIn, actor: AsActor, ctx: Ctx) -> MadeDraft:
    """Make a draft from the incident as it stands; the same text is not stored twice."""
    return DraftService(ctx).render(
        actor, incident_id, body.kind, lang=body.lang, fmt=body.format, reason=body.reason
    )


@router.post("/incidents/{incident_id}/letters", permission="drafts:write", status_code=201)
def member_letters(incident_id: str, body: LettersIn, actor: AsActor, ctx: Ctx) -> MemberLetters:
    """Letters to the affected members: one per partner, data touched and language."""
    return DraftService(ctx).member_letters(
        actor, incident_id, langs=body.langs, explain_waiting=True
    )


@router.get(
    "/incidents/{incident_id}/letters.zip",
    permission="letters:export",
    step_up=True,
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def letters_zip(incident_id: str, actor: AsActor, ctx: Ctx) -> Response:
    """One .eml per reachable member from the approved letters, for the mail system to send."""
    out = io.BytesIO()
    DraftService(ctx).letters_zip(actor, incident_id, out)
    return Response(
        out.getvalue(),
        media_type="application/zip",
        headers=_attachment(f"{incident_id}-letters.zip"),
    )


@router.get("/drafts/{draft_id}", permission="drafts:read")
def draft(draft_id: str, actor: AsActor, ctx: Ctx, response: Response) -> DraftDetail:
    """One stored version exactly as it was made; its ETag is the hash of its text."""
    found = DraftService(ctx).show(actor, draft_id)
    etag(response, found.content_hash)
    return found


@router.get(
    "/drafts/{draft_id}/download",
    permission="drafts:read",
    response_class=Response,
    responses={200: {"content": {m: {} for m in MEDIA.values()}}},
)
def download(
    draft_id: str,
    actor: AsActor,
    ctx: Ctx,
    as_text: Annotated[bool, Query(description="as text/plain whatever its format")] = False,
) -> Response:
    """The draft's text as a file (txt to paste into the AP's form, md, html)."""
    found = DraftService(ctx).show(actor, draft_id)
    media = "text/plain" if as_text else MEDIA[found.format]
    return Response(
        found.content,
        media_type=f"{media}; charset=utf-8",
        headers={**_attachment(f"{found.id}.{found.format}"), "ETag": f'"{found.content_hash}"'},
    )


@router.post("/drafts/{draft_id}/approve", permission="drafts:approve", step_up=True)
def approve(
    draft_id: str, body: ApproveIn, actor: AsActor, ctx: Ctx, content_hash: IfMatch
) -> DraftDetail:
    """Freeze this version; with If-Match only the exact text read (its hash) is approved."""
    return DraftService(ctx).approve(actor, draft_id, note=body.note, content_hash=content_hash)


def _attachment(name: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{_UNSAFE.sub("_", name)}"',
        "X-Content-Type-Options": "nosniff",
    }
