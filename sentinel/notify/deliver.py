"""One delivery pass over the outbox: every due channel of every pending notification.

Each channel of a notification is tracked on its own under ``deliveries[name]``
(attempts, last error, next attempt), so a channel that is down or slow never
holds up the others. A failed attempt is retried after a delay that doubles
each time (``RetryPolicy``); after ``max_attempts`` the channel is given up,
logged as an error, and the notification ends ``failed`` once no channel is
still pending. Times come from the injected clock.

Passes may overlap (two workers, a manual ``sentinel notify deliver`` next to
``sentinel run``): a pass first claims the channels it is about to send with a
versioned update, and the pass that loses that race leaves the notification
alone. A claim older than the lease (its worker died mid-send) is taken over,
so a message may then go out twice but is never lost.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sentinel.clock import Clock
from sentinel.config import EmailChannel, Settings
from sentinel.events import format_timestamp, parse_timestamp
from sentinel.notify.channel import DeliveryError, Sender
from sentinel.notify.outbox import KIND
from sentinel.store.base import ConflictError, Record, Store

if TYPE_CHECKING:  # the templates (jinja2) load when a Deliverer is made, not with the CLI
    from sentinel.notify.render import Message, Renderer

log = logging.getLogger("sentinel.notify")

STATUSES = ("pending", "sent", "failed")
_PAGE = 200
_WRITE_TRIES = 5


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    """Attempts per channel before it is given up (1m+2m+…+1h ≈ 3 hours of trying)."""
    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=10)
    """A claim older than this is taken over; longer than any channel's timeout."""

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure: 1m, 2m, 4m, … at most ``max_delay``."""
        return min(self.first_delay * 2 ** (attempts - 1), self.max_delay)


@dataclass(frozen=True, slots=True)
class Outcome:
    notification: str
    channel: str
    status: Literal["sent", "retry", "failed"]
    """``failed``: given up on this channel."""
    attempts: int
    detail: str
    """The receipt when sent, the error otherwise."""
    next_attempt: datetime | None = None


@dataclass(slots=True)
class PassReport:
    outcomes: list[Outcome] = field(default_factory=list)
    waiting: int = 0
    """Notifications whose channels all wait for a later attempt."""
    busy: int = 0
    """Notifications another pass was delivering at the same moment."""

    def of(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    def line(self) -> str:
        sent, retry, failed = self.of("sent"), self.of("retry"), self.of("failed")
        text = (
            f"sent {len(sent)}, retrying {len(retry)}, gave up {len(failed)}, "
            f"waiting {self.waiting}, busy {self.busy}"
        )
        if failed:
            text += "; gave up: " + ", ".join(f"{o.notification} via {o.channel}" for o in failed)
        return text


def overall(deliveries: Mapping[str, Mapping[str, Any]]) -> str:
    states = {d["status"] for d in deliveries.values()}
    if states & {"pending", "sending"}:
        return "pending"
    return "sent" if states == {"sent"} else "failed"


def senders_from_settings(settings: Settings) -> dict[str, Sender]:
    # The SMTP and HTTP clients load when channels are set up, not with this module.
    from sentinel.notify.email import EmailSender
    from sentinel.notify.webhook import WebhookSender

    return {
        c.name: EmailSender(c) if isinstance(c, EmailChannel) else WebhookSender(c)
        for c in settings.channels
    }


class Deliverer:
    """Delivers queued notifications to their channels, one pass at a time."""

    def __init__(
        self,
        store: Store,
        renderer: Renderer,
        senders: Mapping[str, Sender],
        clock: Clock,
        *,
        default_channels: Sequence[str] = (),
        policy: RetryPolicy | None = None,
        worker: str | None = None,
    ) -> None:
        self.store = store
        self.renderer = renderer
        self.senders = dict(senders)
        self.clock = clock
        self.default_channels = list(default_channels)
        self.policy = policy or RetryPolicy()
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @classmethod
    def from_settings(
        cls, settings: Settings, store: Store, clock: Clock, *, policy: RetryPolicy | None = None
    ) -> Deliverer:
        from sentinel.notify.render import Renderer

        return cls(
            store,
            Renderer(settings.zone, settings.base_url),
            senders_from_settings(settings),
            clock,
            default_channels=settings.default_channels,
            policy=policy
            or RetryPolicy(
                max_attempts=settings.notify.attempts,
                first_delay=settings.notify.first_retry,
                max_delay=settings.notify.max_retry,
                lease=settings.notify.lease,
            ),
        )

    def run_once(self, should_stop: Callable[[], bool] = lambda: False) -> PassReport:
        """Try every channel that is due now; stops between notifications when asked to."""
        report = PassReport()
        for rec in self._pending():
            if should_stop():
                break
            self.deliver(rec, report)
        return report

    def _pending(self) -> Iterator[Record]:
        after: str | None = None
        while True:
            page = self.store.find_records(KIND, {"status": "pending"}, limit=_PAGE, after=after)
            yield from page
            if len(page) < _PAGE:
                return
            after = page[-1].id

    # one notification ----------------------------------------------------------
    def deliver(self, rec: Record, report: PassReport) -> None:
        """Try the due channels of one notification as read; a stale read sends nothing."""
        now = self.clock.now()
        data = rec.data
        deliveries = {name: dict(d) for name, d in data.get("deliveries", {}).items()}
        if not deliveries:
            channels = data["channels"] or self.default_channels
            if not channels:
                self._unaddressed(rec, report)
                return
            deliveries = {name: _fresh(now) for name in dict.fromkeys(channels)}
        due = [name for name, d in deliveries.items() if self._due(d, now)]
        if not due:
            report.waiting += 1
            return
        stamp = format_timestamp(now)
        for name in due:
            deliveries[name].update(status="sending", claimed=stamp, worker=self.worker)
        try:
            self.store.update_record(KIND, rec.id, {**data, "deliveries": deliveries}, rec.version)
        except ConflictError:
            report.busy += 1
            return
        from sentinel.notify.render import RenderError

        try:
            message = self.renderer.render(rec.id, data)
        except RenderError as exc:
            for name in due:
                report.outcomes.append(self._record(rec.id, name, error=f"cannot render: {exc}"))
            return
        for name in due:
            report.outcomes.append(self._attempt(rec.id, name, message))

    def _due(self, delivery: Mapping[str, Any], now: datetime) -> bool:
        if delivery["status"] == "pending":
            return parse_timestamp(delivery["next_attempt"]) <= now
        if delivery["status"] == "sending":
            return parse_timestamp(delivery["claimed"]) + self.policy.lease <= now
        return False

    def _attempt(self, nid: str, name: str, message: Message) -> Outcome:
        sender = self.senders.get(name)
        if sender is None:
            known = ", ".join(sorted(self.senders)) or "none configured"
            return self._record(
                nid, name, error=f"no channel named {name!r} in settings (channels: {known})"
            )
        try:
            receipt = sender.send(message, self.clock.now())
        except DeliveryError as exc:
            return self._record(nid, name, error=exc.reason, retry_after=exc.retry_after)
        except Exception as exc:  # a sender's bug must not stop the other channels
            log.exception("channel %s failed unexpectedly on %s", name, nid)
            return self._record(nid, name, error=f"unexpected {type(exc).__name__} in the sender")
        return self._record(nid, name, receipt=receipt)

    def _record(
        self,
        nid: str,
        name: str,
        *,
        receipt: str | None = None,
        error: str | None = None,
        retry_after: timedelta | None = None,
    ) -> Outcome:
        """Write one attempt's result into the notification, merging with concurrent writes."""
        for _ in range(_WRITE_TRIES):
            rec = self.store.get_record(KIND, nid)
            if rec is None:
                raise ConflictError(f"notification {nid} vanished while it was being delivered")
            now = self.clock.now()
            before = rec.data["deliveries"][name]
            delivery, outcome = self._result(nid, name, before, now, receipt, error, retry_after)
            deliveries = {**rec.data["deliveries"], name: delivery}
            status = overall(deliveries)
            data = {**rec.data, "deliveries": deliveries, "status": status}
            if status != "pending":
                data["finished"] = format_timestamp(now)
            try:
                self.store.update_record(KIND, nid, data, rec.version)
            except ConflictError:
                continue
            self._log(outcome)
            return outcome
        raise ConflictError(f"notification {nid} kept changing while recording {name}")

    def _result(
        self,
        nid: str,
        name: str,
        before: Mapping[str, Any],
        now: datetime,
        receipt: str | None,
        error: str | None,
        retry_after: timedelta | None,
    ) -> tuple[dict[str, Any], Outcome]:
        attempts = before["attempts"] + 1
        stamp = format_timestamp(now)
        base = {"attempts": attempts, "last_attempt": stamp}
        if error is None or before["status"] == "sent":
            done = {**base, "status": "sent", "sent": before.get("sent") or stamp}
            done.update(receipt=receipt or before.get("receipt"), error=None, next_attempt=None)
            return done, Outcome(nid, name, "sent", attempts, done["receipt"] or "")
        if attempts >= self.policy.max_attempts:
            gone = {**base, "status": "failed", "error": error, "next_attempt": None}
            return gone, Outcome(nid, name, "failed", attempts, error)
        wait = self.policy.delay(attempts)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.policy.max_delay))
        later = now + wait
        again = {
            **base,
            "status": "pending",
            "error": error,
            "next_attempt": format_timestamp(later),
        }
        return again, Outcome(nid, name, "retry", attempts, error, later)

    def _unaddressed(self, rec: Record, report: PassReport) -> None:
        error = (
            "no channel to deliver to: the notification names none and default_channels is empty"
        )
        data = {**rec.data, "status": "failed", "error": error}
        data["finished"] = format_timestamp(self.clock.now())
        try:
            self.store.update_record(KIND, rec.id, data, rec.version)
        except ConflictError:
            report.busy += 1
            return
        outcome = Outcome(rec.id, "-", "failed", 0, error)
        self._log(outcome)
        report.outcomes.append(outcome)

    def _log(self, o: Outcome) -> None:
        if o.status == "sent":
            log.info("%s delivered via %s (%s)", o.notification, o.channel, o.detail)
        elif o.status == "retry":
            assert o.next_attempt is not None
            log.warning(
                "%s via %s failed (attempt %d of %d): %s; next attempt %s",
                o.notification,
                o.channel,
                o.attempts,
                self.policy.max_attempts,
                o.detail,
                format_timestamp(o.next_attempt),
            )
        else:
            log.error(
                "%s via %s given up after %d attempt(s): %s",
                o.notification,
                o.channel,
                o.attempts,
                o.detail,
            )


def _fresh(now: datetime) -> dict[str, Any]:
    return {
        "status": "pending",
        "attempts": 0,
        "next_attempt": format_timestamp(now),
        "error": None,
    }


def requeue(store: Store, nid: str, clock: Clock) -> Record:
    """Try the given-up channels of a failed notification again, from the first attempt."""
    rec = store.get_record(KIND, nid)
    if rec is None:
        raise LookupError(f"no notification {nid}")
    if rec.data["status"] != "failed":
        raise ValueError(
            f"notification {nid} is {rec.data['status']}; only failed ones are retried"
        )
    now = clock.now()
    deliveries = {
        name: d if d["status"] == "sent" else _fresh(now)
        for name, d in rec.data.get("deliveries", {}).items()
    }
    data = {**rec.data, "deliveries": deliveries, "status": "pending", "error": None}
    data.pop("finished", None)
    return store.update_record(KIND, nid, data, rec.version)
