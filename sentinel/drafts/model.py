"""A draft as it is stored: one record of kind "draft" per rendered version.

Drafts of one incident fall into *series*: the same kind, language, format and
(for member letters) audience segment. Within a series each different text is
a new version (v1, v2, …); a version is never edited. The text's SHA-256 is
stored with it, so an approved version can be shown to be the text that was
approved, and ``intact`` tells when someone changed it in the store afterwards.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sentinel.drafts.errors import DraftError
from sentinel.drafts.labels import Lang
from sentinel.incidents.facts import Time

KIND = "draft"

DraftKind = Literal[
    "ap_initial",
    "ap_follow_up",
    "ap_withdrawal",
    "member_letters",
    "public_communication",
    "management_summary",
]
DRAFT_KINDS: tuple[str, ...] = DraftKind.__args__  # type: ignore[attr-defined]
Format = Literal["md", "html", "txt"]
DEFAULT_FORMAT: dict[str, str] = {kind: "md" for kind in DRAFT_KINDS} | {"member_letters": "txt"}


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def series_name(kind: str, lang: str, fmt: str, segment: str | None = None) -> str:
    """``ap_initial.nl``, ``ap_initial.en.html``, ``member_letters.P03-contact+vehicle.nl``."""
    parts = [kind, *([segment] if segment else []), lang]
    if fmt != DEFAULT_FORMAT[kind]:
        parts.append(fmt)
    return ".".join(parts)


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Approval(_Doc):
    by: str
    at: Time
    note: str | None = None
    content_hash: str


class Question(_Doc):
    key: str
    label: str


class Draft(_Doc):
    id: str
    incident: str
    kind: DraftKind
    series: str
    lang: Lang
    format: Format
    segment: str | None = None
    version: int = Field(ge=1)
    content: str
    content_hash: str
    facts_hash: str
    """SHA-256 of the incident's facts when rendered: tells whether the facts moved on since."""
    open_questions: list[Question] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    """What else went in: the AP reference, a withdrawal reason, a segment's member count."""
    created: Time
    created_by: str
    approved: Approval | None = None

    @classmethod
    def from_data(cls, id: str, data: dict[str, Any]) -> Draft:
        try:
            return cls.model_validate({**data, "id": id})
        except ValidationError as exc:
            raise DraftError(
                f"draft {id} is stored in a form Sentinel cannot read: {exc}"
            ) from None

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"id"})

    @property
    def intact(self) -> bool:
        """The text is the one that was hashed when stored (and approved, if it was)."""
        ok = text_hash(self.content) == self.content_hash
        if self.approved is not None:
            ok = ok and self.approved.content_hash == self.content_hash
        return ok
