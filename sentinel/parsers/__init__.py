"""Parsers: one module per log format, each turning a raw record into flat ECS fields."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, tzinfo

from sentinel.parsers.alb import AlbParser
from sentinel.parsers.base import ParseError, Parser
from sentinel.parsers.cloudtrail import CloudTrailParser
from sentinel.parsers.combined import CombinedParser
from sentinel.parsers.csvlines import CsvParser
from sentinel.parsers.journald import JournaldParser
from sentinel.parsers.jsonl import JsonlParser
from sentinel.parsers.s3access import S3AccessParser
from sentinel.parsers.sshd import SshdParser
from sentinel.parsers.syslog import SyslogParser
from sentinel.parsers.web_error import WebErrorParser

FORMATS = (
    "jsonl",
    "combined",
    "web_error",
    "alb",
    "sshd",
    "syslog",
    "journald",
    "csv",
    "cloudtrail",
    "s3access",
)

__all__ = [
    "FORMATS",
    "AlbParser",
    "CloudTrailParser",
    "CombinedParser",
    "CsvParser",
    "JournaldParser",
    "JsonlParser",
    "ParseError",
    "Parser",
    "S3AccessParser",
    "SshdParser",
    "SyslogParser",
    "WebErrorParser",
    "make_parser",
]


def make_parser(
    fmt: str,
    *,
    zone: tzinfo = UTC,
    field_map: Mapping[str, str] | None = None,
    csv_timestamp_format: str | None = None,
    year: int | None = None,
) -> Parser:
    """The parser for a source's format; a setting that does not apply to it is refused.

    ``zone`` reads timestamps that carry no offset. ``field_map`` (source field or
    column -> event field) applies to jsonl and csv; ``csv_timestamp_format`` (a
    strptime format) to csv; ``year`` (of lines that leave it out) to sshd and syslog.
    Raises ValueError naming the problem and the fix.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}; known formats: {', '.join(FORMATS)}")
    if field_map and fmt not in ("jsonl", "csv"):
        raise ValueError(
            f"field_map applies to jsonl and csv sources; the {fmt} format has fixed fields, "
            "remove field_map from this source"
        )
    if csv_timestamp_format is not None and fmt != "csv":
        raise ValueError(
            f"csv_timestamp_format applies to csv sources only; remove it from this {fmt} source"
        )
    if year is not None and fmt not in ("sshd", "syslog"):
        raise ValueError(
            f"year applies to syslog and sshd sources, whose lines leave it out; "
            f"remove it from this {fmt} source"
        )
    if fmt == "jsonl":
        return JsonlParser(zone, field_map)
    if fmt == "csv":
        return CsvParser(zone, field_map, csv_timestamp_format)
    if fmt == "sshd":
        return SshdParser(zone, year=year)
    if fmt == "syslog":
        return SyslogParser(zone, year=year)
    if fmt == "journald":
        return JournaldParser()
    if fmt == "cloudtrail":
        return CloudTrailParser(zone)
    if fmt == "s3access":
        return S3AccessParser()
    if fmt == "web_error":
        return WebErrorParser(zone)
    if fmt == "alb":
        return AlbParser()
    return CombinedParser()
