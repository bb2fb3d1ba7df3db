"""Need to know: a restricted incident is seen only by its people and the privacy officer.

Services call these before they show, list or change an incident (and anything
that hangs off one: drafts, runs, decisions, its timeline). Someone who may not
see a restricted incident is told it does not exist, in lists and by id, so its
existence does not leak; ``Hidden`` carries the same message as a missing id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar


class Asker(Protocol):
    """A principal (API) or a service actor: a name and the permissions it holds."""

    @property
    def name(self) -> str: ...

    def can(self, permission: str) -> bool: ...


class IncidentLike(Protocol):
    id: str
    restricted: bool
    commander: str | None
    participants: list[str]
    created_by: str


T = TypeVar("T", bound=IncidentLike)


class Hidden(LookupError):
    """The incident is restricted and the asker is not one of its people: answer 'not found'."""


def people(incident: IncidentLike) -> set[str]:
    """Who works on the incident: its commander, its participants and whoever opened it."""
    found = {*incident.participants, incident.created_by}
    if incident.commander:
        found.add(incident.commander)
    return found


def may_see(who: Asker, incident: IncidentLike) -> bool:
    if not who.can("incidents:read"):
        return False
    if not incident.restricted or who.can("incidents:all"):
        return True
    return who.name in people(incident)


def require_visible(who: Asker, incident: T) -> T:
    """The incident when ``who`` may see it; Hidden (shown as 404) when not."""
    if not may_see(who, incident):
        raise Hidden(f"no incident {incident.id}")
    return incident


def visible(who: Asker, incidents: Iterable[T]) -> Iterator[T]:
    """Only the incidents ``who`` may see, in the order given (for lists and counts)."""
    return (i for i in incidents if may_see(who, i))
