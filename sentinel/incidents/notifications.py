"""Notifications made about a breach, recorded as events on the incident.

The AP is notified in phases (Art. 33(4)): an initial notification within 72 hours
of awareness, follow-ups that add what was learned (quoting the AP's reference
number), and a withdrawal when the incident turns out not to be a breach. An
initial notification recorded after the deadline is refused unless it carries
the reasons for the delay (Art. 33(1)). Communications to the members (Art. 34)
are recorded the same way. Sentinel records what people sent; it sends nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sentinel.incidents.deadline import AMSTERDAM, deadline
from sentinel.incidents.facts import diff, parse_facts
from sentinel.incidents.model import (
    Incident,
    IncidentError,
    NotificationKind,
    NotificationRecord,
    Recipient,
)
from sentinel.incidents.service import Incidents, Loaded
from sentinel.localtime import show, span

AUTHORITY_KINDS = ("initial", "follow_up", "withdrawal")


def record_notification(
    incidents: Incidents,
    incident_id: str,
    *,
    to: Recipient = "authority",
    kind: NotificationKind,
    by: str,
    at: datetime | None = None,
    reference: str | None = None,
    delay_reason: str | None = None,
    reason: str | None = None,
    channel: str | None = None,
    count: int | None = None,
    zone: ZoneInfo = AMSTERDAM,
    version: str | None = None,
) -> Loaded:
    now = incidents.clock.now()
    when = at or now
    if when > now:
        raise IncidentError("a notification cannot be recorded before it is made (time in future)")
    if to == "authority" and kind not in AUTHORITY_KINDS:
        raise IncidentError(f"a notification to the AP is one of {', '.join(AUTHORITY_KINDS)}")
    if to != "authority" and kind != "communication":
        raise IncidentError(f"a notification to the {to} is a communication")

    def apply(incident: Incident) -> dict[str, Any]:
        entry = NotificationRecord(
            to=to,
            kind=kind,
            at=when,
            by=by,
            recorded=now,
            reference=reference or None,
            reason=reason or None,
            channel=channel,
            count=count,
            facts=incident.parsed_facts().to_dict(),
        )
        if to == "authority":
            _authority(incident, entry, delay_reason, zone)
        else:
            _people(incident, entry)
        incident.notifications.append(entry)
        return entry.model_dump(mode="json", exclude={"facts"})

    return incidents.change(incident_id, by, "incident.notification", apply, version=version)


def _authority(
    incident: Incident, entry: NotificationRecord, delay_reason: str | None, zone: ZoneInfo
) -> None:
    initial = incident.initial_notification()
    if entry.kind == "initial":
        if initial is not None:
            raise IncidentError(
                f"the AP was already notified on {show(initial.at, zone)}; "
                "record what is new as a follow-up"
            )
        if incident.awareness is not None:
            due = deadline(incident.awareness.at)
            entry.late = entry.at > due
            if entry.late and not (delay_reason or "").strip():
                raise IncidentError(
                    f"this notification ({show(entry.at, zone)}) is {span(entry.at - due)} past "
                    f"the 72-hour deadline ({show(due, zone)}); Art. 33(1) requires the reasons "
                    "for the delay: give them as the reason for the delay (the form's field, "
                    "--delay-reason on the command line)"
                )
            entry.delay_reason = (delay_reason or "").strip() or None
        if incident.status != "closed":
            incident.status = "notified"
        return
    if initial is None:
        raise IncidentError("record the initial notification to the AP first")
    entry.reference = entry.reference or incident.authority_reference()
    if not entry.reference:
        raise IncidentError(
            "give the AP's reference number of the initial notification (--reference)"
        )
    if entry.kind == "withdrawal":
        if not entry.reason:
            raise IncidentError(
                "a withdrawal needs the reason (e.g. 'investigation showed no personal data "
                "was accessed')"
            )
        return
    previous = incident.last_told("authority")
    assert previous is not None
    entry.changed = diff(parse_facts(previous.facts), parse_facts(entry.facts))


def _people(incident: Incident, entry: NotificationRecord) -> None:
    entry.changed = []
    how = entry.channel or ("public communication" if entry.to == "public" else None)
    changes: dict[str, Any] = {
        "communication.subjects_informed": "yes",
        "communication.subjects_informed_at": entry.at,
    }
    if how:
        changes["communication.channel"] = how
    incident.facts = incident.parsed_facts().with_changes(changes).to_dict()
