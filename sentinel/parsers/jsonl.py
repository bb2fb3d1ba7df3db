"""JSON lines: one event per line, ECS nested or dotted, optionally renamed by a field map.

A line's fields are handled in this order:

1. nested objects are flattened to dotted names (``{"user": {"name": "x"}}`` is ``user.name``);
2. ``field_map`` renames source fields (by their dotted name) to event fields;
3. a field that is not one Sentinel takes from a source — not in docs/events.md, or
   one Sentinel derives itself such as ``sentinel.account.inactive`` or
   ``sentinel.local.hour`` — is kept as ``labels.<name>``, so a log line cannot forge
   what rules rely on. A source field named like the target of a mapping is kept
   the same way: the mapped field wins.

``@timestamp`` (after mapping) is required: ISO 8601, epoch seconds/milliseconds
(a number, or text with a fraction as Caddy writes it) or the web servers'
``11/Mar/2026:02:00:01 +0100`` (nginx's ``$time_local`` in a JSON access log), read in
the source's zone when it has no offset. ``event.id`` is kept as the
source's own id, from which the pipeline derives the event id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, tzinfo
from typing import Any

import orjson

from sentinel.events import TIMESTAMP, parse_timestamp
from sentinel.parsers.base import ParseError
from sentinel.parsers.fields import LABELS, check_field_map, source_field
from sentinel.sources.base import RawRecord

_NAME_CACHE_MAX = 4096
MAX_DEPTH = 32
"""Deeper nesting is refused rather than followed: no ECS field is nested that deep."""


class JsonlParser:
    """Parses JSON lines (or JSON objects an HTTP source already decoded) into events."""

    __slots__ = ("_map", "_names", "_targets", "_ts_name", "_zone")

    def __init__(self, zone: tzinfo = UTC, field_map: Mapping[str, str] | None = None) -> None:
        self._map = dict(field_map or {})
        check_field_map(self._map)
        self._zone = zone
        self._targets = frozenset(self._map.values())
        self._names: dict[str, str] = {}
        mapped = [source for source, target in self._map.items() if target == TIMESTAMP]
        self._ts_name = f"{TIMESTAMP} (mapped from {', '.join(mapped)})" if mapped else TIMESTAMP

    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        data = record.data
        if isinstance(data, str):
            try:
                doc = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                raise ParseError(f"not JSON: {exc}") from None
        else:
            # Objects decoded elsewhere (requests uses the json module) may hold what
            # the store cannot write, such as integers beyond 64 bits: normalise them.
            try:
                doc = orjson.loads(orjson.dumps(data))
            except TypeError as exc:
                raise ParseError(f"not JSON-serialisable: {exc}") from None
        if not isinstance(doc, dict):
            raise ParseError(f"not a JSON object but {type(doc).__name__}")
        fields = self._flatten(doc)
        raw = fields.pop(TIMESTAMP, None)
        if raw is None:
            raise ParseError(f"no {self._ts_name}")
        try:
            fields[TIMESTAMP] = parse_timestamp(raw, self._zone)
        except (ValueError, TypeError, OverflowError, OSError):
            shown = repr(raw)[:80]
            raise ParseError(
                f"bad {self._ts_name} {shown}: expected ISO 8601, epoch seconds/milliseconds "
                "or a web server's dd/Mon/yyyy:HH:MM:SS +hhmm"
            ) from None
        return [fields]

    def _flatten(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Nested objects to dotted event fields, in one pass without recursion.

        Like ``sentinel.events.flatten`` but renaming as it goes and testing for
        ``dict`` (all JSON gives) rather than the ``Mapping`` ABC: this is the hot
        loop of JSON ingest, where a call per nested object costs more than the decode.
        """
        names = self._names
        into: dict[str, Any] = {}
        pending: list[tuple[str, dict[str, Any], int]] = [("", doc, 0)]
        while pending:
            prefix, obj, depth = pending.pop()
            for key, value in obj.items():
                dotted = prefix + key
                if type(value) is dict:
                    if depth >= MAX_DEPTH:
                        raise ParseError(f"objects nested more than {MAX_DEPTH} deep")
                    pending.append((dotted + ".", value, depth + 1))
                    continue
                name = names.get(dotted)
                if name is None:
                    name = self._name(dotted)
                into[name] = value
        return into

    def _name(self, key: str) -> str:
        mapped = self._map.get(key)
        if mapped is not None:
            name = mapped
        elif key in self._targets:
            name = LABELS + key
        else:
            name = source_field(key)
        if len(self._names) < _NAME_CACHE_MAX:
            self._names[key] = name
        return name
