"""The outbox service: what was sent where, a delivery pass, a retry, a channel test,
and reminders of a restricted incident kept from those who may not see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_httpserver import HTTPServer

from sentinel.access.permissions import ROLE_PERMISSIONS
from sentinel.config import Settings
from sentinel.incidents.deadline import send_due_reminders
from sentinel.notify.outbox import KIND
from sentinel.services.actor import Caller
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden, Invalid, NotFound, Refused, Stale
from sentinel.services.incidents import IncidentService
from sentinel.services.outbox import ChannelService, OutboxService
from tests.conftest import ManualClock
from tests.notify.conftest import queue_alert

OFFICER = Caller("pia", permissions=ROLE_PERMISSIONS["privacy_officer"])
ANALYST = Caller("anna", permissions=ROLE_PERMISSIONS["analyst"])
VIEWER = Caller("victor", permissions=ROLE_PERMISSIONS["viewer"])


def with_channels(ctx: ServiceContext, httpserver: HTTPServer) -> ServiceContext:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        store_url="sqlite:///unused.db",
        default_channels=["slack", "down"],
        channels=[
            {"kind": "slack", "name": "slack", "url": httpserver.url_for("/hooks/slack")},
            {
                "kind": "webhook",
                "name": "down",
                "url": "http://127.0.0.1:9/never",
                "secret": "k",
                "timeout": "2s",
            },
        ],
    )
    return ServiceContext(settings, ctx.store, ctx.clock)


def give_up(ctx: ServiceContext, note_id: str) -> None:
    rec = ctx.store.get_record(KIND, note_id)
    assert rec is not None
    failed = {"status": "failed", "attempts": 8, "error": "550 mailbox unknown"}
    data = {**rec.data, "status": "failed", "deliveries": {"down": failed}}
    ctx.store.update_record(KIND, note_id, data, rec.version)


def test_a_pass_delivers_per_channel_and_the_list_shows_how_it_went(
    ctx: ServiceContext, clock: ManualClock, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hooks/slack").respond_with_data("ok")
    ctx = with_channels(ctx, httpserver)
    note = queue_alert(ctx.store, clock)
    service = OutboxService(ctx)

    done = service.deliver(ANALYST)

    assert {(o.channel, o.status) for o in done.outcomes} == {("slack", "sent"), ("down", "retry")}
    assert done.summary.startswith("sent 1, retrying 1, gave up 0")
    [shown] = service.list(VIEWER).items
    assert (shown.id, shown.status) == (note.id, "pending")
    assert shown.deliveries["slack"].status == "sent" and shown.deliveries["slack"].sent
    down = shown.deliveries["down"]
    assert (down.attempts, down.next_attempt) == (1, clock.now() + timedelta(minutes=1))
    assert service.list(VIEWER, status="sent").items == []
    with pytest.raises(Invalid, match="status must be one of"):
        service.list(VIEWER, status="lost")
    with pytest.raises(Forbidden, match="outbox:send"):
        service.deliver(VIEWER)


def test_the_list_pages_newest_first(ctx: ServiceContext, clock: ManualClock) -> None:
    queued = []
    for n in range(5):
        queued.append(queue_alert(ctx.store, clock, user=f"user{n}").id)
        clock.advance(timedelta(minutes=1))
    service = OutboxService(ctx)

    seen, cursor = [], None
    while True:
        page = service.list(VIEWER, limit=2, cursor=cursor)
        seen += [n.id for n in page.items]
        if page.next is None:
            break
        cursor = page.next
    assert seen == list(reversed(queued))


def test_only_a_given_up_message_is_queued_again_from_the_version_read(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    note = queue_alert(ctx.store, clock)
    service = OutboxService(ctx)
    with pytest.raises(Refused, match="is pending; only failed ones are retried"):
        service.retry(ANALYST, note.id)
    give_up(ctx, note.id)
    seen = service.show(VIEWER, note.id)
    assert seen.status == "failed"
    with pytest.raises(Stale):
        service.retry(ANALYST, note.id, version=note.version)
    with pytest.raises(Forbidden, match="outbox:send"):
        service.retry(VIEWER, note.id)

    queued = service.retry(ANALYST, note.id, version=seen.version)

    assert queued.status == "pending"
    assert (queued.deliveries["down"].status, queued.deliveries["down"].attempts) == ("pending", 0)
    with pytest.raises(NotFound, match="no notification alert:AL-nope"):
        service.retry(ANALYST, "alert:AL-nope")


def test_a_restricted_incidents_reminders_are_kept_from_those_who_may_not_see_it(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    incidents = IncidentService(ctx)
    secret = incidents.open(OFFICER, "Board member's account misused").id
    incidents.update(OFFICER, secret, restricted=True)
    public = incidents.open(OFFICER, "Letter to the wrong garage").id
    clock.advance(timedelta(hours=25))
    send_due_reminders(ctx.store, clock, [timedelta(hours=24)], zone=ctx.settings.zone)
    service = OutboxService(ctx)

    listed = [n.title for n in service.list(ANALYST).items]
    assert len(listed) == 1 and public in listed[0]
    reminders = {n.id: n for n in service.list(OFFICER).items}
    assert len(reminders) == 2
    [hidden] = [i for i, n in reminders.items() if secret in n.title]
    for look in (service.show, service.retry):
        with pytest.raises(NotFound, match=f"no notification {hidden}"):
            look(ANALYST, hidden)
    assert service.show(OFFICER, hidden).context["incident"]["id"] == secret


def test_a_test_message_names_what_the_channel_answered(
    ctx: ServiceContext, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hooks/slack").respond_with_data("ok")
    settings = with_channels(ctx, httpserver).settings
    channels = ChannelService(settings, ctx.clock)

    sent = channels.test(ANALYST, "slack")

    assert (sent.channel, sent.kind, sent.receipt) == ("slack", "slack", "HTTP 200")
    assert httpserver.log[0][0].get_json()["text"] == "Sentinel test message for channel slack"
    with pytest.raises(Refused, match=r"channel down: could not reach 127\.0\.0\.1:9"):
        channels.test(ANALYST, "down")
    with pytest.raises(NotFound, match=r"no channel named 'pager' \(channels: down, slack\)"):
        channels.test(ANALYST, "pager")
