"""Apache/nginx access logs in the combined (or common) log format, to ECS web events.

``%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"``; the common format
stops after the size, and fields after the user agent (nginx extras) are ignored.
Apache's ``vhost_combined`` (``%v:%p`` first, Debian's ``other_vhosts_access.log``)
is read too: the virtual host and port go to ``destination.domain`` and
``destination.port``, so the client is still the second field and not mistaken for
a host name.
Quotes and backslashes inside quoted fields come escaped (``\\"``, ``\\\\``) and
are unescaped; ``\\xhh`` escapes of other bytes are kept as written.

The request line gives ``http.*`` and ``url.*`` (``sentinel.parsers.web_request``);
one that is not ``METHOD target [HTTP/x]`` (a TLS handshake sent to a plain port, a
timed-out ``-``) still gives an event, with the request as logged in
``labels.request``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel.events import TIMESTAMP
from sentinel.parsers.base import ParseError
from sentinel.parsers.fields import address_field
from sentinel.parsers.web_request import request_fields
from sentinel.sources.base import RawRecord

_QUOTED = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
_TS = r"(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})"
_STATUS_SIZE = r"(\d{3}|-) (\d{1,18}|-)"  # a larger size is not believed (nor storable)
_VHOST = r"(?:([^\s:\[\]\"]+):(\d{1,5}) (?=\S+ \S+ \S))?"  # one colon: never an IPv6 client
_LINE = re.compile(
    rf"{_VHOST}(\S+) \S+ (.*?) \[{_TS}\] {_QUOTED} {_STATUS_SIZE}(?: {_QUOTED} {_QUOTED}(?: .*)?)?",
    re.ASCII | re.DOTALL,
)
_UNESCAPE = re.compile(r'\\(["\\])')
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}

# Steps of the line, each checked only when the whole line fails, to say which part is wrong.
_DIAGNOSIS = (
    (
        re.compile(r"\S+ \S+ .*? \[", re.ASCII | re.DOTALL),
        "no '[' opening the time after host, ident and user",
    ),
    (
        re.compile(r"\S+ \S+ .*? \[" + _TS + r"\] ", re.ASCII | re.DOTALL),
        "time is not [dd/Mon/yyyy:HH:MM:SS +hhmm]",
    ),
    (
        re.compile(rf"\S+ \S+ .*? \[[^\]]*\] {_QUOTED} ", re.ASCII | re.DOTALL),
        "request is not a quoted string",
    ),
    (
        re.compile(
            rf"\S+ \S+ .*? \[[^\]]*\] {_QUOTED} {_STATUS_SIZE}(?: |$)",
            re.ASCII | re.DOTALL,
        ),
        "status and size are not numbers or '-'",
    ),
)
_TAIL = "referrer and user agent are not two quoted strings"


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text) if "\\" in text else text


def _diagnose(line: str) -> str:
    for pattern, reason in _DIAGNOSIS:
        if not pattern.match(line):
            return reason
    return _TAIL


class CombinedParser:
    """Parses combined/common log format lines; one event per line."""

    __slots__ = ("_last_text", "_last_time", "_offsets")

    def __init__(self) -> None:
        self._offsets: dict[str, timedelta] = {}
        self._last_text = ""
        self._last_time = datetime.min.replace(tzinfo=UTC)

    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        line = record.data
        if not isinstance(line, str):
            raise ParseError("an access-log record must be a line of text")
        line = line.rstrip("\r\n")
        m = _LINE.fullmatch(line)
        if m is None:
            raise ParseError(f"not in combined log format: {_diagnose(line)}")
        vhost, port, host, user, time, request, status, size, referrer, agent = m.groups()
        fields: dict[str, Any] = {
            TIMESTAMP: self._time(time),
            address_field(host): host,
            "event.category": ["web"],
            "event.type": ["access"],
        }
        if vhost is not None:
            fields["destination.domain"] = vhost
            fields["destination.port"] = int(port)
        if user != "-" and user:
            fields["user.name"] = _unescape(user)
        request_fields(_unescape(request), fields)
        if status != "-":
            code = int(status)
            fields["http.response.status_code"] = code
            fields["event.outcome"] = "success" if code < 400 else "failure"
        if size != "-":
            fields["http.response.body.bytes"] = int(size)
        if referrer is not None and referrer != "-":
            fields["http.request.referrer"] = _unescape(referrer)
        if agent is not None and agent != "-":
            fields["user_agent.original"] = _unescape(agent)
        return [fields]

    def _time(self, text: str) -> datetime:
        """The UTC time of ``dd/Mon/yyyy:HH:MM:SS +hhmm``; consecutive lines often share it."""
        if text == self._last_text:
            return self._last_time
        month = _MONTHS.get(text[3:6])
        if month is None:
            raise ParseError(f"time {text!r} has no month {text[3:6]!r}")
        zone = text[21:26]
        offset = self._offsets.get(zone)
        if offset is None:
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
            if zone[0] == "-":
                offset = -offset
            self._offsets[zone] = offset
        try:
            local = datetime(
                int(text[7:11]),
                month,
                int(text[0:2]),
                int(text[12:14]),
                int(text[15:17]),
                int(text[18:20]),
                tzinfo=UTC,
            )
            when = local - offset
        except (ValueError, OverflowError):
            raise ParseError(f"no such time: {text!r}") from None
        self._last_text, self._last_time = text, when
        return when
