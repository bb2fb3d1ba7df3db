"""The affected members come from the evidence queries, run again in the real store."""

from __future__ import annotations

from datetime import timedelta

from sentinel.events import Event
from sentinel.incidents.evidence import affected_members
from sentinel.incidents.service import Incidents
from sentinel.store.base import Store
from tests.conftest import ManualClock
from tests.incidents.conftest import make_alert


def test_members_touched_by_the_evidence(
    incidents: Incidents, store: Store, clock: ManualClock
) -> None:
    start = clock.now() - timedelta(hours=2)
    events = []
    for i, (user, member) in enumerate(
        [("jdoe", "M1"), ("jdoe", "M2"), ("jdoe", "M1"), ("other", "M3"), ("ann", "M4")]
    ):
        events.append(
            Event(
                id=f"e{i}",
                timestamp=start + timedelta(minutes=i),
                source="backoffice",
                fields={
                    "event.action": "member.view",
                    "user.name": user,
                    "sentinel.member.id": member,
                },
            )
        )
    store.write_events(events)
    make_alert(store, "AL-1", user="jdoe", start=start)
    make_alert(store, "AL-2", user="ann", start=start)
    inc = incidents.open("Bulk views", by="c", alerts=["AL-1", "AL-2"]).incident
    assert affected_members(store, inc) == [("M1", 2), ("M2", 1), ("M4", 1)]
