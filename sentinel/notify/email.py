"""Email through an SMTP relay: STARTTLS or SMTPS (certificate checked), login, text and HTML.

The Message-ID is derived from the notification and the channel, so a message
sent again after a crash between sending and recording is the same message to
mail clients and archives.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from sentinel.config import EmailChannel
from sentinel.notify.channel import DeliveryError
from sentinel.notify.render import Message


def message_id(notification_id: str, channel: str, sender: str) -> str:
    digest = hashlib.blake2b(f"{notification_id}\x1f{channel}".encode(), digest_size=12).hexdigest()
    domain = parseaddr(sender)[1].rpartition("@")[2] or "sentinel.invalid"
    return f"<sentinel.{digest}@{domain}>"


class EmailSender:
    """Sends one message to one email channel's recipients; failures become DeliveryError."""

    def __init__(
        self,
        channel: EmailChannel,
        *,
        tls: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.channel = channel
        self.name = channel.name
        self._tls = tls or ssl.create_default_context(
            cafile=str(channel.ca_certs) if channel.ca_certs else None
        )
        self._local_hostname = local_hostname

    def build(self, message: Message, at: datetime) -> EmailMessage:
        c = self.channel
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = c.sender
        mail["To"] = ", ".join(c.recipients)
        mail["Date"] = format_datetime(at)
        mail["Message-ID"] = message_id(message.id, c.name, c.sender)
        mail["Auto-Submitted"] = "auto-generated"
        mail["X-Sentinel-Notification"] = message.id
        mail["X-Sentinel-Severity"] = message.severity
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        return mail

    def _connect(self) -> smtplib.SMTP:
        c = self.channel
        timeout = c.timeout.total_seconds()
        if c.ssl:
            return smtplib.SMTP_SSL(
                c.host,
                c.port,
                timeout=timeout,
                local_hostname=self._local_hostname,
                context=self._tls,
            )
        return smtplib.SMTP(c.host, c.port, timeout=timeout, local_hostname=self._local_hostname)

    def send(self, message: Message, at: datetime) -> str:
        c = self.channel
        mail = self.build(message, at)
        where = f"{c.host}:{c.port}"
        try:
            with self._connect() as smtp:
                smtp.ehlo()
                if c.starttls and not c.ssl:
                    smtp.starttls(context=self._tls)
                    smtp.ehlo()
                if c.username:
                    password = c.password.get_secret_value() if c.password else ""
                    smtp.login(c.username, password)
                refused = smtp.send_message(
                    mail, from_addr=parseaddr(c.sender)[1], to_addrs=c.recipients
                )
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"{where}: {exc} (not sending in the clear)") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"{where} refused the login of {c.username}: {_answer(exc)}"
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            refused_all = "; ".join(f"{r}: {_text(a)}" for r, a in exc.recipients.items())
            raise DeliveryError(f"{where} refused every recipient ({refused_all})") from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"{where} answered {_answer(exc)}") from None
        except smtplib.SMTPServerDisconnected as exc:
            raise DeliveryError(f"{where} closed the connection: {exc or 'no reason'}") from None
        except ssl.SSLError as exc:
            raise DeliveryError(f"{where}: TLS failed: {exc.reason or exc}") from None
        except TimeoutError:
            raise DeliveryError(f"{where} did not answer within {c.timeout}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"could not reach {where}: {exc}") from None
        receipt = f"accepted by {where} as {mail['Message-ID']}"
        if refused:
            receipt += "; refused " + ", ".join(f"{r} ({_text(a)})" for r, a in refused.items())
        return receipt


def _text(answer: tuple[int, bytes]) -> str:
    code, text = answer
    return f"{code} {text.decode(errors='replace')}"


def _answer(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"{exc.smtp_code} {text or exc.smtp_error}".strip()
