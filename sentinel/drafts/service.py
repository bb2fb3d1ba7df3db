"""Making drafts from incidents: load the facts, render the template, keep the version.

One entry per kind of draft; each renders from the incident as it stands,
stores the text as a version (``Versions.save``: the same text is not stored
twice, a changed text is a new version) and returns it. ``sentinel.drafts.actions``
plugs ``render_kind`` into playbook runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sentinel.config import Settings
from sentinel.drafts import ap
from sentinel.drafts.ap import ApKind, Organisation
from sentinel.drafts.directory_api import DirectoryApi, DirectoryError, directory_source
from sentinel.drafts.errors import DraftError
from sentinel.drafts.labels import LANGS, PLAIN_CATEGORIES, Lang, choice, join, pick
from sentinel.drafts.members import AffectedMembers, Segment
from sentinel.drafts.model import Draft
from sentinel.drafts.render import TEMPLATES, environment, render
from sentinel.drafts.versions import Versions
from sentinel.drafts.view import FactView
from sentinel.incidents.assessment import assess
from sentinel.incidents.deadline import AMSTERDAM, deadline
from sentinel.incidents.facts import UNKNOWN, Facts
from sentinel.incidents.model import Incident
from sentinel.incidents.service import Incidents

FORMATS: dict[str, tuple[str, ...]] = {
    "ap_initial": ("md", "html", "txt"),
    "ap_follow_up": ("md", "html", "txt"),
    "ap_withdrawal": ("md", "txt"),
    "member_letters": ("txt",),
    "public_communication": ("md",),
    "management_summary": ("md",),
}
GENERAL_SEGMENT = "all"
"""The letter's segment when the evidence names no members (an incident opened by hand)."""

Directory = Path | DirectoryApi


@dataclass(frozen=True, slots=True)
class Made:
    draft: Draft
    new: bool
    """False when the latest version already had this exact text."""


