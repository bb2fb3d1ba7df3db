"""The members an incident's evidence touched, counted inside the store.

The alerts' evidence queries are kept on the incident, so this list can be made
again at any time (for the scope step, the register, the member letters). The
grouping runs in the store; only one row per member comes back.
"""

from __future__ import annotations

from sentinel.events import MEMBER_ID
from sentinel.incidents.model import Incident
from sentinel.store.base import Store
from sentinel.store.query import Aggregation, EventQuery


def affected_members(
    store: Store, incident: Incident, field: str = MEMBER_ID
) -> list[tuple[str, int]]:
    """(member id, events) for every member in any of the evidence queries, by member id."""
    counts: dict[str, int] = {}
    for evidence in incident.evidence:
        query = EventQuery.from_dict(evidence.query)
        for row in store.aggregate(query, Aggregation(group_by=(field,))):
            member = row.key[0]
            if member is not None and member != "":
                counts[str(member)] = counts.get(str(member), 0) + row.count
    return sorted(counts.items())
