"""Drafts for the privacy officer: the AP notification, member letters, the others; approval.

Each draft belongs to an incident, so every read and change passes the incident's
need-to-know check first. Rendering stores a version (the same text is not stored
twice); approving freezes one, and only the text the approver saw can be approved.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from sentinel import audit
from sentinel.drafts.actions import render_pending
from sentinel.drafts.ap import AP_KINDS
from sentinel.drafts.directory_api import directory_source
from sentinel.drafts.eml import check_sendable, unsendable, write_eml
from sentinel.drafts.members import AffectedMembers, write_recipients
from sentinel.drafts.model import Approval, Draft, Question
from sentinel.drafts.service import FORMATS, Made
from sentinel.drafts.service import DraftService as Drafting
from sentinel.drafts.versions import facts_hash
from sentinel.incidents.facts import Time
from sentinel.incidents.runs import Runs
from sentinel.incidents.service import Incidents
from sentinel.private_files import open_private, write_private
from sentinel.services.access import hidden_incidents, load_incident
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Invalid, NotFound, Stale, domain_errors

RENDERED = ("ap_initial", "ap_follow_up", "ap_withdrawal", "public_communication")
"""Drafts made from the incident alone (member letters also need the member directory)."""


# read models ---------------------------------------------------------------------------


class DraftSummary(BaseModel):
    """One stored version of a draft, without its text."""

    id: str
    incident: str
    kind: str
    series: str
    lang: str
    format: str
    segment: str | None
    version: int
    """The draft's own version number within its series (v1, v2, …)."""
    created: Time
    created_by: str
    content_hash: str
    """SHA-256 of the text: pass it back to approve exactly the text you read."""
    facts_hash: str
    intact: bool
    """False when the stored text no longer matches its hash (changed in the store)."""
    approved: Approval | None
    open_questions: list[Question]
    details: dict[str, Any]
    current: bool | None = None
    """In a list: whether the incident's facts are still those it was made from."""


class DraftDetail(DraftSummary):
    content: str
    audit_anchor: str | None = None
    """Right after an approval: the audit trail's newest entry (ENTRY:SHA256), to keep with
    the approved text; ``sentinel audit verify --anchor`` later shows a rewrite of the trail."""


class MadeDraft(DraftDetail):
    new_version: bool
    """False when the latest version already had this exact text."""


class MemberLetters(BaseModel):
    incident: str
    members: int
    missing_from_directory: int
    directory_problems: list[str]
    """Directory records not used, each with where it was read and why (no letter file)."""
    recipients_written: int | None
    eml_written: int | None
    eml_waiting_for: list[str]
    """Why no .eml files could be written yet (letters not approved, incomplete)."""
    texts_written: list[str] = []
    """Each letter's text as a file named after its draft id, to read before approving."""
    letters: list[MadeDraft]


class SetApproval(BaseModel):
    """The newest version of each draft of one kind, approved at once."""

    incident: str
    kind: str
    approved: list[DraftDetail] = []
    already: list[str] = []
    """Newest versions that were approved before."""
    refused: list[str] = []
    """Newest versions not approved, each with why (text altered after it was stored)."""
    earlier_facts: list[str] = []
    """Approved versions made before the facts last changed (render again to be sure)."""


class PendingDraft(BaseModel):
    incident: str
    step: str
    draft: str
    ok: bool
    result: str


def summary(draft: Draft, current: bool | None = None) -> DraftSummary:
    return DraftSummary.model_validate(
        {**_fields(draft, exclude={"content"}), "intact": draft.intact, "current": current}
    )


def detail(draft: Draft) -> DraftDetail:
    return DraftDetail.model_validate({**_fields(draft), "intact": draft.intact})


def made(m: Made) -> MadeDraft:
    return MadeDraft.model_validate(
        {**_fields(m.draft), "intact": m.draft.intact, "new_version": m.new}
    )


def _fields(draft: Draft, exclude: set[str] | None = None) -> dict[str, Any]:
    return {
        name: getattr(draft, name)
        for name in type(draft).model_fields
        if name not in (exclude or set())
    }


# the service ---------------------------------------------------------------------------


