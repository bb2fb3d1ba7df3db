"""The privacy officer's decision: notify the AP or not, inform the members or not.

A person decides; Sentinel only recommends. Each decision is its own record
(kind "decision") with name, time, reason and the recommendation it was made
against, so a decision that departs from the advice is visible with its reason.
The latest decision is also kept on the incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sentinel.events import format_timestamp, parse_timestamp
from sentinel.incidents.assessment import Thresholds
from sentinel.incidents.model import DecisionSummary, Incident, IncidentError
from sentinel.incidents.service import Incidents
from sentinel.store.base import ConflictError, Record, Store

KIND = "decision"
AUTHORITY = ("yes", "no")
SUBJECTS = ("yes", "no", "public_communication")


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    incident: str
    notify_authority: Literal["yes", "no"]
    notify_subjects: Literal["yes", "no", "public_communication"]
    reason: str
    by: str
    at: datetime
    recommendation: dict[str, Any]
    follows_recommendation: bool

    @classmethod
    def from_data(cls, id: str, data: dict[str, Any]) -> Decision:
        return cls(
            id=id,
            incident=data["incident"],
            notify_authority=data["notify_authority"],
            notify_subjects=data["notify_subjects"],
            reason=data["reason"],
            by=data["by"],
            at=parse_timestamp(data["at"]),
            recommendation=dict(data["recommendation"]),
            follows_recommendation=bool(data["follows_recommendation"]),
        )


def decide(
    incidents: Incidents,
    incident_id: str,
    *,
    notify_authority: str,
    notify_subjects: str,
    reason: str,
    by: str,
    version: str | None = None,
    thresholds: Thresholds | None = None,
) -> Decision:
    """Record the decision with the current recommendation (by ``thresholds``) next to it."""
    if notify_authority not in AUTHORITY:
        raise IncidentError("notify the AP: yes or no")
    if notify_subjects not in SUBJECTS:
        raise IncidentError(f"inform the members: {', '.join(SUBJECTS)}")
    if not reason.strip():
        raise IncidentError("a decision needs its reason, in a sentence the AP could read")
    loaded = incidents.get(incident_id)
    if version is not None and loaded.version != version:
        raise ConflictError(
            f"incident {incident_id} was changed by someone else; reload it and decide again"
        )
    advice = (thresholds or Thresholds()).assess(loaded.incident.parsed_facts())
    recommendation = {
        "notify_authority": "yes" if advice.notify_authority else "no",
        "notify_subjects": advice.notify_subjects,
        "severity": advice.severity,
        "score": advice.score,
        "risk": advice.risk,
    }
    follows = (
        recommendation["notify_authority"] == notify_authority
        and recommendation["notify_subjects"] == notify_subjects
    )
    now = incidents.clock.now()
    data = {
        "incident": incident_id,
        "notify_authority": notify_authority,
        "notify_subjects": notify_subjects,
        "reason": reason.strip(),
        "by": by,
        "at": format_timestamp(now),
        "recommendation": recommendation,
        "follows_recommendation": follows,
    }
    created = _create(incidents.store, incident_id, data)
    decision_id = created.id
    summary = DecisionSummary(
        id=decision_id,
        notify_authority=notify_authority,  # type: ignore[arg-type]
        notify_subjects=notify_subjects,  # type: ignore[arg-type]
        by=by,
        at=now,
        reason=reason.strip(),
        follows_recommendation=follows,
    )

    def apply(incident: Incident) -> dict[str, Any]:
        incident.decision = summary
        before = incident.status
        if incident.status in ("triage", "contained"):
            incident.status = "assessed"
        if notify_authority == "no" and incident.status == "assessed":
            incident.status = "not_notified"
        if notify_authority == "yes" and incident.status == "not_notified":
            incident.status = "assessed"
        return {**data, "id": decision_id, "status": {"from": before, "to": incident.status}}

    try:
        incidents.change(
            incident_id, by, "incident.decision", apply, version=loaded.version, also=[created]
        )
    except (ConflictError, IncidentError):
        incidents.store.delete_record(KIND, decision_id)
        raise
    return Decision.from_data(decision_id, data)


def _create(store: Store, incident_id: str, data: dict[str, Any]) -> Record:
    for _attempt in range(100):
        number = len(store.find_records(KIND, {"incident": incident_id}, limit=10_000)) + 1
        decision_id = f"{incident_id}-D{number:02d}"
        try:
            return store.create_record(KIND, decision_id, data)
        except ConflictError:
            continue
    raise IncidentError("could not number the decision")


def history(store: Store, incident_id: str) -> list[Decision]:
    records = store.find_records(KIND, {"incident": incident_id}, order_by="at", limit=10_000)
    return [Decision.from_data(r.id, r.data) for r in records]
