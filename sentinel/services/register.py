"""The breach register of GDPR Art. 33(5): every incident the actor may see, notified or not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Literal, TextIO

from pydantic import BaseModel

from sentinel import audit
from sentinel.access.need_to_know import may_see
from sentinel.incidents.deadline import deadline
from sentinel.incidents.facts import UNKNOWN, Range, Time
from sentinel.incidents.model import Incident
from sentinel.incidents.register import Controller, write_csv, write_json
from sentinel.incidents.service import Incidents
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.incidents import thresholds

Format = Literal["csv", "json"]


class _Visible:
    """The incidents as the register reads them, without those the actor may not see."""

    def __init__(self, incidents: Incidents, actor: Actor) -> None:
        self.incidents = incidents
        self.actor = actor

    def iter_all(self) -> Iterator[Incident]:
        return (i for i in self.incidents.iter_all() if may_see(self.actor, i))


class RegisterRow(BaseModel):
    """One breach as the register lists it: what, how many, what was decided and sent."""

    id: str
    title: str
    status: str
    severity: str
    opened: Time
    aware: Time | None
    deadline: Time | None
    people: str | None
    categories: list[str]
    notify_authority: str | None
    notify_subjects: str | None
    decided_by: str | None
    ap_notified: Time | None
    ap_late: bool | None
    ap_reference: str | None
    members_informed: Time | None
    closed: Time | None

    @classmethod
    def of(cls, i: Incident) -> RegisterRow:
        facts = i.parsed_facts()
        people = facts.value("subjects.people")
        categories = facts.value("data.categories")
        initial = i.initial_notification()
        told = next((n for n in i.notifications if n.to != "authority"), None)
        return cls(
            id=i.id,
            title=i.title,
            status=i.status,
            severity=i.severity,
            opened=i.created,
            aware=i.awareness.at if i.awareness else None,
            deadline=deadline(i.awareness.at) if i.awareness else None,
            people=None if people is UNKNOWN else _count(people),
            categories=[] if categories is UNKNOWN else [str(c) for c in categories],
            notify_authority=i.decision.notify_authority if i.decision else None,
            notify_subjects=i.decision.notify_subjects if i.decision else None,
            decided_by=i.decision.by if i.decision else None,
            ap_notified=initial.at if initial else None,
            ap_late=initial.late if initial else None,
            ap_reference=initial.reference if initial else None,
            members_informed=told.at if told else None,
            closed=i.closed.at if i.closed else None,
        )


class RegisterService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.anchor: str | None = None
        """The audit trail's newest entry (ENTRY:SHA256) as the last export wrote it."""

    def controller(
        self, name: str | None = None, address: str | None = None, dpo: str | None = None
    ) -> Controller:
        """Who keeps the register: from settings (organisation.*) unless given."""
        org = self.ctx.settings.organisation
        contact = ", ".join(p for p in (org.dpo_name, org.dpo_email, org.dpo_phone) if p)
        return Controller(
            org.name if name is None else name,
            org.address if address is None else address,
            contact if dpo is None else dpo,
        )

    def export(
        self, actor: Actor, out: TextIO, fmt: Format, controller: Controller | None = None
    ) -> int:
        """Write the register as CSV (local times) or JSON (UTC); returns how many incidents."""
        require(actor, "register:export")
        incidents = _Visible(Incidents(self.ctx.store, self.ctx.clock), actor)
        limits = thresholds(self.ctx.settings)
        head = audit.head(self.ctx.store)
        self.anchor = str(head) if head else None
        if fmt == "csv":
            return write_csv(out, incidents, self.ctx.zone, limits, self.anchor)  # type: ignore[arg-type]
        who = controller or self.controller()
        now = self.ctx.clock.now()
        return write_json(out, incidents, who, now, limits, self.anchor)  # type: ignore[arg-type]

    def rows(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        notified: bool | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[RegisterRow]:
        """Every breach the actor may see, newest first; ``notified`` filters on the AP."""
        require(actor, "register:read")
        found = []
        for incident in _Visible(Incidents(self.ctx.store, self.ctx.clock), actor).iter_all():
            if status and incident.status != status:
                continue
            if notified is not None and (incident.initial_notification() is not None) != notified:
                continue
            if (since and incident.created < since) or (until and incident.created > until):
                continue
            found.append(RegisterRow.of(incident))
        found.sort(key=lambda r: (r.opened, r.id), reverse=True)
        return found


def _count(value: Range) -> str:
    return str(value.min) if value.min == value.max else f"{value.min} to {value.max}"
