"""Email to a real SMTP server in the test process (aiosmtpd), with STARTTLS and login."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from sentinel.config import EmailChannel
from sentinel.notify.channel import DeliveryError
from sentinel.notify.deliver import Deliverer
from sentinel.notify.email import EmailSender, message_id
from sentinel.notify.render import Message, Renderer
from sentinel.store.base import Record, Store
from tests.conftest import ManualClock

USER, PASSWORD = "sentinel", "s3cret-relay-pw"


@dataclass
class Mailbox:
    """The SMTP server's side: what it accepted, and whether it is refusing for now."""

    received: list[Envelope] = field(default_factory=list)
    busy: bool = False

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.busy:
            return "451 4.3.0 Mail queue full, try again later"
        self.received.append(envelope)
        return "250 2.0.0 Accepted"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.original_content or b"", policy=email.policy.default)  # type: ignore[misc]
            for e in self.received
        ]


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        _str(auth_data.login),
        _str(auth_data.password),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False)


def _str(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


ServerFactory = Callable[..., tuple[Mailbox, int]]


@pytest.fixture
def smtp_server(ca: trustme.CA) -> Iterator[ServerFactory]:
    """Starts aiosmtpd servers on free local ports; STARTTLS and AUTH required unless told."""
    running: list[Controller] = []

    def start(*, tls: bool = True) -> tuple[Mailbox, int]:
        mailbox, port = Mailbox(), _free_port()
        options: dict[str, Any] = {
            "authenticator": _authenticate,
            "auth_required": tls,
            "auth_require_tls": tls,
        }
        if tls:
            server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1").configure_cert(server_tls)
            options.update(tls_context=server_tls, require_starttls=True)
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        running.append(controller)
        return mailbox, port

    yield start
    for controller in running:
        controller.stop()


def channel(port: int, **changes: Any) -> EmailChannel:
    fields: dict[str, Any] = {
        "name": "security-mail",
        "host": "127.0.0.1",
        "port": port,
        "username": USER,
        "password": PASSWORD,
        "sender": "Sentinel <sentinel@example.nl>",
        "recipients": ["security@example.nl", "fg@example.nl"],
        "timeout": "5s",
    }
    return EmailChannel(**{**fields, **changes})


def test_alert_arrives_over_starttls_with_login_as_text_and_html(
    smtp_server: ServerFactory,
    client_tls: ssl.SSLContext,
    alert_message: Message,
    clock: ManualClock,
) -> None:
    mailbox, port = smtp_server()
    receipt = EmailSender(channel(port), tls=client_tls).send(alert_message, clock.now())

    [envelope] = mailbox.received
    assert envelope.mail_from == "sentinel@example.nl"
    assert envelope.rcpt_tos == ["security@example.nl", "fg@example.nl"]
    [mail] = mailbox.messages()
    assert mail["Subject"] == alert_message.subject
    assert mail["To"] == "security@example.nl, fg@example.nl"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Date"] == "Tue, 10 Mar 2026 12:00:00 +0000"
    expected_id = message_id(alert_message.id, "security-mail", "sentinel@example.nl")
    assert mail["Message-ID"] == expected_id and expected_id.endswith("@example.nl>")
    assert expected_id in receipt
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    assert "account m.bakker" in text.get_content()
    assert "2026-03-10 12:01:00 CET" in text.get_content()
    assert f'href="{alert_message.link}"' in html.get_content()


def test_the_same_notification_keeps_its_message_id(
    smtp_server: ServerFactory,
    client_tls: ssl.SSLContext,
    alert_message: Message,
    clock: ManualClock,
) -> None:
    mailbox, port = smtp_server()
    sender = EmailSender(channel(port), tls=client_tls)
    sender.send(alert_message, clock.now())
    sender.send(alert_message, clock.advance(minutes=5))
    first, second = mailbox.messages()
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Date"] != second["Date"]


def test_wrong_password_is_refused_without_showing_it(
    smtp_server: ServerFactory,
    client_tls: ssl.SSLContext,
    alert_message: Message,
    clock: ManualClock,
) -> None:
    mailbox, port = smtp_server()
    sender = EmailSender(channel(port, password="wrong-pw-123"), tls=client_tls)
    with pytest.raises(DeliveryError) as refused:
        sender.send(alert_message, clock.now())
    assert refused.value.reason.startswith(f"127.0.0.1:{port} refused the login of sentinel: 535")
    assert "wrong-pw-123" not in refused.value.reason
    assert mailbox.received == []


def test_untrusted_certificate_is_refused(
    smtp_server: ServerFactory, alert_message: Message, clock: ManualClock
) -> None:
    mailbox, port = smtp_server()
    with pytest.raises(DeliveryError, match="TLS failed: CERTIFICATE_VERIFY_FAILED"):
        EmailSender(channel(port)).send(alert_message, clock.now())
    assert mailbox.received == []


def test_a_server_without_starttls_gets_nothing_in_the_clear(
    smtp_server: ServerFactory,
    client_tls: ssl.SSLContext,
    alert_message: Message,
    clock: ManualClock,
) -> None:
    mailbox, port = smtp_server(tls=False)
    with pytest.raises(DeliveryError, match=r"STARTTLS extension not supported.*in the clear"):
        EmailSender(channel(port), tls=client_tls).send(alert_message, clock.now())
    assert mailbox.received == []


def test_nobody_listening_is_a_delivery_error(
    client_tls: ssl.SSLContext, alert_message: Message, clock: ManualClock
) -> None:
    port = _free_port()
    with pytest.raises(DeliveryError, match=f"could not reach 127.0.0.1:{port}: .*refused"):
        EmailSender(channel(port), tls=client_tls).send(alert_message, clock.now())


def test_a_refusing_server_is_tried_again_later_and_then_delivers(
    smtp_server: ServerFactory,
    client_tls: ssl.SSLContext,
    store: Store,
    clock: ManualClock,
    renderer: Renderer,
    alert_note: Record,
) -> None:
    mailbox, port = smtp_server()
    mailbox.busy = True
    deliverer = Deliverer(
        store,
        renderer,
        {"security-mail": EmailSender(channel(port), tls=client_tls)},
        clock,
        default_channels=["security-mail"],
    )
    [outcome] = deliverer.run_once().outcomes
    assert outcome.status == "retry"
    assert outcome.detail == f"127.0.0.1:{port} answered 451 4.3.0 Mail queue full, try again later"
    assert outcome.next_attempt == clock.now() + timedelta(minutes=1)

    mailbox.busy = False
    clock.advance(seconds=30)
    assert deliverer.run_once().waiting == 1  # not due yet: nothing is sent
    assert mailbox.received == []
    clock.advance(seconds=30)
    [outcome] = deliverer.run_once().outcomes
    assert (outcome.status, outcome.attempts) == ("sent", 2)
    assert len(mailbox.received) == 1
    rec = store.get_record("notification", alert_note.id)
    assert rec is not None and rec.data["status"] == "sent"
    assert PASSWORD not in str(rec.data)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtps_relay_signed_by_a_private_ca_given_in_settings(
    ca: trustme.CA, tmp_path: Path, alert_message: Message, clock: ManualClock
) -> None:
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    mailbox, port = Mailbox(), _free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=server_tls,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=False,  # aiosmtpd only counts STARTTLS; the socket is TLS already
    )
    controller.start()
    try:
        bundle = tmp_path / "relay-ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            EmailSender(channel(port, ssl=True)).send(alert_message, clock.now())
        receipt = EmailSender(channel(port, ssl=True, ca_certs=bundle)).send(
            alert_message, clock.now()
        )
    finally:
        controller.stop()
    assert "accepted by 127.0.0.1" in receipt
    [mail] = mailbox.messages()
    assert mail["Subject"] == alert_message.subject
