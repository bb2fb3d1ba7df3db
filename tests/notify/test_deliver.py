"""Delivery passes: channels apart, backoff on the injected clock, give-up, overlapping runs."""

from __future__ import annotations

import logging
import socket
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sentinel.config import Settings, WebhookChannel
from sentinel.notify import outbox
from sentinel.notify.channel import Sender
from sentinel.notify.deliver import Deliverer, PassReport, RetryPolicy, requeue
from sentinel.notify.render import Renderer
from sentinel.notify.webhook import WebhookSender
from sentinel.scheduler import Claim, delivery_job
from sentinel.store.base import Record, Store
from tests.conftest import ManualClock
from tests.notify.conftest import AMSTERDAM, queue_alert

HOOK = "/hooks/slack"


@pytest.fixture
def dead_url() -> str:
    """A local address where nothing listens: every attempt is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/down"


@pytest.fixture
def senders(httpserver: HTTPServer, dead_url: str) -> dict[str, Sender]:
    up = WebhookChannel(kind="slack", name="slack", url=httpserver.url_for(HOOK))
    down = WebhookChannel(kind="slack", name="down", url=dead_url)
    return {"slack": WebhookSender(up), "down": WebhookSender(down)}


def deliverer(
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    senders: dict[str, Sender],
    defaults: list[str],
    **policy: int,
) -> Deliverer:
    return Deliverer(
        store,
        renderer,
        senders,
        clock,
        default_channels=defaults,
        policy=RetryPolicy(**policy),  # type: ignore[arg-type]
    )


def note(store: Store, rec: Record) -> dict[str, Any]:
    current = store.get_record(outbox.KIND, rec.id)
    assert current is not None
    return current.data


def test_a_channel_that_is_down_does_not_hold_up_another(
    httpserver: HTTPServer,
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    senders: dict[str, Sender],
    alert_note: Record,
) -> None:
    httpserver.expect_request(HOOK).respond_with_data("ok")
    d = deliverer(store, renderer, clock, senders, ["down", "slack"])
    report = d.run_once()
    assert {(o.channel, o.status) for o in report.outcomes} == {
        ("down", "retry"),
        ("slack", "sent"),
    }
    data = note(store, alert_note)
    assert data["status"] == "pending"
    assert data["deliveries"]["slack"]["status"] == "sent"
    assert data["deliveries"]["down"]["error"].endswith("Connection refused")

    clock.advance(minutes=1)
    [again] = d.run_once().outcomes
    assert again.channel == "down" and again.attempts == 2
    assert len(httpserver.log) == 1  # Slack got the message once


def test_backoff_doubles_on_the_clock_and_the_channel_is_given_up(
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    senders: dict[str, Sender],
    alert_note: Record,
    caplog: pytest.LogCaptureFixture,
) -> None:
    d = deliverer(store, renderer, clock, senders, ["down"])
    waits = []
    with caplog.at_level(logging.WARNING, logger="sentinel.notify"):
        while True:
            report = d.run_once()
            [outcome] = report.outcomes
            if outcome.status == "failed":
                break
            assert outcome.next_attempt is not None
            waits.append(outcome.next_attempt - clock.now())
            clock.advance(waits[-1] - timedelta(seconds=1))
            assert d.run_once().outcomes == []  # a second early: nothing is tried
            clock.advance(seconds=1)
    assert [w // timedelta(minutes=1) for w in waits] == [1, 2, 4, 8, 16, 32, 60]
    assert outcome.attempts == 8
    data = note(store, alert_note)
    assert data["status"] == "failed"
    assert data["deliveries"]["down"]["status"] == "failed"
    assert "gave up 1" in report.line() and f"{alert_note.id} via down" in report.line()
    [given_up] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert given_up.getMessage().startswith(f"{alert_note.id} via down given up after 8 attempt(s)")
    clock.advance(hours=5)
    assert d.run_once().outcomes == []  # failed notifications are left alone


def test_given_up_channel_fails_the_notification_once_the_others_are_done(
    httpserver: HTTPServer,
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    senders: dict[str, Sender],
    alert_note: Record,
) -> None:
    httpserver.expect_request(HOOK).respond_with_data("ok")
    d = deliverer(store, renderer, clock, senders, ["down", "slack"], max_attempts=2)
    d.run_once()
    clock.advance(minutes=1)
    d.run_once()
    data = note(store, alert_note)
    assert data["status"] == "failed"
    assert {n: x["status"] for n, x in data["deliveries"].items()} == {
        "down": "failed",
        "slack": "sent",
    }

    requeue(store, alert_note.id, clock)
    [outcome] = d.run_once().outcomes
    assert (outcome.channel, outcome.attempts) == ("down", 1)
    assert len(httpserver.log) == 1  # Slack is not sent again


def test_rule_channels_win_over_the_default_ones(
    httpserver: HTTPServer,
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    senders: dict[str, Sender],
) -> None:
    httpserver.expect_request(HOOK).respond_with_data("ok")
    rec = queue_alert(store, clock, channels=("slack",))
    report = deliverer(store, renderer, clock, senders, ["down"]).run_once()
    assert [(o.notification, o.channel, o.status) for o in report.outcomes] == [
        (rec.id, "slack", "sent")
    ]
    assert note(store, rec)["status"] == "sent"


def test_nowhere_to_send_is_reported_not_retried(
    store: Store, renderer: Renderer, clock: ManualClock, alert_note: Record
) -> None:
    d = deliverer(store, renderer, clock, {}, [])
    [outcome] = d.run_once().outcomes
    assert outcome.status == "failed"
    assert "default_channels is empty" in outcome.detail
    assert note(store, alert_note)["status"] == "failed"
    assert d.run_once().outcomes == []


def test_a_channel_missing_from_settings_is_named(
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    senders: dict[str, Sender],
) -> None:
    queue_alert(store, clock, channels=("pager",))
    [outcome] = deliverer(store, renderer, clock, senders, []).run_once().outcomes
    assert outcome.status == "retry"
    assert outcome.detail == "no channel named 'pager' in settings (channels: down, slack)"


def test_a_template_error_is_recorded_and_retried(
    tmp_path: Path,
    store: Store,
    clock: ManualClock,
    senders: dict[str, Sender],
    alert_note: Record,
) -> None:
    broken = Renderer(AMSTERDAM, "https://s.example", tmp_path)
    [outcome] = deliverer(store, broken, clock, senders, ["slack"]).run_once().outcomes
    assert outcome.status == "retry"
    assert outcome.detail.startswith("cannot render: ")
    assert "alert.subject.txt: missing" in outcome.detail


def test_overlapping_passes_send_once(
    httpserver: HTTPServer,
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    senders: dict[str, Sender],
    alert_note: Record,
) -> None:
    """A second pass starts while the first is still talking to Slack."""
    first = deliverer(store, renderer, clock, senders, ["slack"])
    second = deliverer(store, renderer, clock, senders, ["slack"])
    during: list[PassReport] = []

    def slack(request: Request) -> Response:
        during.append(second.run_once())
        return Response("ok")

    httpserver.expect_request(HOOK).respond_with_handler(slack)
    [outcome] = first.run_once().outcomes
    assert outcome.status == "sent"
    [overlap] = during
    assert overlap.outcomes == [] and overlap.waiting == 1
    assert len(httpserver.log) == 1
    assert second.run_once().outcomes == []


def test_a_stale_version_loses_the_claim(
    httpserver: HTTPServer,
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    senders: dict[str, Sender],
    alert_note: Record,
) -> None:
    """Two passes read the same version; the one that writes second sends nothing."""
    httpserver.expect_request(HOOK).respond_with_data("ok")
    d = deliverer(store, renderer, clock, senders, ["slack"])
    stale = store.get_record(outbox.KIND, alert_note.id)
    assert stale is not None
    d.run_once()
    late = PassReport()
    d.deliver(stale, late)
    assert (late.busy, late.outcomes) == (1, [])
    assert len(httpserver.log) == 1


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_lease(
    httpserver: HTTPServer,
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    senders: dict[str, Sender],
    alert_note: Record,
) -> None:
    httpserver.expect_request(HOOK).respond_with_data("ok")
    stamp = "2026-03-10T12:00:00.000Z"
    claimed = {"status": "sending", "attempts": 0, "claimed": stamp, "worker": "gone:1"}
    store.put_record(
        outbox.KIND, alert_note.id, {**alert_note.data, "deliveries": {"slack": claimed}}
    )
    d = deliverer(store, renderer, clock, senders, ["slack"])
    clock.advance(minutes=9)
    assert d.run_once().outcomes == []
    clock.advance(minutes=1)
    [outcome] = d.run_once().outcomes
    assert outcome.status == "sent"
    assert len(httpserver.log) == 1


def test_the_service_job_delivers_from_settings(
    httpserver: HTTPServer, store: Store, clock: ManualClock, alert_note: Record
) -> None:
    httpserver.expect_request(HOOK).respond_with_data("ok")
    settings = Settings(
        channels=[{"kind": "slack", "name": "slack", "url": httpserver.url_for(HOOK)}],
        default_channels=["slack"],
        base_url="https://sentinel.example.nl",
    )
    stopping = threading.Event()
    job = delivery_job(settings, store, clock)
    claim = Claim(None, stopping.is_set)
    stopping.set()
    assert job.run(claim).startswith("sent 0,")  # asked to stop: nothing started
    stopping.clear()
    assert job.run(claim) == "sent 1, retrying 0, gave up 0, waiting 0, busy 0"
    body = httpserver.log[0][0].get_json()
    assert body["blocks"][3]["elements"][0]["url"].startswith("https://sentinel.example.nl/alerts/")


def test_retry_settings_decide_how_long_a_failing_channel_is_tried(
    httpserver: HTTPServer, store: Store, clock: ManualClock, alert_note: Record
) -> None:
    httpserver.expect_request(HOOK).respond_with_data("down", status=503)
    settings = Settings(
        channels=[{"kind": "slack", "name": "slack", "url": httpserver.url_for(HOOK)}],
        default_channels=["slack"],
        notify={"attempts": 2, "first_retry": "5m"},
    )
    d = Deliverer.from_settings(settings, store, clock)
    [first] = d.run_once().outcomes
    assert first.status == "retry"
    assert first.next_attempt == clock.now() + timedelta(minutes=5)
    clock.advance(minutes=5)
    [second] = d.run_once().outcomes
    assert second.status == "failed"
    assert len(httpserver.log) == 2
