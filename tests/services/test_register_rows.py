"""The register as a list: every breach the reader may see, filtered on status and the AP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel.services.actor import Caller
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden
from sentinel.services.incidents import IncidentService
from sentinel.services.register import RegisterService
from tests.conftest import ManualClock
from tests.services.conftest import VIEWER

EVERYTHING = Caller("olga", permissions=None)
READER = Caller("rita", permissions=frozenset({"incidents:read", "register:read"}))


def test_rows_show_what_was_decided_and_notified_newest_first(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    incidents = IncidentService(ctx)
    quiet = incidents.open(EVERYTHING, "Letter to the wrong garage").id
    clock.advance(hours=1)
    told = incidents.open(EVERYTHING, "Members' records read at night").id
    incidents.update_facts(EVERYTHING, told, assignments=[("subjects.people", "150")])
    incidents.set_awareness(EVERYTHING, told, clock.now() - timedelta(hours=1), "logs read")
    incidents.record_notification(EVERYTHING, told, "initial", reference="AP-123")
    clock.advance(hours=1)
    secret = incidents.open(EVERYTHING, "Board member's account misused").id
    incidents.update(EVERYTHING, secret, restricted=True)

    service = RegisterService(ctx)
    assert [r.id for r in service.rows(READER)] == [told, quiet]
    [row] = service.rows(READER, notified=True)
    assert (row.id, row.people, row.ap_reference, row.ap_late) == (told, "150", "AP-123", False)
    assert [r.id for r in service.rows(READER, notified=False)] == [quiet]
    assert [r.id for r in service.rows(EVERYTHING)] == [secret, told, quiet]
    with pytest.raises(Forbidden, match="register:read"):
        service.rows(VIEWER)
