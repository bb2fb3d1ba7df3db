"""The breach register of Art. 33(5): every incident, notified or not, with its facts,
effects, remedial action, decisions and reasons.

The AP may ask for it at any time, so it is exported from the incidents as they
stand: JSON (nested, times in UTC) for tools, CSV (one row per incident, times
in local time with their offset) for people. Both are written incident by
incident, so the export stays small in memory however long the register grows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import orjson

from sentinel import csvsafe
from sentinel.events import format_timestamp
from sentinel.incidents.assessment import Thresholds
from sentinel.incidents.deadline import AMSTERDAM, deadline
from sentinel.incidents.facts import UNKNOWN, Facts
from sentinel.incidents.model import Incident
from sentinel.incidents.service import Incidents


@dataclass(frozen=True, slots=True)
class Controller:
    """Who keeps the register (settings: the company's name and address, the DPO contact)."""

    name: str = ""
    address: str = ""
    dpo: str = ""


def entry(incident: Incident, thresholds: Thresholds | None = None) -> dict[str, Any]:
    """One register entry: what happened, its effects, what was done, what was decided and why."""
    facts = incident.parsed_facts()
    advice = (thresholds or Thresholds()).assess(facts)
    authority = [n for n in incident.notifications if n.to == "authority"]
    initial = incident.initial_notification()
    withdrawal = next((n for n in authority if n.kind == "withdrawal"), None)
    people = [n for n in incident.notifications if n.to != "authority"]
    return {
        "id": incident.id,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity,
        "opened": incident.created,
        "awareness": incident.awareness.model_dump() if incident.awareness else None,
        "deadline": deadline(incident.awareness.at) if incident.awareness else None,
        "facts": facts.to_dict(),
        "unknown_facts": facts.unknowns(),
        "assessment": {**advice.to_dict(), "risk": advice.risk},
        "decision": incident.decision.model_dump() if incident.decision else None,
        "authority_notifications": [n.model_dump(exclude={"facts"}) for n in authority],
        "initial_notification": initial.model_dump(exclude={"facts"}) if initial else None,
        "withdrawal": withdrawal.model_dump(exclude={"facts"}) if withdrawal else None,
        "communications": [n.model_dump(exclude={"facts"}) for n in people],
        "closed": incident.closed.model_dump() if incident.closed else None,
    }


def write_json(
    out: TextIO,
    incidents: Incidents,
    controller: Controller,
    now: datetime,
    thresholds: Thresholds | None = None,
    anchor: str | None = None,
) -> int:
    out.write("{\n")
    out.write(f'"controller": {_dumps(asdict(controller))},\n')
    out.write(f'"generated": {_dumps(now)},\n')
    if anchor is not None:
        out.write(f'"audit_anchor": {_dumps(anchor)},\n')
    out.write('"incidents": [')
    count = 0
    for incident in incidents.iter_all():
        out.write(("," if count else "") + "\n" + _dumps(entry(incident, thresholds)))
        count += 1
    out.write("\n]\n}\n")
    return count


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=_default).decode()


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    raise TypeError(f"cannot write {type(value).__name__} to the register")


def _value(facts: Facts, name: str) -> Any:
    value = facts.value(name)
    if value is UNKNOWN:
        return "unknown"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value
    return str(value)


def _cell(value: Any, zone: ZoneInfo) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat(timespec="seconds")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


_FACT_COLUMNS = {
    "what_happened": "summary",
    "discovered": "dates.discovered",
    "started": "dates.started",
    "ended": "dates.ended",
    "ongoing": "dates.ongoing",
    "cause": "cause.kind",
    "confidentiality": "breach.confidentiality",
    "integrity": "breach.integrity",
    "availability": "breach.availability",
    "data_categories": "data.categories",
    "special_categories": "data.special",
    "people_affected": "subjects.categories",
    "people_count": "subjects.people",
    "records_count": "subjects.records",
    "likely_consequences": "consequences.likely",
    "consequences": "consequences.description",
    "measures_taken": "measures.taken",
    "measures_planned": "measures.planned",
}
COLUMNS: tuple[str, ...] = (
    "id",
    "title",
    "status",
    "opened",
    "awareness",
    "awareness_reason",
    "deadline",
    *_FACT_COLUMNS,
    "severity_enisa",
    "score_enisa",
    "recommended_notify_ap",
    "recommended_inform_members",
    "decision_notify_ap",
    "decision_inform_members",
    "decision_by",
    "decision_at",
    "decision_reason",
    "decision_follows_recommendation",
    "ap_notified_at",
    "ap_reference",
    "ap_notified_late",
    "ap_delay_reason",
    "ap_follow_ups",
    "ap_withdrawn",
    "members_informed",
    "members_informed_at",
    "closed_at",
    "closed_reason",
)


def row(incident: Incident, thresholds: Thresholds | None = None) -> dict[str, Any]:
    """The register entry flattened to one line, for the CSV export."""
    facts = incident.parsed_facts()
    advice = (thresholds or Thresholds()).assess(facts)
    aware = incident.awareness
    decision = incident.decision
    initial = incident.initial_notification()
    authority = [n for n in incident.notifications if n.to == "authority"]
    withdrawal = next((n for n in authority if n.kind == "withdrawal"), None)
    return {
        "id": incident.id,
        "title": incident.title,
        "status": incident.status,
        "opened": incident.created,
        "awareness": aware.at if aware else None,
        "awareness_reason": aware.reason if aware else None,
        "deadline": deadline(aware.at) if aware else None,
        **{column: _value(facts, name) for column, name in _FACT_COLUMNS.items()},
        "severity_enisa": advice.severity,
        "score_enisa": advice.score,
        "recommended_notify_ap": advice.notify_authority,
        "recommended_inform_members": advice.notify_subjects,
        "decision_notify_ap": decision.notify_authority if decision else None,
        "decision_inform_members": decision.notify_subjects if decision else None,
        "decision_by": decision.by if decision else None,
        "decision_at": decision.at if decision else None,
        "decision_reason": decision.reason if decision else None,
        "decision_follows_recommendation": decision.follows_recommendation if decision else None,
        "ap_notified_at": initial.at if initial else None,
        "ap_reference": incident.authority_reference(),
        "ap_notified_late": initial.late if initial else None,
        "ap_delay_reason": initial.delay_reason if initial else None,
        "ap_follow_ups": sum(1 for n in authority if n.kind == "follow_up"),
        "ap_withdrawn": withdrawal.reason if withdrawal else None,
        "members_informed": _value(facts, "communication.subjects_informed"),
        "members_informed_at": _value(facts, "communication.subjects_informed_at"),
        "closed_at": incident.closed.at if incident.closed else None,
        "closed_reason": incident.closed.reason if incident.closed else None,
    }


def write_csv(
    out: TextIO,
    incidents: Incidents,
    zone: ZoneInfo = AMSTERDAM,
    thresholds: Thresholds | None = None,
    anchor: str | None = None,
) -> int:
    """One row per incident; with ``anchor`` (the audit trail's newest entry, ENTRY:SHA256)
    a last column repeats it, so the file shows a later rewrite of the trail."""
    columns = (*COLUMNS, "audit_anchor") if anchor is not None else COLUMNS
    writer = csvsafe.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    count = 0
    for incident in incidents.iter_all():
        cells = {k: _cell(v, zone) for k, v in row(incident, thresholds).items()}
        if anchor is not None:
            cells["audit_anchor"] = anchor
        writer.writerow(cells)
        count += 1
    return count
