"""The check every incident read or change passes: the permission, then need to know.

A restricted incident the actor may not see is answered exactly as a missing one,
in lists and by id, so its existence does not leak; nor does anything that mentions
it (an alert escalated into it, an audit entry about it) show its id to that actor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sentinel.access.need_to_know import Hidden, may_see, require_visible
from sentinel.incidents.model import IncidentNotFound
from sentinel.incidents.service import Incidents, Loaded
from sentinel.services.actor import Actor, require
from sentinel.services.errors import NotFound, domain_errors


def load_incident(
    incidents: Incidents, actor: Actor, incident_id: str, permission: str = "incidents:read"
) -> Loaded:
    """The incident, when the actor has ``permission`` and may see it; else refused."""
    require(actor, permission)
    with domain_errors():
        loaded = incidents.get(incident_id)
    try:
        require_visible(actor, loaded.incident)
    except Hidden:
        raise NotFound(f"no incident {incident_id}; see `sentinel incident list`") from None
    return loaded


INCIDENT_ID = re.compile(r"INC-\d{4}-\d{4,}")
"""How an incident id looks where it is mentioned (audit subjects, route paths, draft ids)."""


def hidden_incidents(incidents: Incidents, actor: Actor, ids: Iterable[str]) -> set[str]:
    """Of these incident ids, the restricted incidents the actor may not see.

    Whatever mentions one of them (an alert escalated into it, an audit entry about it)
    leaves the id out for this actor, as every incident route answers 'not found' for it.
    """
    hidden = set()
    for incident_id in set(ids):
        try:
            incident = incidents.get(incident_id).incident
        except IncidentNotFound:
            continue
        if incident.restricted and not may_see(actor, incident):
            hidden.add(incident_id)
    return hidden