class DraftService:
    def __init__(
        self,
        incidents: Incidents,
        *,
        organisation: Organisation | None = None,
        zone: ZoneInfo = AMSTERDAM,
        templates: Path = TEMPLATES,
        assessment: dict[str, Any] | None = None,
        member_directory: Callable[[], Directory | None] | None = None,
        text_lang: Lang | None = None,
    ) -> None:
        """``member_directory`` opens the configured directory for letters made by a playbook
        step; it is called per use, so an API client never outlives one rendering.
        ``text_lang`` is the language the incident's descriptions are written in (None: they
        serve both languages as they are)."""
        self.incidents = incidents
        self.member_directory = member_directory
        self.text_lang = text_lang
        self.organisation = organisation or Organisation()
        self.zone = zone
        self.env = environment(templates)
        self.versions = Versions(incidents.store, incidents.clock)
        self.assessment = dict(assessment or {})

    @classmethod
    def from_settings(cls, settings: Settings, incidents: Incidents) -> DraftService:
        """The service as configured: the organisation, the zone and the assessment thresholds."""
        org = settings.organisation
        return cls(
            incidents,
            organisation=Organisation(
                org.name, org.address, org.dpo_name, org.dpo_email, org.dpo_phone, org.sector
            ),
            zone=settings.zone,
            assessment={
                "large_scale": settings.incidents.large_scale,
                "short_outage_hours": settings.incidents.short_outage.total_seconds() / 3600,
            },
            text_lang=settings.incidents.text_language,
            member_directory=lambda: directory_source(
                settings.member_directory, settings, incidents.clock
            ),
        )

    # the AP ------------------------------------------------------------------------------
    def ap(
        self,
        incident_id: str,
        *,
        by: str,
        kind: ApKind = "initial",
        lang: Lang = "nl",
        fmt: str = "md",
        reason: str | None = None,
    ) -> Made:
        """The notification to the AP: initial, follow-up (vervolgmelding) or withdrawal."""
        if kind not in ap.AP_KINDS:
            raise DraftError(f"an AP draft is one of {', '.join(ap.AP_KINDS)}, not {kind!r}")
        draft_kind = f"ap_{kind}"
        self._check_format(draft_kind, fmt)
        incident = self.incidents.get(incident_id).incident
        if kind != "initial" and incident.initial_notification() is None:
            raise DraftError(
                f"a {kind.replace('_', '-')} quotes the AP's reference of the initial "
                f"notification; record that first (`sentinel incident notified {incident_id} "
                "--kind initial --reference …`)"
            )
        view = self._view(incident, lang)
        now = self.incidents.clock.now()
        context = ap.context(
            incident, view, kind, organisation=self.organisation, now=now, reason=reason
        )
        name = "ap_withdrawal" if kind == "withdrawal" else "ap"
        rendered = render(self.env, f"{name}.{fmt}.j2", view, context)
        details: dict[str, Any] = {"reference": incident.authority_reference()}
        if reason:
            details["reason"] = reason
        if context["contradictions"]:
            details["contradictions"] = context["contradictions"]
        return self._save(incident, draft_kind, lang, fmt, rendered, by, details=details)

    # members -----------------------------------------------------------------------------
    def affected(
        self,
        incident_id: str,
        *,
        directory: Directory | None = None,
        default_lang: Lang = "nl",
    ) -> AffectedMembers:
        """The incident's affected members (and directory), ready for letters and recipients.

        The directory is a CSV file or the directory API, asked only for these members.

        The caller closes it (use it as a context manager).
        """
        incident = self.incidents.get(incident_id).incident
        members = AffectedMembers(default_lang)
        try:
            members.load_evidence(self.incidents.store, incident)
            if directory is not None:
                members.load_directory(directory)
        except BaseException:
            members.close()
            raise
        return members

    def member_letters(
        self,
        incident_id: str,
        members: AffectedMembers,
        *,
        by: str,
        langs: Sequence[Lang] | None = None,
    ) -> dict[tuple[str, str], Made]:
        """One letter per segment and language; keyed by (segment key, language).

        Without ``langs`` each segment gets the languages its members read.
        """
        incident = self.incidents.get(incident_id).incident
        wanted: dict[tuple[str, str, tuple[str, ...]], dict[str, int]] = {}
        names: dict[str, str] = {}
        for seg in members.segments():
            key = (seg.key, seg.partner, seg.categories)
            per_lang = wanted.setdefault(key, {})
            for lang in langs or (seg.lang,):
                per_lang[lang] = per_lang.get(lang, 0) + (seg.members if seg.lang == lang else 0)
            if seg.partner_name:
                names[seg.partner] = seg.partner_name
        if not wanted:
            wanted[(GENERAL_SEGMENT, "", ())] = {lang: 0 for lang in (langs or LANGS)}
        made: dict[tuple[str, str], Made] = {}
        for (key, partner, categories), per_lang in sorted(wanted.items()):
            segment = Segment(partner, categories, "nl", 0, names.get(partner, ""))
            for lang, count in sorted(per_lang.items()):
                made[(key, lang)] = self._letter(
                    incident,
                    segment,
                    key,
                    lang,
                    count,
                    by,  # type: ignore[arg-type]
                )
        return made

    def _letter(
        self, incident: Incident, segment: Segment, key: str, lang: Lang, count: int, by: str
    ) -> Made:
        view = self._view(incident, lang)
        cats = list(segment.categories)
        if not cats and view.known("data.categories"):
            cats = list(view.raw("data.categories"))
        words = [self._plain(c, view) for c in cats] if cats else []
        if not words:
            words = [view.missing("data.categories")]
        context = {
            "organisation": self.organisation,
            "segment": segment,
            "cats": cats,
            "cat_words": words,
        }
        rendered = render(self.env, f"member_letter.{lang}.txt.j2", view, context)
        details = {
            "partner": segment.partner,
            "partner_name": segment.partner_name,
            "categories": list(segment.categories),
            "members": count,
        }
        return self._save(
            incident, "member_letters", lang, "txt", rendered, by, segment=key, details=details
        )

    def _plain(self, category: str, view: FactView) -> str:
        words = pick(PLAIN_CATEGORIES[category], view.lang)
        if category == "special" and view.known("data.special") and view.raw("data.special"):
            kinds = [choice("data.special", s, view.lang) for s in view.raw("data.special")]
            words += f" ({join(kinds, view.lang)})"
        return words

    # the others --------------------------------------------------------------------------
    def public_communication(self, incident_id: str, *, by: str, lang: Lang = "nl") -> Made:
        """The public notice of Art. 34(3)(c), when informing each member is disproportionate."""
        incident = self.incidents.get(incident_id).incident
        view = self._view(incident, lang)
        rendered = render(
            self.env,
            "public_communication.md.j2",
            view,
            {"organisation": self.organisation},
        )
        return self._save(incident, "public_communication", lang, "md", rendered, by)

    def management_summary(self, incident_id: str, *, by: str, lang: Lang = "nl") -> Made:
        incident = self.incidents.get(incident_id).incident
        view = self._view(incident, lang)
        aware = incident.awareness.at if incident.awareness else None
        context = {
            "incident": incident,
            "awareness": aware,
            "deadline": deadline(aware) if aware else None,
            "notifications": incident.notifications,
            "assessment": assess(incident.parsed_facts(), **self.assessment),
            "decision": incident.decision,
        }
        rendered = render(self.env, "management_summary.md.j2", view, context)
        return self._save(incident, "management_summary", lang, "md", rendered, by)

    def render_kind(self, incident_id: str, kind: str, *, by: str) -> list[Made]:
        """Every language of one kind of draft, as a playbook action asks for it.

        Member letters come in the languages their members read when a member directory is
        configured (as ``sentinel drafts members`` makes them), and in both otherwise.
        """
        if kind in ("ap_initial", "ap_follow_up", "ap_withdrawal"):
            phase = kind.removeprefix("ap_")
            return [
                self.ap(incident_id, by=by, kind=phase, lang=lang)  # type: ignore[arg-type]
                for lang in LANGS
            ]
        if kind == "member_letters":
            directory = self.member_directory() if self.member_directory else None
            try:
                members = self.affected(incident_id, directory=directory)
            except DirectoryError as exc:
                raise DraftError(f"the member_directory setting: {exc}") from None
            with members:
                langs = None if directory is not None else LANGS
                return list(self.member_letters(incident_id, members, by=by, langs=langs).values())
        if kind == "public_communication":
            return [self.public_communication(incident_id, by=by, lang=lang) for lang in LANGS]
        if kind == "management_summary":
            return [self.management_summary(incident_id, by=by, lang=lang) for lang in LANGS]
        raise DraftError(f"no such draft {kind!r}; known: {', '.join(FORMATS)}")

    # shared ------------------------------------------------------------------------------
    def _facts(self, incident: Incident) -> Facts:
        """The incident's facts, with the DPO's contact from settings where none is recorded."""
        facts = incident.parsed_facts()
        fallback = {
            "dpo.name": self.organisation.dpo_name,
            "dpo.email": self.organisation.dpo_email,
            "dpo.phone": self.organisation.dpo_phone,
        }
        changes = {k: v for k, v in fallback.items() if v and facts.value(k) is UNKNOWN}
        return facts.with_changes(changes) if changes else facts

    def _view(self, incident: Incident, lang: str) -> FactView:
        if lang not in LANGS:
            raise DraftError(f"drafts exist in {' and '.join(LANGS)}, not {lang!r}")
        return FactView(self._facts(incident), lang, self.zone, self.text_lang)  # type: ignore[arg-type]

    def _check_format(self, kind: str, fmt: str) -> None:
        if fmt not in FORMATS[kind]:
            raise DraftError(f"{kind} is made as {' or '.join(FORMATS[kind])}, not {fmt!r}")

    def _save(
        self,
        incident: Incident,
        kind: str,
        lang: str,
        fmt: str,
        rendered: Any,
        by: str,
        *,
        segment: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> Made:
        draft, new = self.versions.save(
            incident_id=incident.id,
            kind=kind,
            lang=lang,
            fmt=fmt,
            rendered=rendered,
            facts=incident.facts,
            by=by,
            segment=segment,
            details=details,
        )
        return Made(draft, new)
