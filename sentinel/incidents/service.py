"""The incident lifecycle: open, record facts and awareness, move status, keep people and notes.

Every change is one optimistic update of the incident record (a stale copy gets
``ConflictError``, never a silent overwrite), one timeline entry on the incident
and one entry in the hash-chained audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sentinel import audit
from sentinel.clock import Clock
from sentinel.events import parse_timestamp
from sentinel.incidents.facts import CATEGORIES, UNKNOWN, Facts, FactsError, diff
from sentinel.incidents.model import (
    KIND,
    SEVERITIES,
    TRANSITIONS,
    Awareness,
    Closure,
    Evidence,
    Incident,
    IncidentError,
    IncidentNotFound,
    Note,
)
from sentinel.store.base import ConflictError, Record, Store

ALERT_KIND = "alert"
_ATTEMPTS = 5
_SEVERITY_OF_ALERT = {
    "informational": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
}


@dataclass(slots=True)
class Loaded:
    """An incident with the version it was read at; pass the version back to change it."""

    incident: Incident
    version: str


class Incidents:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # reading -------------------------------------------------------------------------
    def get(self, incident_id: str) -> Loaded:
        rec = self.store.get_record(KIND, incident_id)
        if rec is None:
            raise IncidentNotFound(f"no incident {incident_id}; see `sentinel incident list`")
        return Loaded(Incident.from_data(rec.id, rec.data), rec.version)

    def list(
        self, *, status: str | None = None, open_only: bool = False, limit: int = 100
    ) -> list[Incident]:
        where: dict[str, Any] = {}
        if status:
            where["status"] = status
        if open_only:
            where["open"] = True
        records = self.store.find_records(
            KIND, where, order_by="created", descending=True, limit=limit
        )
        return [Incident.from_data(r.id, r.data) for r in records]

    def iter_all(self, page: int = 500) -> Iterable[Incident]:
        after: str | None = None
        while True:
            records = self.store.find_records(KIND, limit=page, after=after)
            for rec in records:
                yield Incident.from_data(rec.id, rec.data)
            if len(records) < page:
                return
            after = records[-1].id

    # changing ------------------------------------------------------------------------
    def change(
        self,
        incident_id: str,
        by: str,
        action: str,
        mutate: Callable[[Incident], dict[str, Any] | None],
        *,
        version: str | None = None,
        also: Sequence[Record] = (),
    ) -> Loaded:
        """Apply ``mutate`` to a fresh copy and store it, with timeline and audit entries.

        ``mutate`` returns the details to record, or None when nothing changed. With
        a ``version`` the change applies only to that version (``ConflictError`` if
        someone saved in between); without one it is re-applied to the latest copy.
        ``also`` are other records the change wrote (a decision), bound into its audit entry.
        """
        for _attempt in range(_ATTEMPTS):
            loaded = self.get(incident_id)
            if version is not None and loaded.version != version:
                raise ConflictError(
                    f"incident {incident_id} was changed by someone else (version "
                    f"{loaded.version}, you had {version}); reload it and apply your change again"
                )
            incident = loaded.incident.model_copy(deep=True)
            details = mutate(incident)
            if details is None:
                return loaded
            now = self.clock.now()
            incident.record(now, by, action, details)
            try:
                rec = self.store.update_record(
                    KIND, incident_id, incident.to_data(), version or loaded.version
                )
            except ConflictError:
                if version is not None:
                    raise
                continue
            audit.append(
                self.store, self.clock, by, action, incident_id, details, records=[rec, *also]
            )
            return Loaded(incident, rec.version)
        raise ConflictError(f"incident {incident_id} kept changing; try again")

    def save(self, loaded: Loaded, by: str, action: str, details: dict[str, Any]) -> Loaded:
        """Store an incident changed in hand; stale (someone saved since it was read) → conflict."""
        changed = loaded.incident

        def replace(incident: Incident) -> dict[str, Any]:
            for name in type(changed).model_fields:
                if name not in ("timeline", "updated"):
                    setattr(incident, name, getattr(changed, name))
            return details

        return self.change(changed.id, by, action, replace, version=loaded.version)

    # opening -------------------------------------------------------------------------
    def open(
        self,
        title: str,
        *,
        by: str,
        severity: str | None = None,
        commander: str | None = None,
        alerts: Sequence[str] = (),
        playbook: str | None = None,
        aware_at: datetime | None = None,
        aware_reason: str | None = None,
        facts: Facts | None = None,
    ) -> Loaded:
        """A new incident, from alerts (their evidence comes along) or by hand.

        Awareness defaults to now, the moment of escalation, and says so; it can be
        corrected later with the reason.
        """
        if not title.strip():
            raise IncidentError("an incident needs a title")
        if severity is not None and severity not in SEVERITIES:
            raise IncidentError(f"severity must be one of {', '.join(SEVERITIES)}")
        now = self.clock.now()
        alert_records = [self._alert(a) for a in dict.fromkeys(alerts)]
        if aware_at is not None and aware_at > now:
            raise IncidentError("awareness cannot be in the future")
        if aware_at is not None and not (aware_reason or "").strip():
            raise IncidentError("say why the organisation became aware at that time (reason)")
        opened_how = (
            f"escalated from {', '.join(r.id for r in alert_records)}"
            if alert_records
            else "opened by hand"
        )
        awareness = Awareness(
            at=aware_at or now,
            by=by,
            reason=aware_reason or f"default: the time the incident was {opened_how}",
            recorded=now,
        )
        start_facts = self._facts_from_alerts(facts or Facts(), alert_records, awareness.at)
        incident = Incident(
            id="",
            title=title.strip(),
            severity=severity or _severity(alert_records),  # type: ignore[arg-type]
            commander=commander,
            participants=[by] if commander != by else [],
            alerts=[r.id for r in alert_records],
            evidence=[_evidence(r) for r in alert_records],
            playbook=playbook or _playbook(alert_records),
            awareness=awareness,
            facts=start_facts.to_dict(),
            created=now,
            created_by=by,
            updated=now,
        )
        details = {
            "title": incident.title,
            "severity": incident.severity,
            "alerts": incident.alerts,
            "playbook": incident.playbook,
            "awareness": awareness.model_dump(mode="json"),
        }
        incident.record(now, by, "incident.opened", details)
        for _attempt in range(100):
            incident.id = self._next_id(now)
            try:
                rec = self.store.create_record(KIND, incident.id, incident.to_data())
            except ConflictError:
                continue
            audit.append(
                self.store, self.clock, by, "incident.opened", incident.id, details, records=[rec]
            )
            return Loaded(incident, rec.version)
        raise IncidentError("could not find a free incident number")

    def _next_id(self, now: datetime) -> str:
        prefix = f"INC-{now.year}-"
        last = self.store.find_records(KIND, descending=True, limit=1)
        number = 1
        if last and last[0].id.startswith(prefix):
            number = int(last[0].id.removeprefix(prefix)) + 1
        return f"{prefix}{number:04d}"

    def _alert(self, alert_id: str) -> Record:
        rec = self.store.get_record(ALERT_KIND, alert_id)
        if rec is None:
            raise IncidentNotFound(f"no alert {alert_id}; see `sentinel alerts list`")
        if "evidence" not in rec.data:
            raise IncidentError(f"alert {alert_id} has no evidence query to take along")
        return rec

    def _facts_from_alerts(self, facts: Facts, alerts: list[Record], aware: datetime) -> Facts:
        changes: dict[str, Any] = {}
        if facts.value("dates.aware") is UNKNOWN:
            changes["dates.aware"] = aware
        if alerts:
            categories = sorted(
                {c for r in alerts for c in r.data.get("categories") or () if c in CATEGORIES}
            )
            if categories and facts.value("data.categories") is UNKNOWN:
                changes["data.categories"] = categories
            if facts.value("discovery.source") is UNKNOWN:
                changes["discovery.source"] = "internal_detection"
            if facts.value("discovery.how") is UNKNOWN:
                titles = "; ".join(str(r.data.get("title") or r.id) for r in alerts)
                changes["discovery.how"] = f"Sentinel alerts: {titles}"
            created = [parse_timestamp(r.data["created"]) for r in alerts if r.data.get("created")]
            if created and facts.value("dates.discovered") is UNKNOWN:
                changes["dates.discovered"] = min(created)
        return facts.with_changes(changes)

    # facts and awareness ---------------------------------------------------------------
    def update_facts(
        self,
        incident_id: str,
        changes: Mapping[str, Any],
        *,
        by: str,
        version: str | None = None,
    ) -> Loaded:
        """Set facts (``UNKNOWN`` unsets one); refused as a whole if any value is wrong."""

        def apply(incident: Incident) -> dict[str, Any] | None:
            before = incident.parsed_facts()
            after = before.with_changes(changes)
            names = diff(before, after)
            if not names:
                return None
            incident.facts = after.to_dict()
            new = after.known_values()
            return {"facts": {n: new.get(n, "unknown") for n in names}}

        try:
            return self.change(incident_id, by, "incident.facts", apply, version=version)
        except FactsError as exc:
            raise IncidentError(str(exc)) from None

    def set_awareness(
        self,
        incident_id: str,
        at: datetime,
        *,
        by: str,
        reason: str,
        version: str | None = None,
    ) -> Loaded:
        if not reason.strip():
            raise IncidentError("say why the organisation became aware at that time (reason)")
        now = self.clock.now()
        if at > now:
            raise IncidentError("awareness cannot be in the future")

        def apply(incident: Incident) -> dict[str, Any]:
            before = incident.awareness
            incident.awareness = Awareness(at=at, by=by, reason=reason, recorded=now)
            incident.facts = incident.parsed_facts().with_changes({"dates.aware": at}).to_dict()
            return {
                "awareness": incident.awareness.model_dump(mode="json"),
                "before": before.model_dump(mode="json") if before else None,
            }

        return self.change(incident_id, by, "incident.awareness", apply, version=version)

    # status, people, notes -------------------------------------------------------------
    def set_status(
        self,
        incident_id: str,
        status: str,
        *,
        by: str,
        reason: str | None = None,
        version: str | None = None,
    ) -> Loaded:
        if status == "closed":
            return self.close(incident_id, by=by, reason=reason or "", version=version)

        def apply(incident: Incident) -> dict[str, Any] | None:
            current = incident.status
            if status == current:
                return None
            allowed = TRANSITIONS.get(current, frozenset())
            if status not in allowed:
                raise IncidentError(
                    f"incident {incident.id} is {current}; from there it can become "
                    f"{', '.join(sorted(allowed)) or 'nothing else'}, not {status!r}"
                )
            incident.status = status  # type: ignore[assignment]
            return {"from": current, "to": status, "reason": reason}

        return self.change(incident_id, by, "incident.status", apply, version=version)

    def close(
        self, incident_id: str, *, by: str, reason: str, version: str | None = None
    ) -> Loaded:
        if not reason.strip():
            raise IncidentError(
                "closing an incident needs a reason (e.g. 'handled: members informed, "
                "lessons learned recorded' or 'not a personal data breach')"
            )

        def apply(incident: Incident) -> dict[str, Any]:
            if incident.status == "closed":
                raise IncidentError(f"incident {incident.id} is already closed")
            current = incident.status
            incident.status = "closed"
            incident.closed = Closure(at=self.clock.now(), by=by, reason=reason)
            return {"from": current, "to": "closed", "reason": reason}

        return self.change(incident_id, by, "incident.status", apply, version=version)

    def update(
        self,
        incident_id: str,
        *,
        by: str,
        title: str | None = None,
        severity: str | None = None,
        commander: str | None = None,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        restricted: bool | None = None,
        version: str | None = None,
    ) -> Loaded:
        """Title, severity, commander, participants and whether it is need-to-know."""
        if severity is not None and severity not in SEVERITIES:
            raise IncidentError(f"severity must be one of {', '.join(SEVERITIES)}")

        def apply(incident: Incident) -> dict[str, Any] | None:
            details: dict[str, Any] = {}
            named = (
                ("title", title),
                ("severity", severity),
                ("commander", commander),
                ("restricted", restricted),
            )
            for name, value in named:
                if value is not None and getattr(incident, name) != value:
                    details[name] = {"from": getattr(incident, name), "to": value}
                    setattr(incident, name, value)
            people = [p for p in incident.participants if p not in remove]
            people += [p for p in add if p not in people]
            if people != incident.participants:
                details["participants"] = {"from": incident.participants, "to": people}
                incident.participants = people
            return details or None

        return self.change(incident_id, by, "incident.updated", apply, version=version)

    def add_note(
        self, incident_id: str, text: str, *, by: str, version: str | None = None
    ) -> Loaded:
        if not text.strip():
            raise IncidentError("a note needs text")

        def apply(incident: Incident) -> dict[str, Any]:
            incident.notes.append(Note(at=self.clock.now(), by=by, text=text))
            return {"text": text}

        return self.change(incident_id, by, "incident.note", apply, version=version)


def _severity(alerts: list[Record]) -> str:
    ranked = [_SEVERITY_OF_ALERT.get(str(r.data.get("severity")), "medium") for r in alerts]
    return max(ranked, key=SEVERITIES.index, default="medium")


def _playbook(alerts: list[Record]) -> str | None:
    return next((str(r.data["playbook"]) for r in alerts if r.data.get("playbook")), None)


def _evidence(alert: Record) -> Evidence:
    return Evidence(
        alert=alert.id,
        rule=alert.data.get("rule"),
        title=alert.data.get("title"),
        query=dict(alert.data["evidence"]),
    )
