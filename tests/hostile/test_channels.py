"""Hostile values in alerts through every notification channel, delivered to real servers.

Email goes to an SMTP server in the test process, Slack, Teams and the generic webhook to
a local HTTP server. Each shows the value as text: no Slack mention or link from a log
value, no Markdown link in a Teams card, HTML escaped, nothing lost in the webhook JSON.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import markupsafe
import orjson
import pytest
from pytest_httpserver import HTTPServer

from sentinel.notify.email import EmailSender
from sentinel.notify.render import Renderer, mrkdwn
from sentinel.notify.webhook import WebhookSender
from sentinel.plaintext import printable
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock
from tests.hostile.corpus import VALUES
from tests.notify.conftest import queue_alert, renderer
from tests.notify.test_email import ServerFactory, ca, channel, client_tls, smtp_server
from tests.notify.test_webhook import hook

__all__ = ["ca", "client_tls", "renderer", "smtp_server"]


def blocks(card: Any) -> Iterator[dict[str, Any]]:
    """Every element of an Adaptive Card, nested ones too."""
    if isinstance(card, dict):
        yield card
        for value in card.values():
            yield from blocks(value)
    elif isinstance(card, list):
        for value in card:
            yield from blocks(value)


@pytest.mark.parametrize("name", sorted(VALUES))
def test_every_channel_shows_a_hostile_account_name_as_text(
    name: str,
    sqlite_store: SQLiteStore,
    clock: ManualClock,
    renderer: Renderer,
    smtp_server: ServerFactory,
    client_tls: ssl.SSLContext,
    httpserver: HTTPServer,
) -> None:
    user = VALUES[name]
    rec = queue_alert(sqlite_store, clock, user=user)
    message = renderer.render(rec.id, rec.data)

    mailbox, port = smtp_server()
    EmailSender(channel(port), tls=client_tls).send(message, clock.now())
    [mail] = mailbox.messages()
    subject = " ".join(mail["Subject"].split())  # folded by the mail library when long
    assert "\n" not in mail["Subject"] and " ".join(printable(user).split()) in subject
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")  # as mail carries it
    assert printable(user) in text
    html = mail.get_body(("html",)).get_content()
    assert str(markupsafe.escape(printable(user))) in html.replace("\r\n", "\n")
    assert "<script>" not in html

    for kind in ("slack", "teams", "webhook"):
        httpserver.expect_oneshot_request(f"/{kind}", method="POST").respond_with_data("ok")
        WebhookSender(hook(httpserver, kind, f"/{kind}")).send(message, clock.now())
    slack, teams, webhook = (orjson.loads(request.get_data()) for request, _ in httpserver.log)

    mrkdwn_texts = [slack["text"]] + [b["text"] for b in blocks(slack) if b.get("type") == "mrkdwn"]
    assert all("<!" not in t and "<http" not in t for t in mrkdwn_texts)
    assert mrkdwn(user[:40]) in slack["text"] or len(user) > 1000

    card = teams["attachments"][0]["content"]
    assert not [b for b in blocks(card) if b.get("type") == "FactSet"]
    assert all(user not in b["text"] for b in blocks(card) if b.get("type") == "TextBlock")
    runs = [b["text"] for b in blocks(card) if b.get("type") == "TextRun"]
    assert any(user in text for text in runs)

    assert webhook["context"]["alert"]["group"] == {"user.name": user}  # nothing lost
