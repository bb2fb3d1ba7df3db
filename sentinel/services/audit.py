"""The hash-chained audit trail: whether it is intact, and its entries.

Entries about a restricted incident (its id in the subject or the details: the
incident's own changes, its drafts, API calls on it) are shown only to those who
may see that incident; ``verify`` walks the whole chain for anyone who may read the
trail and names a restricted incident only to those who may see it (docs/access.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import orjson
from pydantic import BaseModel

from sentinel import audit
from sentinel.incidents.facts import Time
from sentinel.incidents.service import Incidents
from sentinel.services.access import INCIDENT_ID, hidden_incidents
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
        """Every entry checked against its hash and its predecessor; names the first bad one.

        The whole chain is checked whoever asks; a restricted incident the actor may not
        see is named in the finding only as 'a restricted incident'.
        """
        require(actor, "audit:read")
        r = audit.verify(self.ctx.store)
        message = r.message
        for incident_id in self._hidden(actor, INCIDENT_ID.findall(message)):
            message = message.replace(incident_id, "a restricted incident")
        return Verified(ok=r.ok, entries=r.entries, seq=r.seq, problem=r.problem, message=message)

    def entries(
        self,
        actor: Actor,
        *,
        subject: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntryView]:
        """Entries in order, optionally about one subject, after a sequence number; without
        those about a restricted incident the actor may not see."""
        require(actor, "audit:read")
        found: list[AuditEntryView] = []
        known: dict[str, bool] = {}
        while len(found) < limit:
            page = audit.entries(self.ctx.store, subject=subject, limit=limit, after=after)
            for e in page:
                mentioned = set(INCIDENT_ID.findall(e.subject + orjson.dumps(e.details).decode()))
                unknown = mentioned - known.keys()
                hidden = self._hidden(actor, unknown)
                known.update({i: i in hidden for i in unknown})
                if any(known[i] for i in mentioned):
                    continue
                found.append(
                    AuditEntryView(
                        seq=e.seq,
                        at=e.at,
                        actor=e.actor,
                        action=e.action,
                        subject=e.subject,
                        details=e.details,
                        hash=e.hash,
                    )
                )
                if len(found) == limit:
                    break
            if len(page) < limit:
                break
            after = page[-1].seq
        return found

    def _hidden(self, actor: Actor, ids: Iterable[str]) -> set[str]:
        return hidden_incidents(Incidents(self.ctx.store, self.ctx.clock), actor, ids)
