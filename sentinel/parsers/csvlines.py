"""CSV lines with a header: columns mapped to event fields by the source's field map.

The header is the stream's first line (``RawRecord.head``), so a reader resuming
mid-file still knows the columns; the header record itself gives no event.
Each column goes to the field ``field_map`` names for it; a column without a
mapping keeps its name when that is an event field Sentinel takes from a source
(``user.name``), and otherwise goes to ``labels.<column>`` — the same rule as for
JSON lines. The timestamp is the column mapped to ``@timestamp``, read with
``csv_timestamp_format`` (strptime) when given, else as ISO 8601 or epoch
seconds/milliseconds; a time without offset is in the source's zone.

Empty cells give no field. Cells for number fields (``http.response.status_code``,
``source.port``, ``sentinel.records`` …) become integers; cells for list fields
(``event.category``, ``event.type``, ``user.roles``) are split on ``;``.
A record is one line: quoted cells spanning lines are not supported.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sentinel.events import TIMESTAMP, parse_timestamp
from sentinel.parsers.base import ParseError, Skipped
from sentinel.parsers.fields import check_field_map, source_field
from sentinel.sources.base import RawRecord

_INT_FIELDS = frozenset(
    {
        "http.response.status_code",
        "http.response.body.bytes",
        "source.port",
        "process.pid",
        "sentinel.records",
    }
)
_LIST_FIELDS = frozenset({"event.category", "event.type", "user.roles"})
_HEADERS_KEPT = 64


def _text(value: str) -> Any:
    return value


def _integer(value: str) -> Any:
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise ValueError("beyond 64 bits")
    return number


def _items(value: str) -> Any:
    return [item.strip() for item in value.split(";") if item.strip()]


@dataclass(frozen=True, slots=True)
class _Layout:
    """What one header means: per column its field and how its cells are read."""

    columns: tuple[str, ...]
    fields: tuple[str, ...]
    readers: tuple[Callable[[str], Any], ...]
    timestamp: int | None


def _row(line: str) -> list[str]:
    try:
        return next(csv.reader((line,), strict=True), [])
    except csv.Error as exc:
        raise ParseError(f"not a CSV line: {exc}") from None


class CsvParser:
    """Parses CSV lines against the header of their stream."""

    __slots__ = ("_format", "_layouts", "_map", "_zone")

    def __init__(
        self,
        zone: tzinfo = UTC,
        field_map: Mapping[str, str] | None = None,
        timestamp_format: str | None = None,
    ) -> None:
        self._map = dict(field_map or {})
        check_field_map(self._map)
        self._zone = zone
        self._format = timestamp_format
        self._layouts: dict[str, _Layout] = {}

    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        line = record.data
        if not isinstance(line, str):
            raise ParseError("a CSV record must be a line of text")
        head = record.head
        if head is None:
            raise ParseError("no header line known for this CSV stream")
        if line == head:
            return Skipped("header")
        layout = self._layouts.get(head) or self._layout(head)
        if layout.timestamp is None:
            raise ParseError(
                f"no column maps to {TIMESTAMP}: the header has {', '.join(layout.columns)}; "
                "set field_map to map one of them"
            )
        cells = _row(line.rstrip("\r\n"))
        if len(cells) != len(layout.columns):
            raise ParseError(
                f"expected {len(layout.columns)} columns as in the header, found {len(cells)}"
            )
        fields: dict[str, Any] = {}
        for column, name, read, cell in zip(
            layout.columns, layout.fields, layout.readers, cells, strict=True
        ):
            if cell == "":
                continue
            try:
                fields[name] = read(cell)
            except ValueError:
                raise ParseError(
                    f"column {column!r}: {cell[:40]!r} is not a 64-bit whole number"
                ) from None
        fields[TIMESTAMP] = self._time(layout.columns[layout.timestamp], cells[layout.timestamp])
        return [fields]

    def _layout(self, head: str) -> _Layout:
        columns = tuple(c.strip() for c in _row(head.removeprefix("\ufeff").rstrip("\r\n")))
        fields = tuple(self._map.get(c) or source_field(c) for c in columns)
        readers = tuple(
            _integer if f in _INT_FIELDS else _items if f in _LIST_FIELDS else _text for f in fields
        )
        timestamp = fields.index(TIMESTAMP) if TIMESTAMP in fields else None
        layout = _Layout(columns, fields, readers, timestamp)
        if len(self._layouts) >= _HEADERS_KEPT:
            del self._layouts[next(iter(self._layouts))]
        self._layouts[head] = layout
        return layout

    def _time(self, column: str, cell: str) -> datetime:
        if not cell:
            raise ParseError(f"column {column!r} ({TIMESTAMP}) is empty")
        try:
            if self._format is None:
                return parse_timestamp(cell, self._zone)
            when = datetime.strptime(cell, self._format)
            if when.tzinfo is None:
                when = when.replace(tzinfo=self._zone)
            return when.astimezone(UTC)
        except (ValueError, OverflowError, OSError):
            expected = (
                f"the format {self._format!r}"
                if self._format
                else "ISO 8601 or epoch seconds/milliseconds"
            )
            raise ParseError(
                f"column {column!r} ({TIMESTAMP}): {cell[:40]!r} is not a time in {expected}"
            ) from None
