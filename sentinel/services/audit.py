"""The hash-chained audit trail: whether it is intact, and its entries.

Entries about a restricted incident (its id in the subject or the details: the
incident's own changes, its drafts, API calls on it) are shown only to those who
may see that incident; ``verify`` walks the whole chain for anyone who may read the
trail and names a restricted incident only to those who may see it (docs/access.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

import orjson
from pydantic import BaseModel

from sentinel import audit
from sentinel.access import auditing
from sentinel.events import parse_timestamp
from sentinel.incidents.facts import Time
from sentinel.incidents.service import Incidents
from sentinel.services.access import INCIDENT_ID, hidden_incidents
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Invalid


class Verified(BaseModel):
    ok: bool
    entries: int
    """Entries checked before the first problem (all of them when ok)."""
    seq: int | None
    """The first entry that fails, when one does."""
    problem: Literal["edited", "removed", "reordered", "changed", "rewritten"] | None
    message: str
    changes: list[str] = []
    """Each record that differs from the state the trail holds for it, and how."""
    records: int = 0
    """Records whose current state was checked against the trail."""


class AuditEntryView(BaseModel):
    seq: int
    at: Time
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    hash: str


class Checkpointed(BaseModel):
    anchor: str
    """``ENTRY:SHA256`` of the newest entry, now signed."""
    at: Time


class AuditService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def verify(self, actor: Actor, anchors: Sequence[str] = ()) -> Verified:
        """Every entry checked against its hash and its predecessor, every record against the
        state its entries hold, and the trail against ``anchors`` (``ENTRY:SHA256`` kept from
        exports and approvals) and the signed checkpoints.

        The whole chain is checked whoever asks; a restricted incident the actor may not
        see is named in the findings only as 'a restricted incident'.
        """
        require(actor, "audit:read")
        try:
            kept = [audit.Anchor.parse(a) for a in anchors]
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        r = audit.verify(
            self.ctx.store,
            anchors=kept,
            key=self.ctx.settings.audit.key(),
            complete=auditing.KINDS,
        )
        said = [r.message, *r.changes]
        hidden = self._hidden(actor, [i for text in said for i in INCIDENT_ID.findall(text)])
        for incident_id in hidden:
            said = [text.replace(incident_id, "a restricted incident") for text in said]
        return Verified(
            ok=r.ok,
            entries=r.entries,
            seq=r.seq,
            problem=r.problem,
            message=said[0],
            changes=said[1:],
            records=r.records,
        )

    def checkpoint(self, actor: Actor) -> Checkpointed:
        """Sign the newest entry with the checkpoint key and keep the signature in the store."""
        require(actor, "audit:read")
        key = self.ctx.settings.audit.key()
        if key is None:
            raise Invalid(
                "no checkpoint key: set audit.checkpoint_key_file (or audit.checkpoint_key, "
                "SENTINEL_AUDIT__CHECKPOINT_KEY) to a secret kept away from the store"
            )
        made = audit.checkpoint(self.ctx.store, self.ctx.clock, key)
        if made is None:
            raise Invalid("the audit trail is empty: nothing to sign yet")
        anchor, at = made
        return Checkpointed(anchor=str(anchor), at=parse_timestamp(at))

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
