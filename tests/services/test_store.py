"""The store through its service: create, check, purge old events; on both stores."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel.access.permissions import ROLE_PERMISSIONS
from sentinel.events import Event, event_id
from sentinel.services.actor import Caller
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden, Invalid
from sentinel.services.store import StoreService, shown_url
from sentinel.store import DeadLetter
from sentinel.store.query import EventQuery
from tests.conftest import ManualClock

ADMIN = Caller("adam", permissions=ROLE_PERMISSIONS["admin"])


def test_init_is_safe_to_repeat_and_check_finds_nothing_wrong(ctx: ServiceContext) -> None:
    service = StoreService(ctx)
    service.init(ADMIN)
    again = service.init(ADMIN)
    checked = service.check(ADMIN)
    assert again.store == ctx.settings.store_url
    assert (checked.ok, checked.problems) == (True, [])


def test_purge_takes_old_events_and_dead_letters_and_never_the_last_day(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    now = clock.now()
    ctx.store.write_events(
        [
            Event(event_id("app", str(days)), now - timedelta(days=days), "app", {})
            for days in (400, 200, 2)
        ]
    )
    ctx.store.write_dead_letters(
        [DeadLetter("d1", "app", "1", "bad", "x", now - timedelta(days=300))]
    )
    service = StoreService(ctx)

    before = service.cutoff("180d")
    purged = service.purge(ADMIN, before)

    assert before == now - timedelta(days=180)
    assert (purged.events, purged.dead_letters, purged.before) == (2, 1, before)
    assert ctx.store.count_events(EventQuery()) == 1
    with pytest.raises(Invalid, match="less than a day"):
        service.cutoff("6h")
    with pytest.raises(Invalid, match="--older-than"):
        service.cutoff("soon")
    with pytest.raises(Invalid, match="never purged"):
        service.purge(ADMIN, now - timedelta(hours=6))


def test_only_admins_keep_the_store_and_its_url_never_shows_credentials(
    ctx: ServiceContext,
) -> None:
    officer = Caller("pia", permissions=ROLE_PERMISSIONS["privacy_officer"])
    for act in (StoreService(ctx).init, StoreService(ctx).check):
        with pytest.raises(Forbidden, match="store:admin"):
            act(officer)
    assert shown_url("https://sentinel:s3cret@es.example:9200") == "https://es.example:9200"