class DraftService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.incidents = Incidents(ctx.store, ctx.clock)
        self.drafting = Drafting.from_settings(ctx.settings, self.incidents)

    # reading -------------------------------------------------------------------------
    def list(self, actor: Actor, incident_id: str) -> list[DraftSummary]:
        """Every version of every draft of the incident, and whether its facts are current."""
        incident = load_incident(self.incidents, actor, incident_id, "drafts:read").incident
        current = facts_hash(incident.facts)
        with domain_errors():
            drafts = self.drafting.versions.of_incident(incident_id)
        return [summary(d, d.facts_hash == current) for d in drafts]

    def show(self, actor: Actor, draft_id: str) -> DraftDetail:
        """One stored version exactly as it was made."""
        return detail(self._draft(actor, draft_id, "drafts:read"))

    def _draft(self, actor: Actor, draft_id: str, permission: str) -> Draft:
        require(actor, permission)
        with domain_errors():
            draft = self.drafting.versions.get(draft_id)
        load_incident(self.incidents, actor, draft.incident, permission)
        return draft

    # making --------------------------------------------------------------------------
    def render(
        self,
        actor: Actor,
        incident_id: str,
        kind: str,
        *,
        lang: str = "nl",
        fmt: str | None = None,
        reason: str | None = None,
    ) -> MadeDraft:
        """A draft made from the incident as it stands (not the member letters)."""
        load_incident(self.incidents, actor, incident_id, "drafts:write")
        if kind not in RENDERED and kind != "management_summary":
            known = ", ".join((*RENDERED, "management_summary"))
            raise Invalid(f"draft kind must be one of {known} (member letters have their own)")
        d = self.drafting
        with domain_errors():
            if kind.startswith("ap_"):
                phase = kind.removeprefix("ap_")
                if phase not in AP_KINDS:
                    raise Invalid(f"an AP draft is one of {', '.join(AP_KINDS)}")
                result = d.ap(
                    incident_id,
                    by=actor.name,
                    kind=phase,  # type: ignore[arg-type]
                    lang=lang,  # type: ignore[arg-type]
                    fmt=fmt or "md",
                    reason=reason,
                )
            elif kind == "public_communication":
                result = d.public_communication(incident_id, by=actor.name, lang=lang)  # type: ignore[arg-type]
            else:
                result = d.management_summary(incident_id, by=actor.name, lang=lang)  # type: ignore[arg-type]
        return made(result)

    def member_letters(
        self,
        actor: Actor,
        incident_id: str,
        *,
        directory: str | Path | None = None,
        langs: Sequence[str] | None = None,
        recipients: Path | None = None,
        eml: Path | None = None,
        sender: str | None = None,
        explain_waiting: bool = False,
        texts: Path | None = None,
    ) -> MemberLetters:
        """One letter per partner, data touched and language; optionally the mail-merge list
        (``recipients``, .csv or .jsonl) and one .eml per member (``eml``, approved letters
        only). ``explain_waiting`` says why the .eml files cannot be written yet instead of
        refusing. ``texts`` is a folder for each letter's text (``<draft id>.txt``)."""
        load_incident(self.incidents, actor, incident_id, "drafts:write")
        if eml is not None:
            require(actor, "letters:export")
        settings = self.ctx.settings
        with domain_errors():
            source = directory_source(
                directory or settings.member_directory, settings, self.ctx.clock
            )
            with self.drafting.affected(incident_id, directory=source) as members:
                letters = self.drafting.member_letters(
                    incident_id,
                    members,
                    by=actor.name,
                    langs=langs or None,  # type: ignore[arg-type]
                )
                drafts = {key: m.draft for key, m in letters.items()}
                ids = {key: m.draft.id for key, m in letters.items()}
                written_texts = _texts(texts, list(drafts.values())) if texts else []
                rows = _recipients(recipients, members, ids) if recipients else None
                waiting = unsendable(drafts) if explain_waiting else []
                written = None
                if eml is not None and not waiting:
                    written = write_eml(
                        eml,
                        members,
                        drafts,
                        sender=sender if sender is not None else settings.organisation.dpo_email,
                    )
                total, missing = members.count(), members.missing_from_directory()
                problems = [str(p) for p in members.problems()]
        return MemberLetters(
            incident=incident_id,
            members=total,
            missing_from_directory=missing,
            directory_problems=problems,
            texts_written=written_texts,
            recipients_written=rows,
            eml_written=written,
            eml_waiting_for=waiting,
            letters=[made(m).model_copy(update={"segment": key[0]}) for key, m in letters.items()],
        )

    def letters_zip(self, actor: Actor, incident_id: str, out: IO[bytes]) -> int:
        """The approved member letters as one .eml per reachable member, in a zip; how many."""
        load_incident(self.incidents, actor, incident_id, "letters:export")
        settings = self.ctx.settings
        with domain_errors():
            source = directory_source(settings.member_directory, settings, self.ctx.clock)
            with (
                self.drafting.affected(incident_id, directory=source) as members,
                tempfile.TemporaryDirectory(prefix="sentinel-letters-") as tmp,
            ):
                drafts = self._latest_letters(incident_id)
                check_sendable(drafts)
                written = write_eml(
                    Path(tmp), members, drafts, sender=settings.organisation.dpo_email
                )
                with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                    for path in sorted(Path(tmp).iterdir()):
                        archive.write(path, path.name)
        return written

    def _latest_letters(self, incident_id: str) -> dict[tuple[str, str], Draft]:
        latest: dict[tuple[str, str], Draft] = {}
        for d in self.drafting.versions.of_incident(incident_id):
            if d.kind == "member_letters":
                latest[(d.segment or "", d.lang)] = d
        if not latest:
            raise Invalid(f"incident {incident_id} has no member letters yet; make them first")
        return latest

    def approve(
        self,
        actor: Actor,
        draft_id: str,
        *,
        note: str | None = None,
        content_hash: str | None = None,
    ) -> DraftDetail:
        """Approve a version: it is frozen (its hash kept); new facts make a new version.

        With ``content_hash`` only that exact text is approved (a changed one is refused).
        """
        draft = self._draft(actor, draft_id, "drafts:approve")
        if content_hash is not None and content_hash != draft.content_hash:
            raise Stale(f"{draft_id} is not the text you read (its hash differs); read it again")
        with domain_errors():
            return self._anchored(
                self.drafting.versions.approve(draft_id, by=actor.name, note=note)
            )

    def _anchored(self, draft: Draft) -> DraftDetail:
        head = audit.head(self.ctx.store)
        return detail(draft).model_copy(update={"audit_anchor": str(head) if head else None})

    def approve_set(
        self, actor: Actor, incident_id: str, kind: str, *, note: str | None = None
    ) -> SetApproval:
        """Approve the newest version of each draft of one kind (every member letter at once).

        A version whose text no longer matches its hash is not approved. One made before the
        facts last changed is approved and named in ``earlier_facts``: rendering again makes
        a new version only where the change shows in its text, so it is often still current.
        """
        incident = load_incident(self.incidents, actor, incident_id, "drafts:approve").incident
        if kind not in FORMATS:
            raise Invalid(f"--kind must be one of {', '.join(FORMATS)}")
        current = facts_hash(incident.facts)
        with domain_errors():
            newest: dict[str, Draft] = {}
            for d in self.drafting.versions.of_incident(incident_id):
                if d.kind == kind:
                    newest[d.series] = d
        if not newest:
            raise NotFound(f"incident {incident_id} has no {kind} drafts yet; make them first")
        result = SetApproval(incident=incident_id, kind=kind)
        for draft in newest.values():
            if draft.approved is not None:
                result.already.append(draft.id)
            elif not draft.intact:
                result.refused.append(f"{draft.id} was changed after it was stored")
            else:
                with domain_errors():
                    approved = self.drafting.versions.approve(draft.id, by=actor.name, note=note)
                result.approved.append(self._anchored(approved))
                if draft.facts_hash != current:
                    result.earlier_facts.append(draft.id)
        return result

    def pending(self, actor: Actor) -> list[PendingDraft]:
        """Make the drafts that completed playbook steps asked for (render_draft actions).

        Every incident's are made; those of a restricted incident the actor may not see
        are left out of the answer."""
        require(actor, "drafts:write")
        runs = Runs(self.ctx.store, self.ctx.clock, self.incidents, {})
        resolved = render_pending(runs, self.drafting, by=actor.name)
        hidden = hidden_incidents(self.incidents, actor, (r.incident for r in resolved))
        return [
            PendingDraft(incident=r.incident, step=r.step, draft=r.draft, ok=r.ok, result=r.result)
            for r in resolved
            if r.incident not in hidden
        ]


def _texts(folder: Path, drafts: list[Draft]) -> list[str]:
    """Each letter's text next to the recipients, named after its draft id (version and all)."""
    paths = []
    for draft in drafts:
        path = folder / f"{draft.id}.txt"
        try:
            write_private(path, draft.content)
        except OSError as exc:
            raise Invalid(f"cannot write {path}: {exc.strerror}") from None
        paths.append(str(path))
    return paths


def _recipients(path: Path, members: AffectedMembers, letters: dict[tuple[str, str], str]) -> int:
    """The mail-merge list, created readable by its owner only (it holds personal data)."""
    fmt = "jsonl" if path.suffix.lower() in (".jsonl", ".json") else "csv"
    try:
        with open_private(path, "w", encoding="utf-8", newline="") as handle:
            return write_recipients(handle, members, letters, fmt)
    except OSError as exc:
        raise Invalid(f"cannot write {path}: {exc.strerror}") from None
