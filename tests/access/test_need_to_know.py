"""A restricted incident: its people and the privacy officer see it; to others it does not exist."""

from __future__ import annotations

import pytest

from sentinel.access.model import Principal
from sentinel.access.need_to_know import Hidden, may_see, require_visible, visible
from sentinel.access.permissions import permissions_of
from sentinel.incidents.service import Incidents
from sentinel.store.base import Store
from tests.conftest import ManualClock


def person(name: str, role: str) -> Principal:
    return Principal(name, role, permissions_of(role), "session")


def test_only_participants_and_the_privacy_officer_see_a_restricted_incident(
    store: Store, clock: ManualClock
) -> None:
    incidents = Incidents(store, clock)
    secret = incidents.open("Insider export", by="c.dekker").incident
    open_one = incidents.open("Lost laptop", by="c.dekker").incident
    secret = incidents.update(
        secret.id, by="c.dekker", restricted=True, add=["a.visser"], commander="c.dekker"
    ).incident
    stored = incidents.get(secret.id).incident
    assert stored.restricted

    analyst, outsider = person("a.visser", "analyst"), person("b.smit", "analyst")
    officer, admin = person("p.bakker", "privacy_officer"), person("root", "admin")
    assert may_see(analyst, stored) and may_see(officer, stored)
    assert not may_see(outsider, stored) and not may_see(admin, stored)
    listed = incidents.list()
    assert [i.id for i in visible(outsider, listed)] == [open_one.id]
    assert {i.id for i in visible(analyst, listed)} == {secret.id, open_one.id}
    with pytest.raises(Hidden, match=f"no incident {secret.id}"):
        require_visible(outsider, stored)


def test_without_incidents_read_nothing_is_visible(store: Store, clock: ManualClock) -> None:
    incident = Incidents(store, clock).open("Lost laptop", by="c.dekker").incident
    nobody = Principal("x", "viewer", frozenset({"alerts:read"}), "token")
    assert not may_see(nobody, incident)
