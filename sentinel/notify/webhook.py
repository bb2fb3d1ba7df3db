"""Slack and Microsoft Teams incoming webhooks, and a generic JSON webhook signed with HMAC.

Incoming-webhook URLs carry their secret in the path, so neither the URL nor
the HMAC key ever appears in an error, a log line or the store: errors name
the host only.

The generic webhook's body is JSON with the notification and its context; the
header ``X-Sentinel-Signature: sha256=<hex>`` is HMAC-SHA256 of the exact body
bytes with the channel's secret. ``X-Sentinel-Timestamp`` (Unix seconds) is
repeated as ``timestamp`` inside the body, so the signature covers it and a
receiver can refuse old (replayed) deliveries.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests

from sentinel.config import WebhookChannel
from sentinel.events import format_timestamp
from sentinel.notify.channel import DeliveryError
from sentinel.notify.render import Message

SIGNATURE_HEADER = "X-Sentinel-Signature"
TIMESTAMP_HEADER = "X-Sentinel-Timestamp"
ID_HEADER = "X-Sentinel-Notification"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_SNIPPET = 200
_CONNECTION = re.compile(r"^\w+\(host=[^)]*\): ")


class _DropSecrets(logging.Filter):
    """urllib3 logs each request line, path included, at DEBUG; webhook paths are secrets."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not any(secret in text for secret in self.secrets)


_DROP_SECRETS = _DropSecrets()
logging.getLogger("urllib3.connectionpool").addFilter(_DROP_SECRETS)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Sentinel-Signature`` value for ``body``; receivers recompute and compare."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def slack_payload(message: Message) -> dict[str, Any]:
    return message.slack


def teams_payload(message: Message) -> dict[str, Any]:
    """The Adaptive Card wrapped as a message, as Teams incoming webhooks and workflows take it."""
    return {
        "type": "message",
        "attachments": [
            {"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": message.teams}
        ],
    }


def webhook_payload(message: Message, at: datetime) -> dict[str, Any]:
    return {
        "id": message.id,
        "template": message.template,
        "title": message.title,
        "severity": message.severity,
        "link": message.link,
        "created": message.created,
        "sent": format_timestamp(at),
        "timestamp": int(at.timestamp()),
        "subject": message.subject,
        "text": message.text,
        "context": message.context,
    }


def retry_after(value: str | None, at: datetime) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - at, timedelta(0))


class WebhookSender:
    """Posts one message to one webhook channel; any failure becomes a DeliveryError."""

    def __init__(self, channel: WebhookChannel, session: requests.Session | None = None) -> None:
        self.channel = channel
        self.name = channel.name
        self._session = session or requests.Session()
        self._url = channel.url.get_secret_value()
        parts = urlsplit(self._url)
        self._host = parts.netloc.rsplit("@", 1)[-1]
        self._secrets = [s for s in (self._url, parts.path, parts.query) if len(s) > 1]
        if channel.secret is not None:
            self._secrets.append(channel.secret.get_secret_value())
        _DROP_SECRETS.secrets.update(self._secrets)

    def request(self, message: Message, at: datetime) -> tuple[bytes, dict[str, str]]:
        """The exact body and headers sent (tests and receivers check the signature on them)."""
        headers = {"Content-Type": "application/json", "User-Agent": "Sentinel"}
        kind = self.channel.kind
        if kind == "slack":
            payload = slack_payload(message)
        elif kind == "teams":
            payload = teams_payload(message)
        else:
            payload = webhook_payload(message, at)
            headers[TIMESTAMP_HEADER] = str(payload["timestamp"])
            headers[ID_HEADER] = message.id
        body = orjson.dumps(payload)
        if kind == "webhook" and self.channel.secret is not None:
            headers[SIGNATURE_HEADER] = sign(self.channel.secret.get_secret_value(), body)
        return body, headers

    def send(self, message: Message, at: datetime) -> str:
        body, headers = self.request(message, at)
        timeout = self.channel.timeout.total_seconds()
        try:
            response = self._session.post(
                self._url,
                data=body,
                headers=headers,
                timeout=timeout,
                verify=self.channel.verify_tls,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise DeliveryError(f"{self._host} did not answer within {timeout:g}s") from None
        except requests.RequestException as exc:
            raise DeliveryError(f"could not reach {self._host}: {self._reason(exc)}") from None
        answer = self._redact(response.text.strip())[:_SNIPPET]
        if 200 <= response.status_code < 300 and not self._teams_refused(answer):
            return f"HTTP {response.status_code}"
        raise DeliveryError(
            f"{self._host} answered HTTP {response.status_code}"
            + (f": {answer}" if answer else ""),
            retry_after=retry_after(response.headers.get("Retry-After"), at),
        )

    def _teams_refused(self, answer: str) -> bool:
        """Teams' older connectors answer 200 with an error text when the message was dropped."""
        return self.channel.kind == "teams" and "error" in answer.lower()

    def _reason(self, exc: requests.RequestException) -> str:
        cause: BaseException = exc
        while cause.args and isinstance(cause.args[0], BaseException):
            cause = cause.args[0]
        reason = getattr(cause, "reason", None)
        text = _CONNECTION.sub("", str(reason if isinstance(reason, BaseException) else cause))
        return self._redact(text) or type(exc).__name__

    def _redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "…")
        return text
