"""The event search: filters, time range, source, paging, and who may search."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel.access.permissions import ROLE_PERMISSIONS
from sentinel.services.actor import Caller
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden, Invalid
from sentinel.services.events import EventService
from tests.services.conftest import T0, raise_alert

ANALYST = Caller("anna", permissions=ROLE_PERMISSIONS["analyst"])


def test_search_filters_by_field_time_and_source_newest_first(ctx: ServiceContext) -> None:
    raise_alert(ctx, "m.jansen", events=3)
    raise_alert(ctx, "p.smit", hour=2, events=2)
    service = EventService(ctx)

    found = service.search(ANALYST, where=["user.name=m.jansen"])
    assert [e.model_extra["user.name"] for e in found.events] == ["m.jansen"] * 3  # type: ignore[index]
    assert [e.timestamp for e in found.events] == sorted(
        (e.timestamp for e in found.events), reverse=True
    )
    assert found.more is False and found.next is None
    assert service.search(ANALYST, where=["user.name=*.smit"], source="app").events
    assert service.search(ANALYST, source="elsewhere").events == []
    later = service.search(ANALYST, since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=3))
    assert {e.model_extra["user.name"] for e in later.events} == {"p.smit"}  # type: ignore[index]
    dumped = found.model_dump(mode="json", by_alias=True)["events"][0]
    assert dumped["@timestamp"].endswith("Z") and dumped["event.action"] == "member.view"


def test_search_pages_with_its_cursor_without_gaps_or_repeats(ctx: ServiceContext) -> None:
    raise_alert(ctx, "m.jansen", events=5)
    service = EventService(ctx)

    seen, cursor = [], None
    while True:
        page = service.search(ANALYST, limit=2, ascending=True, cursor=cursor)
        seen += [e.id for e in page.events]
        if page.next is None:
            break
        assert page.more is True
        cursor = page.next
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        (["user.name"], "is not 'FIELD OP VALUE'"),
        (["user.nmae=k.smit"], "'user.nmae' is never carried by events"),
        (["user.name~[jm"], "is not a regular expression"),
    ],
)
def test_search_refuses_a_filter_it_cannot_run_and_says_why(
    ctx: ServiceContext, where: list[str], reason: str
) -> None:
    with pytest.raises(Invalid, match=reason.replace("(", r"\(")):
        EventService(ctx).search(ANALYST, where=where)


def test_only_those_who_may_read_events_search_them(ctx: ServiceContext) -> None:
    viewer = Caller("victor", permissions=ROLE_PERMISSIONS["viewer"])
    with pytest.raises(Forbidden, match="events:read"):
        EventService(ctx).search(viewer)
    with pytest.raises(Invalid, match="must be before"):
        EventService(ctx).search(ANALYST, since=T0, until=T0)


def test_a_cursor_no_search_gave_out_is_refused(ctx: ServiceContext) -> None:
    raise_alert(ctx, "m.jansen", events=3)
    with pytest.raises(Invalid, match="start again without the cursor"):
        EventService(ctx).search(ANALYST, cursor="not-a-cursor")
