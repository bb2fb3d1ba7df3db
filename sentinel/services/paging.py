"""Opaque cursors for lists paged by (sort value, id): what the next page starts after."""

from __future__ import annotations

import base64
import binascii

import orjson

from sentinel.services.errors import Invalid
from sentinel.store.base import RecordKey


def encode(key: RecordKey) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode().rstrip("=")


def decode(cursor: str) -> RecordKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, last_id = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise Invalid(
            f"cursor {cursor!r} is not one a list gave out; start again without it"
        ) from None
    if not isinstance(last_id, str) or not isinstance(value, str | int | float | None):
        raise Invalid(f"cursor {cursor!r} is not one a list gave out; start again without it")
    return value, last_id
