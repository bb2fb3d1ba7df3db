"""What every delivery channel shares: how it is called and how it fails."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the templates load with the renderer, not with every channel
    from sentinel.notify.render import Message


class DeliveryError(Exception):
    """A channel did not take the message; the text is safe to store and show (no secrets)."""

    def __init__(self, reason: str, *, retry_after: timedelta | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        """How long the receiver asked us to wait (HTTP 429/503 ``Retry-After``)."""


class Sender(Protocol):
    name: str

    def send(self, message: Message, at: datetime) -> str:
        """Deliver or raise DeliveryError; returns a short receipt (server answer, ids)."""
