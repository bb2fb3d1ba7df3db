"""What goes wrong with drafts, as exceptions whose message says which draft and why."""

from __future__ import annotations


class DraftError(Exception):
    """A draft could not be made, stored or approved; the message says which and why."""


class DraftNotFound(DraftError):
    """No draft with that id."""
