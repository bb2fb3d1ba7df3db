"""Incidents for the commander and the privacy officer: open, read, facts, clock, decide, notify.

Every read and change goes through ``load``, which checks the actor's permission
and that the actor may see the incident at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from sentinel import audit
from sentinel.access.need_to_know import may_see
from sentinel.alerts import AlertError, Alerts
from sentinel.config import Settings
from sentinel.incidents.assessment import Assessment, Thresholds
from sentinel.incidents.deadline import clock_state, send_due_reminders
from sentinel.incidents.decisions import decide
from sentinel.incidents.evidence import affected_members
from sentinel.incidents.facts import (
    FACTS,
    TRANSLATED,
    UNKNOWN,
    Facts,
    Time,
    changes_from,
    parse_facts,
    parse_value,
)
from sentinel.incidents.model import STATUSES, Incident, NotificationRecord
from sentinel.incidents.notifications import record_notification
from sentinel.incidents.service import Incidents, Loaded
from sentinel.incidents.timeline import contradictions
from sentinel.localtime import show
from sentinel.services import paging
from sentinel.services.access import load_incident
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Invalid, domain_errors
from sentinel.services.playbooks import PlaybookService, StepView

NOTIFICATION_KINDS: dict[str, tuple[str, str]] = {
    "initial": ("authority", "initial"),
    "follow-up": ("authority", "follow_up"),
    "withdrawal": ("authority", "withdrawal"),
    "members": ("members", "communication"),
    "public": ("public", "communication"),
}
"""What a person calls a notification → (recipient, kind) as the incident records it."""


# read models ---------------------------------------------------------------------------


class ClockView(BaseModel):
    """The 72-hour clock: from awareness to the deadline for notifying the AP."""

    awareness: Time
    deadline: Time
    deadline_local: str
    seconds_left: int
    """Negative once the deadline has passed."""
    overdue: bool
    notified: Time | None
    late: bool | None
    text: str
    running: bool
    """Still counting: the AP neither notified nor decided against, and not closed."""


class Advice(BaseModel):
    """Whether to notify the AP (Art. 33) and inform the people (Art. 34), with reasons."""

    severity: str
    score: float
    notify_authority: bool
    notify_subjects: str
    reasons: list[str]

    @classmethod
    def of(cls, result: Assessment) -> Advice:
        return cls.model_validate(result.to_dict())


class EnisaView(BaseModel):
    dpc: int
    ei: float
    confidentiality: float
    integrity: float
    availability: float
    malicious: float


class AssessmentView(Advice):
    """The advice with the risk it rests on, the facts assumed cautiously and the ENISA terms."""

    risk: str
    assumed: list[str]
    enisa: EnisaView

    def advice(self) -> Advice:
        return Advice.model_validate(self.model_dump(include=set(Advice.model_fields)))

    @classmethod
    def of(cls, result: Assessment) -> AssessmentView:
        e = result.enisa
        return cls.model_validate(
            {
                **result.to_dict(),
                "risk": result.risk,
                "assumed": result.assumed,
                "enisa": {
                    "dpc": e.dpc,
                    "ei": e.ei,
                    "confidentiality": e.confidentiality,
                    "integrity": e.integrity,
                    "availability": e.availability,
                    "malicious": e.malicious,
                },
            }
        )


class IncidentSummary(BaseModel):
    """One line of the incident list."""

    id: str
    version: str
    title: str
    status: str
    severity: str
    commander: str | None
    restricted: bool
    created: Time
    clock: ClockView | None


class IncidentPage(BaseModel):
    items: list[IncidentSummary]
    next: str | None


class IncidentDetail(Incident):
    """Everything about one incident: the record, its version, clock, assessment and steps."""

    version: str
    """Pass it back (If-Match) to change the incident only as you saw it."""
    clock: ClockView | None
    assessment: AssessmentView
    steps: list[StepView] | None


class OpenedIncident(IncidentDetail):
    warnings: list[str]
    """What could not be done alongside (an alert not marked escalated, a missing playbook)."""


class Contradiction(BaseModel):
    facts: list[str]
    text: str


class FactsView(BaseModel):
    id: str
    version: str
    facts: dict[str, Any]
    unknown: list[str]
    contradictions: list[Contradiction]


class FactSpecView(BaseModel):
    name: str
    kind: str
    choices: list[str]
    en: str
    nl: str
    translated: bool


class DecisionView(BaseModel):
    id: str
    incident: str
    notify_authority: Literal["yes", "no"]
    notify_subjects: Literal["yes", "no", "public_communication"]
    reason: str
    by: str
    at: Time
    recommendation: dict[str, Any]
    follows_recommendation: bool


class NotificationRecorded(BaseModel):
    incident: str
    version: str
    notification: NotificationRecord
    completed_steps: list[str] = []
    """Playbook steps this notification completed (their ``done_when: {notified: …}``)."""


class TimelineEntry(BaseModel):
    seq: int
    at: Time
    by: str
    action: str
    details: dict[str, Any]


class AffectedMember(BaseModel):
    member: str
    events: int


class ChangedIncident(BaseModel):
    """What a change leaves: the incident's headline and its new version."""

    id: str
    version: str
    title: str
    status: str
    severity: str
    commander: str | None
    participants: list[str]
    restricted: bool


