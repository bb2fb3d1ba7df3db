"""Draft versions: store each different text as a new version, approve one, never edit one.

Rendering the same facts again gives the same text, and then the latest version
is returned rather than a copy made; a changed text (the facts moved on) becomes
the next version, and an approved version stays exactly as it was approved.
Every generation and every approval goes into the audit trail under the
incident's id, so the incident's timeline shows which draft was made from
which facts, by whom, and which one was approved.
"""

from __future__ import annotations

from typing import Any

import orjson

from sentinel import audit
from sentinel.clock import Clock
from sentinel.drafts.errors import DraftError, DraftNotFound
from sentinel.drafts.model import KIND, Approval, Draft, Question, series_name, text_hash
from sentinel.drafts.render import Rendered
from sentinel.store.base import ConflictError, Record, Store

_ATTEMPTS = 20


def facts_hash(facts: dict[str, Any]) -> str:
    return audit.entry_hash(orjson.loads(orjson.dumps(facts)))


class Versions:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # reading ---------------------------------------------------------------------------
    def get(self, draft_id: str) -> Draft:
        rec = self.store.get_record(KIND, draft_id)
        if rec is None:
            raise DraftNotFound(f"no draft {draft_id}; see `sentinel drafts list INCIDENT`")
        return Draft.from_data(rec.id, rec.data)

    def of_incident(self, incident_id: str) -> list[Draft]:
        """Every version of every draft of the incident, by series then version."""
        out: list[Draft] = []
        after: str | None = None
        while True:
            records = self.store.find_records(
                KIND, {"incident": incident_id}, limit=500, after=after
            )
            out.extend(Draft.from_data(r.id, r.data) for r in records)
            if len(records) < 500:
                break
            after = records[-1].id
        return sorted(out, key=lambda d: (d.series, d.version))

    def latest(self, incident_id: str, series: str) -> Draft | None:
        records = self.store.find_records(
            KIND,
            {"incident": incident_id, "series": series},
            order_by="version",
            descending=True,
            limit=1,
        )
        return Draft.from_data(records[0].id, records[0].data) if records else None

    # changing --------------------------------------------------------------------------
    def save(
        self,
        *,
        incident_id: str,
        kind: str,
        lang: str,
        fmt: str,
        rendered: Rendered,
        facts: dict[str, Any],
        by: str,
        segment: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> tuple[Draft, bool]:
        """The stored version of this text: the latest if it is the same, else a new one.

        Returns the draft and whether a new version was made; both cases are audited.
        """
        series = series_name(kind, lang, fmt, segment)
        digest = text_hash(rendered.text)
        for _attempt in range(_ATTEMPTS):
            latest = self.latest(incident_id, series)
            if latest is not None and latest.content_hash == digest:
                self._audit(latest, by, None, new=False)
                return latest, False
            version = (latest.version if latest else 0) + 1
            draft = Draft(
                id=f"{incident_id}.{series}.v{version}",
                incident=incident_id,
                kind=kind,  # type: ignore[arg-type]
                series=series,
                lang=lang,  # type: ignore[arg-type]
                format=fmt,  # type: ignore[arg-type]
                segment=segment,
                version=version,
                content=rendered.text,
                content_hash=digest,
                facts_hash=facts_hash(facts),
                open_questions=[
                    Question(key=q.key, label=q.label) for q in rendered.open_questions
                ],
                details=dict(details or {}),
                created=self.clock.now(),
                created_by=by,
            )
            try:
                rec = self.store.create_record(KIND, draft.id, draft.to_data())
            except ConflictError:
                continue
            self._audit(draft, by, rec, new=True, supersedes=latest)
            return draft, True
        raise DraftError(f"could not number a new version of {series} for {incident_id}")

    def approve(self, draft_id: str, *, by: str, note: str | None = None) -> Draft:
        """Mark a version approved, freezing it; refused when altered, approved or superseded."""
        rec = self.store.get_record(KIND, draft_id)
        if rec is None:
            raise DraftNotFound(f"no draft {draft_id}; see `sentinel drafts list INCIDENT`")
        draft = Draft.from_data(rec.id, rec.data)
        if not draft.intact:
            raise DraftError(
                f"draft {draft_id} was changed in the store after it was made (its text no "
                "longer matches its hash); render it again and approve the new version"
            )
        if draft.approved is not None:
            raise DraftError(f"draft {draft_id} was already approved by {draft.approved.by}")
        latest = self.latest(draft.incident, draft.series)
        if latest is not None and latest.version > draft.version:
            raise DraftError(
                f"draft {draft_id} is superseded by version {latest.version} ({latest.id}), "
                "made from newer facts; read and approve that one"
            )
        draft.approved = Approval(
            by=by, at=self.clock.now(), note=note or None, content_hash=draft.content_hash
        )
        try:
            saved = self.store.update_record(KIND, draft.id, draft.to_data(), rec.version)
        except ConflictError:
            raise ConflictError(f"draft {draft_id} changed while approving; try again") from None
        audit.append(
            self.store,
            self.clock,
            by,
            "draft.approved",
            draft.incident,
            {"draft": draft.id, "content_hash": draft.content_hash, "note": note or None},
            records=[saved],
        )
        return draft

    def _audit(
        self,
        draft: Draft,
        by: str,
        rec: Record | None,
        *,
        new: bool,
        supersedes: Draft | None = None,
    ) -> None:
        details: dict[str, Any] = {
            "draft": draft.id,
            "kind": draft.kind,
            "lang": draft.lang,
            "format": draft.format,
            "version": draft.version,
            "new_version": new,
            "content_hash": draft.content_hash,
            "facts_hash": draft.facts_hash,
            "open_questions": [q.key for q in draft.open_questions],
        }
        if draft.segment:
            details["segment"] = draft.segment
        if supersedes is not None:
            details["supersedes"] = supersedes.id
        audit.append(
            self.store,
            self.clock,
            by,
            "draft.generated",
            draft.incident,
            details,
            records=[rec] if rec is not None else [],
        )
