"""The outbox: alert messages and reminders queued for the channels, and their delivery.

Each message is tracked per channel (attempts, last error, next attempt). People see
what was sent where and what was given up, deliver now, queue a given-up message
again, and test a channel. A message about a restricted incident (a reminder of its
deadline, a playbook's notice) is left out for anyone who may not see that incident.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict

from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.events import format_timestamp
from sentinel.incidents.facts import Time
from sentinel.incidents.service import Incidents
from sentinel.notify.channel import DeliveryError
from sentinel.notify.deliver import STATUSES, Deliverer, requeue, senders_from_settings
from sentinel.notify.outbox import KIND
from sentinel.notify.render import Renderer, RenderError
from sentinel.services import paging
from sentinel.services.access import INCIDENT_ID, hidden_incidents
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Invalid, NotFound, Refused, Stale
from sentinel.store.base import ConflictError, Record

MessageStatus = Literal["pending", "sent", "failed"]


class ChannelDelivery(BaseModel):
    """One channel's delivery of one message."""

    model_config = ConfigDict(extra="ignore")

    status: Literal["pending", "sending", "sent", "failed"]
    """failed: given up on this channel after its attempts."""
    attempts: int = 0
    next_attempt: Time | None = None
    last_attempt: Time | None = None
    sent: Time | None = None
    receipt: str | None = None
    """What the channel's server answered when it took the message."""
    error: str | None = None
    claimed: Time | None = None
    """When a delivery pass took it (status sending)."""
    worker: str | None = None


class OutboxMessage(BaseModel):
    """A queued message: what it announces, and its delivery per channel."""

    model_config = ConfigDict(extra="ignore")

    id: str
    version: str
    """Pass it back (If-Match) to retry only the message as you saw it."""
    template: str
    title: str
    severity: str
    context: dict[str, Any]
    channels: list[str]
    """The channels asked for; empty: the configured default channels."""
    link: str | None = None
    created: Time
    status: MessageStatus
    deliveries: dict[str, ChannelDelivery]
    error: str | None = None
    finished: Time | None = None

    @classmethod
    def of(cls, rec: Record) -> OutboxMessage:
        return cls.model_validate({**rec.data, "id": rec.id, "version": rec.version})


class OutboxPage(BaseModel):
    items: list[OutboxMessage]
    next: str | None
    """Cursor for the next page; None when this was the last."""


class DeliveryOutcome(BaseModel):
    notification: str
    channel: str
    status: Literal["sent", "retry", "failed"]
    """retry: failed this time and tried again at ``next_attempt``; failed: given up."""
    attempts: int
    detail: str
    """The receipt when sent, the error otherwise."""
    next_attempt: Time | None


class DeliveryPass(BaseModel):
    outcomes: list[DeliveryOutcome]
    waiting: int
    """Messages whose channels all wait for a later attempt."""
    busy: int
    """Messages another pass was delivering at the same moment."""
    summary: str


class ChannelTest(BaseModel):
    channel: str
    kind: str
    receipt: str


