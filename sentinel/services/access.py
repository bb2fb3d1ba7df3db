"""The check every incident read or change passes: the permission, then need to know.

A restricted incident the actor may not see is answered exactly as a missing one,
in lists and by id, so its existence does not leak.
"""

from __future__ import annotations

from sentinel.access.need_to_know import Hidden, require_visible
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
