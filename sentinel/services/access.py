"""The check every incident read or change passes: the permission, then whether the actor may
see the incident at all (a restricted one is answered as not found)."""

from __future__ import annotations

from sentinel.incidents.service import Incidents, Loaded
from sentinel.services.actor import Actor, require
from sentinel.services.errors import domain_errors


def load_incident(
    incidents: Incidents, actor: Actor, incident_id: str, permission: str = "incidents:read"
) -> Loaded:
    """The incident, when the actor has ``permission`` and may see it; else refused."""
    require(actor, permission)
    with domain_errors():
        return incidents.get(incident_id)
