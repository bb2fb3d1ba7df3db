"""What every source kind yields, and how the ingest job drives it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(slots=True)
class RawRecord:
    """One unparsed record and where it came from.

    ``position`` is stable for the record's place in the source (a file's
    identity and byte offset, or the API's own id), so the event id derived from
    it is the same however often the record is read. ``label`` says the same for
    people (path and offset, page and item). ``stream`` names the file or feed the
    record belongs to: parsers that keep state (a syslog year, a CSV header) keep
    it per stream. ``reference_time`` is when the stream was last written, for
    timestamps that leave out the year. ``head`` is the stream's first line (a
    CSV header), so a parser resuming mid-file still knows it.
    """

    data: str | dict[str, Any]
    position: str
    label: str
    stream: str
    reference_time: datetime | None = None
    head: str | None = None
    refused: str | None = None
    """Why the source could not hand this record over whole (a line too long): it becomes a
    dead letter with all of ``data`` kept, without being parsed."""
    not_utf8: str | None = None
    """Where the line is not UTF-8 (its bytes are in ``data`` as ``\\xff`` escapes)."""


class SourceReader(Protocol):
    def records(self) -> Iterator[RawRecord]:
        """Records after the cursor the reader was opened with, oldest first."""

    def cursor(self) -> dict[str, Any]:
        """JSON-serialisable state after the last record ``records`` yielded."""

    def progress(self) -> tuple[int, int | None]:
        """Units done and total (bytes for files; total None when unknown), for progress bars."""


class SourceError(Exception):
    """The source cannot be read now (missing path, HTTP failure after retries)."""


class SourceDamaged(SourceError):
    """The source was read up to a point past which it is broken (a truncated ``.gz``)."""
