"""The hash-chained audit trail: whether it is intact, and its entries."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from sentinel import audit
from sentinel.incidents.facts import Time
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext


class Verified(BaseModel):
    ok: bool
    entries: int
    """Entries checked before the first problem (all of them when ok)."""
    seq: int | None
    """The first entry that fails, when one does."""
    problem: Literal["edited", "removed", "reordered"] | None
    message: str


class AuditEntryView(BaseModel):
    seq: int
    at: Time
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    hash: str


class AuditService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def verify(self, actor: Actor) -> Verified:
        """Every entry checked against its hash and its predecessor; names the first bad one."""
        require(actor, "audit:read")
        r = audit.verify(self.ctx.store)
        return Verified(ok=r.ok, entries=r.entries, seq=r.seq, problem=r.problem, message=r.message)

    def entries(
        self,
        actor: Actor,
        *,
        subject: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntryView]:
        """Entries in order, optionally about one subject, after a sequence number."""
        require(actor, "audit:read")
        return [
            AuditEntryView(
                seq=e.seq,
                at=e.at,
                actor=e.actor,
                action=e.action,
                subject=e.subject,
                details=e.details,
                hash=e.hash,
            )
            for e in audit.entries(self.ctx.store, subject=subject, limit=limit, after=after)
        ]