class OutboxService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def list(
        self, actor: Actor, *, status: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> OutboxPage:
        """Newest first, a page at a time, without messages about incidents hidden from you."""
        require(actor, "outbox:read")
        if status and status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}")
        after = paging.decode(cursor) if cursor else None
        shown: list[Record] = []
        last: Record | None = None
        more = False
        for rec in self._newest(status, after, limit):
            if len(shown) == limit:
                more = True
                break
            last = rec
            if self._visible(actor, rec):
                shown.append(rec)
        return OutboxPage(
            items=[OutboxMessage.of(r) for r in shown],
            next=paging.encode((last.data["created"], last.id)) if more and last else None,
        )

    def show(self, actor: Actor, notification_id: str) -> OutboxMessage:
        require(actor, "outbox:read")
        return OutboxMessage.of(self._require(actor, notification_id))

    def retry(
        self, actor: Actor, notification_id: str, *, version: str | None = None
    ) -> OutboxMessage:
        """Queue a given-up message again: its failed channels start over at the next pass."""
        require(actor, "outbox:send")
        rec = self._require(actor, notification_id)
        if version is not None and rec.version != version:
            raise Stale(
                f"notification {notification_id} changed since you read it (a delivery pass "
                "took it); read it again"
            )
        try:
            return OutboxMessage.of(requeue(self.ctx.store, notification_id, self.ctx.clock))
        except LookupError:
            raise NotFound(f"no notification {notification_id}") from None
        except ValueError as exc:
            raise Refused(str(exc)) from None
        except ConflictError:
            raise Stale(
                f"notification {notification_id} changed while queueing it again; read it again"
            ) from None

    def deliver(self, actor: Actor) -> DeliveryPass:
        """One delivery pass now (what ``sentinel run`` does every ``delivery.interval``)."""
        require(actor, "outbox:send")
        # The outcomes are the answer; without this, Python would repeat them as warnings.
        logging.getLogger("sentinel.notify").addHandler(logging.NullHandler())
        deliverer = Deliverer.from_settings(self.ctx.settings, self.ctx.store, self.ctx.clock)
        done = deliverer.run_once()
        return DeliveryPass(
            outcomes=[
                DeliveryOutcome(
                    notification=o.notification,
                    channel=o.channel,
                    status=o.status,
                    attempts=o.attempts,
                    detail=o.detail,
                    next_attempt=o.next_attempt,
                )
                for o in done.outcomes
            ],
            waiting=done.waiting,
            busy=done.busy,
            summary=done.line(),
        )

    def _newest(
        self, status: str | None, after: tuple[Any, str] | None, page: int
    ) -> Iterator[Record]:
        where = {"status": status} if status else None
        while True:
            found = self.ctx.store.find_records(
                KIND, where, order_by="created", descending=True, limit=page + 1, after=after
            )
            yield from found
            if len(found) <= page:
                return
            after = (found[-1].data["created"], found[-1].id)

    def _require(self, actor: Actor, notification_id: str) -> Record:
        rec = self.ctx.store.get_record(KIND, notification_id)
        if rec is None or not self._visible(actor, rec):
            raise NotFound(f"no notification {notification_id}; see `sentinel notify list`")
        return rec

    def _visible(self, actor: Actor, rec: Record) -> bool:
        text = rec.id + orjson.dumps(rec.data, default=str).decode()
        mentioned = INCIDENT_ID.findall(text)
        if not mentioned:
            return True
        incidents = Incidents(self.ctx.store, self.ctx.clock)
        return not hidden_incidents(incidents, actor, mentioned)


class ChannelService:
    """The channels in settings: send a test message to one (no store needed)."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    def test(self, actor: Actor, channel: str) -> ChannelTest:
        """Send a test message to one channel now; says what its server answered."""
        require(actor, "outbox:send")
        settings = self.settings
        senders = senders_from_settings(settings)
        sender = senders.get(channel)
        if sender is None:
            known = (
                ", ".join(sorted(senders)) or "none configured; add [[channels]] to sentinel.toml"
            )
            raise NotFound(f"no channel named {channel!r} (channels: {known})")
        kind = next(c.kind for c in settings.channels if c.name == channel)
        now = self.clock.now()
        data = {
            "template": "test",
            "title": f"Sentinel test message for channel {channel}",
            "severity": "low",
            "context": {"channel": channel, "kind": kind},
            "link": "/",
            "created": format_timestamp(now),
        }
        try:
            message = Renderer(settings.zone, settings.base_url).render(f"test:{channel}", data)
            receipt = sender.send(message, now)
        except (RenderError, DeliveryError) as exc:
            raise Refused(f"channel {channel}: {exc}") from None
        return ChannelTest(channel=channel, kind=kind, receipt=str(receipt))
