"""The contract every log-format parser keeps."""

from __future__ import annotations

from typing import Any, Protocol

from sentinel.sources.base import RawRecord


class ParseError(ValueError):
    """The record is not in the expected format; the message says what was wrong."""


class Parser(Protocol):
    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        """Flat ECS fields for each event in the record (usually one).

        ``@timestamp`` is an aware UTC datetime. An empty list means the record is
        understood but carries no event (a CSV header). Anything else raises
        ParseError, never another exception.
        """


class Skipped(list[dict[str, Any]]):
    """No event: the record was understood and deliberately not kept.

    Equal to ``[]``, so callers that only look for events see none; the ingest
    report counts it under ``what`` (for syslog, the program that wrote the line).
    """

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what
