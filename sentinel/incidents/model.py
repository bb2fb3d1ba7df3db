"""The incident as it is stored: one record of kind "incident" per breach (or suspected one).

The record carries everything people need to see at once: status, people,
linked alerts and their evidence queries, the awareness time, the facts, the
latest decision, the notifications made and a timeline of every change. The
document is validated on every load, so a hand-edited or half-written record is
refused with its reason rather than half shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sentinel.incidents.facts import Facts, Time, parse_facts

KIND = "incident"

Status = Literal["triage", "contained", "assessed", "notified", "not_notified", "closed"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = Severity.__args__  # type: ignore[attr-defined]

TRANSITIONS: dict[str, frozenset[str]] = {
    "triage": frozenset({"contained", "assessed", "closed"}),
    "contained": frozenset({"triage", "assessed", "closed"}),
    "assessed": frozenset({"contained", "notified", "not_notified", "closed"}),
    "not_notified": frozenset({"assessed", "notified", "closed"}),
    "notified": frozenset({"closed"}),
    "closed": frozenset(),
}
"""Moves a person may make by hand; recording a notification or a decision moves status too."""

Recipient = Literal["authority", "members", "public"]
NotificationKind = Literal["initial", "follow_up", "withdrawal", "communication"]


class IncidentError(Exception):
    """The change asked for is not allowed, or something is missing; the message says why."""


class IncidentNotFound(IncidentError):
    """No incident (or playbook run, or alert to open one from) with that id."""


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Awareness(_Doc):
    """When the organisation became reasonably certain of the breach; starts the 72 hours."""

    at: Time
    by: str
    reason: str
    recorded: Time


class Note(_Doc):
    at: Time
    by: str
    text: str


class Evidence(_Doc):
    """The query that selected an alert's events, so affected members can be listed again."""

    alert: str
    rule: str | None = None
    title: str | None = None
    query: dict[str, Any]


class TimelineEntry(_Doc):
    at: Time
    by: str
    action: str
    details: dict[str, Any] = Field(default_factory=dict)


class DecisionSummary(_Doc):
    id: str
    notify_authority: Literal["yes", "no"]
    notify_subjects: Literal["yes", "no", "public_communication"]
    by: str
    at: Time
    reason: str
    follows_recommendation: bool


class NotificationRecord(_Doc):
    """One notification made: to the AP (initial, follow-up, withdrawal) or to the people."""

    to: Recipient
    kind: NotificationKind
    at: Time
    by: str
    recorded: Time
    reference: str | None = None
    """The AP's reference number for the notification (meldingsnummer)."""
    late: bool | None = None
    delay_reason: str | None = None
    reason: str | None = None
    changed: list[str] = Field(default_factory=list)
    """Facts that changed since the previous notification to the same recipient."""
    facts: dict[str, Any] = Field(default_factory=dict)
    """The facts as they were told, so a follow-up can say what is new."""
    channel: str | None = None
    count: int | None = None


class Closure(_Doc):
    at: Time
    by: str
    reason: str


class Incident(_Doc):
    id: str
    title: str
    severity: Severity = "medium"
    status: Status = "triage"
    commander: str | None = None
    participants: list[str] = Field(default_factory=list)
    restricted: bool = False
    """Need to know: only the commander, participants, its opener and the privacy officer
    see it (sentinel.access.need_to_know)."""
    alerts: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    playbook: str | None = None
    awareness: Awareness | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    decision: DecisionSummary | None = None
    notifications: list[NotificationRecord] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    created: Time
    created_by: str
    updated: Time
    closed: Closure | None = None
    open: bool = True
    """Kept for queries: not closed."""
    clock_running: bool = False
    """Kept for queries: awareness set, the AP neither notified nor decided against."""

    @classmethod
    def from_data(cls, id: str, data: dict[str, Any]) -> Incident:
        try:
            return cls.model_validate({**data, "id": id})
        except ValidationError as exc:
            raise IncidentError(
                f"incident {id} is stored in a form Sentinel cannot read: {exc}"
            ) from None

    def to_data(self) -> dict[str, Any]:
        self.open = self.status != "closed"
        self.clock_running = (
            self.awareness is not None
            and self.open
            and self.status not in ("notified", "not_notified")
            and self.initial_notification() is None
            and not (self.decision and self.decision.notify_authority == "no")
        )
        return self.model_dump(mode="json", exclude={"id"})

    def parsed_facts(self) -> Facts:
        return parse_facts(self.facts)

    def initial_notification(self) -> NotificationRecord | None:
        return next(
            (n for n in self.notifications if n.to == "authority" and n.kind == "initial"), None
        )

    def authority_reference(self) -> str | None:
        for n in reversed(self.notifications):
            if n.to == "authority" and n.reference:
                return n.reference
        return None

    def last_told(self, to: Recipient) -> NotificationRecord | None:
        told = [n for n in self.notifications if n.to == to and n.kind != "withdrawal"]
        return told[-1] if told else None

    def record(self, at: datetime, by: str, action: str, details: dict[str, Any]) -> None:
        self.timeline.append(TimelineEntry(at=at, by=by, action=action, details=details))
        self.updated = at