# the service ---------------------------------------------------------------------------

D = TypeVar("D", bound=IncidentDetail)


class IncidentService:
    def __init__(self, ctx: ServiceContext, playbooks: Path | None = None) -> None:
        """``playbooks`` is the playbooks folder (default: setting incidents.playbooks_dir)."""
        self.ctx = ctx
        self.incidents = Incidents(ctx.store, ctx.clock)
        self.folder = playbooks

    @cached_property
    def playbooks(self) -> PlaybookService:
        return PlaybookService(self.ctx, self.folder)

    def load(self, actor: Actor, incident_id: str, permission: str = "incidents:read") -> Loaded:
        return load_incident(self.incidents, actor, incident_id, permission)

    # reading -------------------------------------------------------------------------
    def list(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        open_only: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> IncidentPage:
        """Newest first."""
        require(actor, "incidents:read")
        if status and status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}")
        where: dict[str, Any] = {}
        if status:
            where["status"] = status
        if open_only:
            where["open"] = True
        after = paging.decode(cursor) if cursor else None
        items: list[IncidentSummary] = []
        while True:
            records = self.ctx.store.find_records(
                "incident", where, order_by="created", descending=True, limit=limit, after=after
            )
            with domain_errors():
                for rec in records:
                    incident = Incident.from_data(rec.id, rec.data)
                    if not may_see(actor, incident):
                        continue
                    if len(items) == limit:
                        return IncidentPage(items=items, next=paging.encode(after))
                    items.append(self.summary(Loaded(incident, rec.version)))
                    after = (rec.data["created"], rec.id)
                if len(records) < limit:
                    return IncidentPage(items=items, next=None)
                after = (records[-1].data["created"], records[-1].id)

    def summary(self, loaded: Loaded) -> IncidentSummary:
        i = loaded.incident
        return IncidentSummary(
            id=i.id,
            version=loaded.version,
            title=i.title,
            status=i.status,
            severity=i.severity,
            commander=i.commander,
            restricted=i.restricted,
            created=i.created,
            clock=self.clock_view(i),
        )

    def show(self, actor: Actor, incident_id: str) -> IncidentDetail:
        """The incident page: the record, its clock, assessment and playbook steps."""
        return self._detail(IncidentDetail, self.load(actor, incident_id))

    def _detail(self, model: type[D], loaded: Loaded, **extra: Any) -> D:
        i = loaded.incident
        return model.model_validate(
            {
                **{name: getattr(i, name) for name in type(i).model_fields},
                "version": loaded.version,
                "clock": self.clock_view(i),
                "assessment": self.advise(i.parsed_facts()),
                "steps": self.playbooks.steps_or_none(i.id),
                **extra,
            }
        )

    def clock_view(self, incident: Incident) -> ClockView | None:
        state = clock_state(incident, self.ctx.clock.now())
        if state is None:
            return None
        return ClockView(
            awareness=state.awareness,
            deadline=state.deadline,
            deadline_local=show(state.deadline, self.ctx.zone),
            seconds_left=int(state.left.total_seconds()),
            overdue=state.overdue,
            notified=state.notified,
            late=state.late,
            text=state.describe(self.ctx.zone),
            running=incident.clock_running,
        )

    def advise(self, facts: Facts) -> AssessmentView:
        return advise(self.ctx.settings, facts)

    def assessment(self, actor: Actor, incident_id: str) -> AssessmentView:
        return self.advise(self.load(actor, incident_id).incident.parsed_facts())

    def timeline(self, actor: Actor, incident_id: str) -> list[TimelineEntry]:
        """Every recorded change to the incident, its decisions and playbook (the audit trail)."""
        self.load(actor, incident_id)
        out: list[TimelineEntry] = []
        after: int | None = None
        while True:
            page = audit.entries(self.ctx.store, subject=incident_id, limit=1000, after=after)
            out += [
                TimelineEntry(seq=e.seq, at=e.at, by=e.actor, action=e.action, details=e.details)
                for e in page
            ]
            if len(page) < 1000:
                return out
            after = page[-1].seq

    def members(self, actor: Actor, incident_id: str) -> list[AffectedMember]:
        """The members the incident's evidence touched, with how many events each."""
        incident = self.load(actor, incident_id).incident
        return [
            AffectedMember(member=m, events=n)
            for m, n in affected_members(self.ctx.store, incident)
        ]

    # facts ---------------------------------------------------------------------------
    def facts(self, actor: Actor, incident_id: str) -> FactsView:
        return self._facts_view(self.load(actor, incident_id))

    def update_facts(
        self,
        actor: Actor,
        incident_id: str,
        *,
        document: Mapping[str, Any] | None = None,
        assignments: Sequence[tuple[str, str]] = (),
        unknown: Sequence[str] = (),
        version: str | None = None,
    ) -> FactsView:
        """Set facts from a (partial) facts document, NAME=text assignments and names to unset.

        Refused as a whole if any value is wrong; text is read in local time.
        """
        loaded = self.load(actor, incident_id, "incidents:write")
        now = self.ctx.clock.now()
        with domain_errors():
            changes: dict[str, Any] = dict(changes_from(document)) if document else {}
            for name, text in assignments:
                changes[name.strip()] = parse_value(name.strip(), text, self.ctx.zone, now)
            for name in unknown:
                changes[name] = UNKNOWN
            if not changes:
                return self._facts_view(loaded)
            loaded = self.incidents.update_facts(
                incident_id, changes, by=actor.name, version=version
            )
        return self._facts_view(loaded)

    def _facts_view(self, loaded: Loaded) -> FactsView:
        facts = loaded.incident.parsed_facts()
        found = contradictions(facts, self.ctx.clock.now(), self.ctx.zone)
        return FactsView(
            id=loaded.incident.id,
            version=loaded.version,
            facts=facts.to_dict(),
            unknown=facts.unknowns(),
            contradictions=[Contradiction(facts=list(c.facts), text=c.en) for c in found],
        )

    @staticmethod
    def catalogue() -> list[FactSpecView]:
        """Every fact with its type, choices and meaning."""
        return [
            FactSpecView(
                name=s.name,
                kind=s.kind,
                choices=list(s.choices),
                en=s.en,
                nl=s.nl,
                translated=s.name in TRANSLATED,
            )
            for s in FACTS.values()
        ]

    # opening and changing ------------------------------------------------------------
    def open(
        self,
        actor: Actor,
        title: str | None,
        *,
        alerts: Sequence[str] = (),
        severity: str | None = None,
        commander: str | None = None,
        playbook: str | None = None,
        aware_at: datetime | None = None,
        aware_reason: str | None = None,
    ) -> OpenedIncident:
        """A new incident, from alerts (escalated into it) or by hand, its playbook started."""
        require(actor, "incidents:write")
        if alerts:
            require(actor, "alerts:triage")
        if not (title or "").strip() and not alerts:
            raise Invalid("give a title, or one or more alerts to take it from")
        books = self.playbooks
        if playbook and playbook not in books.playbooks:
            known = ", ".join(sorted(books.playbooks)) or "none loaded"
            raise Invalid(f"no playbook {playbook!r} in {books.folder} ({known})")
        if not (title or "").strip():
            rec = self.ctx.store.get_record("alert", alerts[0])
            title = str(rec.data.get("title") or alerts[0]) if rec else alerts[0]
        with domain_errors():
            loaded = self.incidents.open(
                title or "",
                by=actor.name,
                severity=severity,
                commander=commander,
                alerts=alerts,
                playbook=playbook,
                aware_at=aware_at,
                aware_reason=aware_reason,
            )
        warnings = []
        manager = Alerts(self.ctx.store, self.ctx.clock)
        for alert_id in loaded.incident.alerts:
            try:
                manager.escalate(alert_id, actor.name, loaded.incident.id)
            except (AlertError, KeyError) as exc:
                warnings.append(f"alert {alert_id} not marked escalated: {exc}")
        incident = loaded.incident
        if incident.playbook in books.playbooks:
            with domain_errors():
                books.runs().start(incident.id, incident.playbook, by=actor.name)
        elif incident.playbook:
            warnings.append(
                f"playbook {incident.playbook!r} not found in {books.folder}; start one with "
                f"`sentinel incident playbook {incident.id} NAME`"
            )
        return self._detail(OpenedIncident, loaded, warnings=warnings)

    def set_awareness(
        self,
        actor: Actor,
        incident_id: str,
        at: datetime,
        reason: str,
        *,
        version: str | None = None,
    ) -> IncidentSummary:
        """When the organisation became aware: the 72 hours run from it."""
        self.load(actor, incident_id, "incidents:write")
        with domain_errors():
            loaded = self.incidents.set_awareness(
                incident_id, at, by=actor.name, reason=reason, version=version
            )
        return self.summary(loaded)

    def decide(
        self,
        actor: Actor,
        incident_id: str,
        *,
        authority: str,
        members: str,
        reason: str,
        version: str | None = None,
    ) -> DecisionView:
        """The privacy officer's decision, kept next to the advice it follows or departs from."""
        self.load(actor, incident_id, "decisions:record")
        subjects = "public_communication" if members == "public" else members
        with domain_errors():
            d = decide(
                self.incidents,
                incident_id,
                notify_authority=authority,
                notify_subjects=subjects,
                reason=reason,
                by=actor.name,
                version=version,
                thresholds=thresholds(self.ctx.settings),
            )
        return DecisionView(
            id=d.id,
            incident=d.incident,
            notify_authority=d.notify_authority,
            notify_subjects=d.notify_subjects,
            reason=d.reason,
            by=d.by,
            at=d.at,
            recommendation=d.recommendation,
            follows_recommendation=d.follows_recommendation,
        )

    def record_notification(
        self,
        actor: Actor,
        incident_id: str,
        kind: str,
        *,
        at: datetime | None = None,
        reference: str | None = None,
        delay_reason: str | None = None,
        reason: str | None = None,
        channel: str | None = None,
        count: int | None = None,
        version: str | None = None,
    ) -> NotificationRecorded:
        """A notification that was made: to the AP in phases, or to the members or the public."""
        if kind not in NOTIFICATION_KINDS:
            raise Invalid(f"kind must be one of {', '.join(NOTIFICATION_KINDS)}")
        self.load(actor, incident_id, "notifications:record")
        to, phase = NOTIFICATION_KINDS[kind]
        with domain_errors():
            loaded = record_notification(
                self.incidents,
                incident_id,
                to=to,  # type: ignore[arg-type]
                kind=phase,  # type: ignore[arg-type]
                by=actor.name,
                at=at,
                reference=reference,
                delay_reason=delay_reason,
                reason=reason,
                channel=channel,
                count=count,
                zone=self.ctx.zone,
                version=version,
            )
        notification = loaded.incident.notifications[-1]
        with domain_errors():
            completed = self.playbooks.runs().complete_notified(
                incident_id,
                to,
                by=actor.name,
                note=f"{kind} notification recorded"
                + (f", reference {notification.reference}" if notification.reference else ""),
            )
        return NotificationRecorded(
            incident=incident_id,
            version=self.incidents.get(incident_id).version if completed else loaded.version,
            notification=notification,
            completed_steps=completed,
        )

    def add_note(
        self, actor: Actor, incident_id: str, text: str, *, version: str | None = None
    ) -> ChangedIncident:
        self.load(actor, incident_id, "incidents:write")
        with domain_errors():
            return _changed(
                self.incidents.add_note(incident_id, text, by=actor.name, version=version)
            )

    def set_status(
        self,
        actor: Actor,
        incident_id: str,
        status: str,
        *,
        reason: str | None = None,
        version: str | None = None,
    ) -> ChangedIncident:
        if status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}")
        self.load(actor, incident_id, "incidents:write")
        with domain_errors():
            return _changed(
                self.incidents.set_status(
                    incident_id, status, by=actor.name, reason=reason, version=version
                )
            )

    def close(
        self, actor: Actor, incident_id: str, reason: str, *, version: str | None = None
    ) -> ChangedIncident:
        self.load(actor, incident_id, "incidents:write")
        with domain_errors():
            return _changed(
                self.incidents.close(incident_id, by=actor.name, reason=reason, version=version)
            )

    def update(
        self,
        actor: Actor,
        incident_id: str,
        *,
        title: str | None = None,
        severity: str | None = None,
        commander: str | None = None,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        restricted: bool | None = None,
        version: str | None = None,
    ) -> ChangedIncident:
        """Title, severity, commander, participants and whether it is need-to-know."""
        self.load(actor, incident_id, "incidents:write")
        if restricted is not None or add or remove:
            require(actor, "incidents:restrict")
        with domain_errors():
            return _changed(
                self.incidents.update(
                    incident_id,
                    by=actor.name,
                    title=title,
                    severity=severity,
                    commander=commander,
                    add=add,
                    remove=remove,
                    restricted=restricted,
                    version=version,
                )
            )

    def send_reminders(self, actor: Actor, offsets: Sequence[Any] | None = None) -> list[str]:
        """Queue the 72-hour reminders that are due (each goes out once)."""
        require(actor, "incidents:write")
        cfg = self.ctx.settings.incidents
        return send_due_reminders(
            self.ctx.store,
            self.ctx.clock,
            list(offsets) if offsets else cfg.reminders,
            zone=self.ctx.zone,
            channels=cfg.reminder_channels,
        )


def thresholds(settings: Settings) -> Thresholds:
    """This organisation's assessment thresholds (settings ``incidents.large_scale``,
    ``incidents.short_outage``)."""
    cfg = settings.incidents
    return Thresholds(
        large_scale=cfg.large_scale, short_outage_hours=cfg.short_outage.total_seconds() / 3600
    )


def advise(settings: Settings, facts: Facts) -> AssessmentView:
    """The assessment with this organisation's thresholds from settings."""
    return AssessmentView.of(thresholds(settings).assess(facts))


def assess_document(settings: Settings, document: Mapping[str, Any]) -> AssessmentView:
    """The assessment of a facts document on its own, without an incident."""
    with domain_errors():
        return advise(settings, parse_facts(document))


def _changed(loaded: Loaded) -> ChangedIncident:
    i = loaded.incident
    return ChangedIncident(
        id=i.id,
        version=loaded.version,
        title=i.title,
        status=i.status,
        severity=i.severity,
        commander=i.commander,
        participants=list(i.participants),
        restricted=i.restricted,
    )
