"""Slack, Teams and signed JSON webhooks against a real local HTTP server (pytest-httpserver)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sentinel.config import WebhookChannel
from sentinel.notify.channel import DeliveryError
from sentinel.notify.deliver import Deliverer
from sentinel.notify.render import Message, Renderer
from sentinel.notify.webhook import (
    ADAPTIVE_CARD,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSender,
    retry_after,
)
from sentinel.store.base import Record, Store
from tests.conftest import ManualClock

SLACK_PATH = "/services/T0SECURE/B0ALERTS/xoxSecretToken123"
HMAC_KEY = "shared-hmac-key-42"


def hook(
    httpserver: HTTPServer, kind: str, path: str = SLACK_PATH, **changes: Any
) -> WebhookChannel:
    fields: dict[str, Any] = {
        "kind": kind,
        "name": f"{kind}-security",
        "url": httpserver.url_for(path),
        "timeout": "5s",
    }
    if kind == "webhook":
        fields["secret"] = HMAC_KEY
    return WebhookChannel(**{**fields, **changes})


def test_slack_gets_blocks_with_the_alert_facts_and_link(
    httpserver: HTTPServer, alert_message: Message, clock: ManualClock
) -> None:
    httpserver.expect_oneshot_request(SLACK_PATH, method="POST").respond_with_data("ok")
    receipt = WebhookSender(hook(httpserver, "slack")).send(alert_message, clock.now())
    assert receipt == "HTTP 200"
    [(request, _)] = httpserver.log
    assert request.headers["Content-Type"] == "application/json"
    body = orjson.loads(request.get_data())
    assert body["text"].startswith("[HIGH] Bulk viewing of member records by one account")
    header, summary, facts, actions, context = body["blocks"]
    assert header == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "[HIGH] Bulk viewing of member records by one account",
        },
    }
    assert summary["text"]["text"] == "312 distinct member.id within 1h for user.name=m.bakker"
    assert {f["text"] for f in facts["fields"]} >= {
        "*Severity*\nhigh",
        "*Who*\naccount m.bakker",
        "*First event*\n2026-03-10 12:01:00 CET",
        "*Personal data*\ncontact details, identity data (name, date of birth)",
    }
    assert actions["elements"][0]["url"] == alert_message.link
    assert context["type"] == "context"


def test_teams_gets_an_adaptive_card_message(
    httpserver: HTTPServer, alert_message: Message, clock: ManualClock
) -> None:
    httpserver.expect_oneshot_request("/webhookb2/abc", method="POST").respond_with_data(
        "", status=202
    )
    WebhookSender(hook(httpserver, "teams", "/webhookb2/abc")).send(alert_message, clock.now())
    body = orjson.loads(httpserver.log[0][0].get_data())
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][1] == {  # a text run: Teams reads no Markdown in it
        "type": "RichTextBlock",
        "inlines": [
            {
                "type": "TextRun",
                "text": "Bulk viewing of member records by one account",
                "size": "Large",
                "weight": "Bolder",
            }
        ],
    }
    assert card["actions"][0]["url"] == alert_message.link


def test_teams_error_text_with_200_is_a_failure(
    httpserver: HTTPServer, alert_message: Message, clock: ManualClock
) -> None:
    httpserver.expect_oneshot_request("/webhookb2/abc").respond_with_data(
        "Webhook message delivery failed with error: "
        "Microsoft Teams endpoint returned HTTP error 413"
    )
    with pytest.raises(DeliveryError, match="answered HTTP 200: Webhook message delivery failed"):
        WebhookSender(hook(httpserver, "teams", "/webhookb2/abc")).send(alert_message, clock.now())


def _verify(request: Request) -> Response:
    """What a receiver does: recompute the HMAC over the raw body and compare."""
    body = request.get_data()
    expected = "sha256=" + hmac.new(HMAC_KEY.encode(), body, hashlib.sha256).hexdigest()
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not hmac.compare_digest(expected, given):
        return Response("bad signature", status=401)
    if orjson.loads(body)["timestamp"] != int(request.headers[TIMESTAMP_HEADER]):
        return Response("timestamp not signed", status=401)
    return Response("accepted", status=200)


def test_generic_webhook_is_signed_over_the_body_with_its_timestamp(
    httpserver: HTTPServer, alert_message: Message, clock: ManualClock
) -> None:
    httpserver.expect_request("/hooks/sentinel").respond_with_handler(_verify)
    sender = WebhookSender(hook(httpserver, "webhook", "/hooks/sentinel"))
    assert sender.send(alert_message, clock.now()) == "HTTP 200"
    request = httpserver.log[0][0]
    assert request.headers[TIMESTAMP_HEADER] == str(int(clock.now().timestamp()))
    assert request.headers["X-Sentinel-Notification"] == alert_message.id
    body = orjson.loads(request.get_data())
    assert body["id"] == alert_message.id
    assert body["severity"] == "high"
    assert body["link"] == alert_message.link
    assert body["context"]["alert"]["categories"] == ["contact", "identity"]
    assert body["sent"] == "2026-03-10T12:00:00.000Z"

    wrong_key = hook(httpserver, "webhook", "/hooks/sentinel", secret="not-the-key")
    with pytest.raises(DeliveryError, match="answered HTTP 401: bad signature"):
        WebhookSender(wrong_key).send(alert_message, clock.now())


def _deliverer(
    store: Store, renderer: Renderer, clock: ManualClock, channel: WebhookChannel
) -> Deliverer:
    return Deliverer(
        store,
        renderer,
        {channel.name: WebhookSender(channel)},
        clock,
        default_channels=[channel.name],
    )


def test_500_is_retried_after_the_backoff_and_then_succeeds(
    httpserver: HTTPServer,
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    alert_note: Record,
) -> None:
    httpserver.expect_ordered_request(SLACK_PATH).respond_with_data("boom", status=500)
    httpserver.expect_ordered_request(SLACK_PATH).respond_with_data("ok")
    deliverer = _deliverer(store, renderer, clock, hook(httpserver, "slack"))

    [first] = deliverer.run_once().outcomes
    assert (first.status, first.detail) == (
        "retry",
        f"{httpserver.host}:{httpserver.port} answered HTTP 500: boom",
    )
    assert first.next_attempt == clock.now() + timedelta(minutes=1)
    clock.advance(minutes=1)
    [second] = deliverer.run_once().outcomes
    assert (second.status, second.attempts) == ("sent", 2)
    httpserver.check_assertions()
    rec = store.get_record("notification", alert_note.id)
    assert rec is not None
    assert rec.data["status"] == "sent"
    assert rec.data["deliveries"]["slack-security"]["receipt"] == "HTTP 200"


def test_429_waits_as_long_as_the_receiver_asks(
    httpserver: HTTPServer,
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    alert_note: Record,
) -> None:
    httpserver.expect_oneshot_request(SLACK_PATH).respond_with_data(
        "rate_limited", status=429, headers={"Retry-After": "300"}
    )
    deliverer = _deliverer(store, renderer, clock, hook(httpserver, "slack"))
    [outcome] = deliverer.run_once().outcomes
    assert outcome.status == "retry"
    assert "HTTP 429: rate_limited" in outcome.detail
    assert outcome.next_attempt == clock.now() + timedelta(minutes=5)
    clock.advance(minutes=4)
    assert deliverer.run_once().waiting == 1
    assert len(httpserver.log) == 1


def test_retry_after_as_seconds_or_http_date(clock: ManualClock) -> None:
    now = clock.now()
    assert retry_after("120", now) == timedelta(minutes=2)
    assert retry_after("Tue, 10 Mar 2026 12:10:00 GMT", now) == timedelta(minutes=10)
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        yield int(s.getsockname()[1])


def test_no_answer_in_time_is_a_delivery_error(
    silent_port: int, alert_message: Message, clock: ManualClock
) -> None:
    channel = WebhookChannel(
        kind="slack", name="slack", url=f"http://127.0.0.1:{silent_port}/x", timeout="200ms"
    )
    with pytest.raises(DeliveryError, match=f"127.0.0.1:{silent_port} did not answer within 0.2s"):
        WebhookSender(channel).send(alert_message, clock.now())


def test_webhook_url_and_hmac_key_never_reach_errors_logs_or_the_store(
    httpserver: HTTPServer,
    store: Store,
    renderer: Renderer,
    clock: ManualClock,
    alert_note: Record,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The receiver echoes the path it was called on, as some proxies do in their errors.
    httpserver.expect_request(SLACK_PATH).respond_with_handler(
        lambda r: Response(f"no such hook {r.path} (key {HMAC_KEY})", status=404)
    )
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead_port = closed.getsockname()[1]
    dead_url = f"http://127.0.0.1:{dead_port}{SLACK_PATH}"
    closed.close()
    echoing = hook(httpserver, "webhook", SLACK_PATH, name="echo")
    dead = WebhookChannel(kind="slack", name="dead", url=dead_url, timeout="5s")
    deliverer = Deliverer(
        store,
        renderer,
        {"echo": WebhookSender(echoing), "dead": WebhookSender(dead)},
        clock,
        default_channels=["echo", "dead"],
    )
    with caplog.at_level(logging.DEBUG):
        outcomes = deliverer.run_once().outcomes
    details = {o.channel: o.detail for o in outcomes}
    assert (
        details["echo"]
        == f"{httpserver.host}:{httpserver.port} answered HTTP 404: no such hook … (key …)"
    )
    assert details["dead"].startswith(f"could not reach 127.0.0.1:{dead_port}: Failed to establish")
    assert details["dead"].endswith("Connection refused")
    stored = str(store.get_record("notification", alert_note.id))
    # The test server's own access log (werkzeug) is the receiver's, not Sentinel's.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
    assert "Starting new HTTP connection" in ours  # urllib3's debug lines were captured
    for secret in ("xoxSecretToken123", "B0ALERTS", HMAC_KEY):
        assert secret not in ours
        assert secret not in stored
        assert all(secret not in d for d in details.values())
