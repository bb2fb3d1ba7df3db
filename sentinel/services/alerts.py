"""Alerts for the security team: the queue, one alert with its evidence, and triage."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from sentinel.alerts import STATUSES, AlertError, Alerts
from sentinel.detection.model import SEVERITIES
from sentinel.incidents.facts import Time
from sentinel.incidents.service import Incidents
from sentinel.services import paging
from sentinel.services.access import hidden_incidents
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Invalid, NotFound, Refused, ServiceError, Stale
from sentinel.services.events import EventView
from sentinel.store.base import ConflictError, Record, StoreError, StoreUnavailable

AlertStatus = Literal["new", "acknowledged", "escalated", "closed"]


class Window(BaseModel):
    start: Time
    end: Time


class HistoryEntry(BaseModel):
    at: Time
    by: str
    action: str
    reason: str | None = None


class AlertSummary(BaseModel):
    """One line of the alert queue."""

    id: str
    version: str
    """Pass it back (If-Match) to change the alert only as you saw it."""
    rule: str
    rule_name: str
    title: str
    kind: str
    severity: str
    status: AlertStatus
    open: bool
    group: dict[str, Any]
    window: Window
    first_seen: Time
    last_seen: Time
    count: int
    distinct: int | None = None
    summary: str
    categories: list[str]
    playbook: str | None = None
    incident: str | None = None
    close_reason: str | None = None
    notified: bool = False
    created: Time
    updated: Time

    @classmethod
    def of(cls, rec: Record, hidden: Container[str] = ()) -> AlertSummary:
        return cls.model_validate(shown(rec, hidden))


def shown(rec: Record, hidden: Container[str] = ()) -> dict[str, Any]:
    """The alert's data as shown, without the id of an incident in ``hidden`` (one the actor
    may not see): its history says it was escalated, not where to."""
    data = {**rec.data, "id": rec.id, "version": rec.version}
    incident = data.get("incident")
    if incident and incident in hidden:
        data["incident"] = None
        data["history"] = [
            {**h, "reason": None} if h.get("action") == "escalated" else h
            for h in data.get("history") or ()
        ]
    return data


class AlertDetail(AlertSummary):
    """An alert with its history, the query that selects its evidence and a page of it."""

    history: list[HistoryEntry]
    channels: list[str] = Field(default_factory=list)
    evidence: dict[str, Any]
    """The stored query (filter and window) that selects the events behind the alert."""
    occurrences: dict[str, Any] = Field(default_factory=dict)
    """The windows folded into this alert, by the id each would have had."""
    extra: dict[str, Any] | None = None
    evidence_events: list[EventView]
    evidence_total: int
    evidence_next: str | None = None
    """Cursor for the next page of evidence events; None when this was the last."""


class AlertPage(BaseModel):
    items: list[AlertSummary]
    next: str | None
    """Cursor for the next page; None when this was the last."""


class BulkOutcome(BaseModel):
    id: str
    ok: bool
    status: AlertStatus | None = None
    version: str | None = None
    error: str | None = None


class AlertService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.alerts = Alerts(ctx.store, ctx.clock)

    # reading ---------------------------------------------------------------------------
    def list(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        rule: str | None = None,
        severity: str | None = None,
        user: str | None = None,
        source_ip: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> AlertPage:
        """Newest first (by when the alert last saw an event), a page at a time.

        ``user`` and ``source_ip`` match the account or address the rule grouped on;
        ``since`` and ``until`` bound when the alert last saw an event.
        """
        require(actor, "alerts:read")
        if status and status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}")
        if severity and severity not in SEVERITIES:
            raise Invalid(f"severity must be one of {', '.join(SEVERITIES)}")
        after = paging.decode(cursor) if cursor else None
        records = self.alerts.list(
            status=status,
            rule=rule,
            severity=severity,
            user=user,
            source_ip=source_ip,
            since=since,
            until=until,
            limit=limit + 1,
            after=after,
        )
        hidden = self.hidden_incidents(actor, records[:limit])
        items = [AlertSummary.of(r, hidden) for r in records[:limit]]
        more = len(records) > limit
        last = records[limit - 1] if more else None
        return AlertPage(
            items=items,
            next=paging.encode((last.data["last_seen"], last.id)) if last else None,
        )

    def show(
        self, actor: Actor, alert_id: str, *, evidence_limit: int = 50, cursor: str | None = None
    ) -> AlertDetail:
        """The alert and a page of its evidence, oldest event first (its query, run again)."""
        require(actor, "alerts:read")
        rec = self._require(alert_id)
        query = self.alerts.evidence(rec)
        try:
            page = self.ctx.store.search_events(
                query, limit=evidence_limit, ascending=True, after=cursor
            )
        except StoreError as exc:
            if cursor is None or isinstance(exc, StoreUnavailable):
                raise
            raise Invalid(f"{exc}; start again without the cursor") from None
        return AlertDetail.model_validate(
            {
                **shown(rec, self.hidden_incidents(actor, [rec])),
                "evidence_events": [EventView.of(e) for e in page.events],
                "evidence_total": self.ctx.store.count_events(query),
                "evidence_next": page.next,
            }
        )

    def hidden_incidents(self, actor: Actor, records: Iterable[Record]) -> set[str]:
        """The restricted incidents these alerts went into that the actor may not see: the
        alert stays in the queue (the security team still triages it) without their ids."""
        ids = (str(r.data["incident"]) for r in records if r.data.get("incident"))
        return hidden_incidents(Incidents(self.ctx.store, self.ctx.clock), actor, ids)

    def _require(self, alert_id: str) -> Record:
        rec = self.alerts.get(alert_id)
        if rec is None:
            raise NotFound(f"no alert {alert_id}")
        return rec

    # triage ----------------------------------------------------------------------------
    def acknowledge(
        self, actor: Actor, alert_id: str, *, version: str | None = None
    ) -> AlertSummary:
        """Someone is looking at it."""
        require(actor, "alerts:triage")
        return self._change(
            actor, alert_id, lambda: self.alerts.acknowledge(alert_id, actor.name, version=version)
        )

    def close(
        self, actor: Actor, alert_id: str, reason: str, *, version: str | None = None
    ) -> AlertSummary:
        """Closed with a reason ('false positive: …', 'handled: …')."""
        require(actor, "alerts:triage")
        if not reason.strip():
            raise Invalid("closing an alert needs a reason (e.g. 'false positive: …')")
        return self._change(
            actor,
            alert_id,
            lambda: self.alerts.close(alert_id, actor.name, reason, version=version),
        )

    def mark_escalated(
        self, actor: Actor, alert_id: str, incident_id: str, *, version: str | None = None
    ) -> AlertSummary:
        require(actor, "alerts:triage")
        return self._change(
            actor,
            alert_id,
            lambda: self.alerts.escalate(alert_id, actor.name, incident_id, version=version),
        )

    def bulk(
        self,
        actor: Actor,
        action: Literal["acknowledge", "close"],
        alerts: Sequence[tuple[str, str | None]],
        *,
        reason: str | None = None,
    ) -> list[BulkOutcome]:
        """Each (id, version) in turn; one refusal does not stop the others."""
        require(actor, "alerts:triage")
        if action == "close" and not (reason or "").strip():
            raise Invalid("closing alerts needs a reason (e.g. 'false positive: …')")
        outcomes = []
        for alert_id, version in alerts:
            try:
                if action == "acknowledge":
                    done = self.acknowledge(actor, alert_id, version=version)
                else:
                    done = self.close(actor, alert_id, reason or "", version=version)
            except ServiceError as exc:
                outcomes.append(BulkOutcome(id=alert_id, ok=False, error=str(exc)))
                continue
            outcomes.append(
                BulkOutcome(id=alert_id, ok=True, status=done.status, version=done.version)
            )
        return outcomes

    def _change(self, actor: Actor, alert_id: str, move: Callable[[], Record]) -> AlertSummary:
        self._require(alert_id)
        try:
            done = move()
        except ConflictError as exc:
            raise Stale(str(exc)) from None
        except AlertError as exc:
            raise Refused(str(exc)) from None
        return AlertSummary.of(done, self.hidden_incidents(actor, [done]))
