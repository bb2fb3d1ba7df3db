"""Syslog lines of any program, to events; the programs security cares about understood.

Three line shapes are read:

* RFC 3164 (BSD syslog, ``/var/log/auth.log``): ``Mar 11 04:00:01 host sshd[123]: …``,
  optionally after a ``<PRI>``;
* the same with an RFC 3339 time (rsyslog's high-precision template, ``journalctl -o
  short-iso``): ``2026-11-30T10:00:00.123456+01:00 host sshd[123]: …``, also with a
  space for the ``T`` and without an offset (read in the configured zone);
* RFC 5424: ``<34>1 2026-11-30T10:00:00Z host sshd 123 - - …`` (structured data is
  kept in ``labels.syslog.structured_data``).

Every line becomes an event with ``host.hostname``, ``process.name``, ``process.pid``
(when the tag has them) and ``message``. What ``sentinel.parsers.programs`` knows of
the program's message (sshd, PAM, sudo, su, cron, ftpd, Kerberos) is added:
``event.action``, ``event.outcome``, ``user.name``, ``source.*`` and so on.

The classic time has no year and no offset. Its time is local in the configured
zone; in the hour repeated when summer time ends it is read as the first of the two
(``fold=0``), and a time skipped when summer time starts is read with the offset
before the jump. ``year`` (the ``--year`` option, a source's ``year`` setting) gives
the year of a stream's first line; without it, the year is the latest one that
puts the first line no more than a day after the stream's ``reference_time`` (the
file's last write, or now when the source has none). Later lines of the stream keep
that year, and go to the next when the date jumps back by more than half a year
(December to January), so a file that crosses New Year keeps its order. A parser
that starts mid-stream infers the year afresh.

``message repeated N times: [ …]`` gives the inner message's event N times.
A line that is not syslog raises ParseError.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sentinel.events import TIMESTAMP
from sentinel.parsers.base import ParseError, Skipped
from sentinel.parsers.programs import interpret
from sentinel.sources.base import RawRecord

_FLAGS = re.ASCII | re.DOTALL
_PRI = r"(?:<\d{1,3}>)?"
_CLASSIC = re.compile(
    _PRI + r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) "
    r"(\d\d):(\d\d):(\d\d)(?:\.\d+)? (\S+) (.*)",
    _FLAGS,
)
_RFC3339 = re.compile(
    _PRI + r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) (\S+) (.*)",
    _FLAGS,
)
_SD = r'(?:-|(?:\[[^\]"\s]+(?:\s+[^=\s\]]+="(?:[^"\\]|\\.)*")*\s*\])+)'
_RFC5424 = re.compile(
    rf"<\d{{1,3}}>1 (\S+) (\S+) (\S+) (\S+) (\S+) ({_SD})(?: (?:\ufeff)?(.*))?", _FLAGS
)
_TAG = re.compile(
    r"([^\s\[\]:()]+)(?:\(([^)\s]*)\))?(?:\[(\d{1,10})\])?: ?(.*)",
    _FLAGS,
)
_REPEATED = re.compile(r"message repeated (\d{1,9}) times: \[ ?(.*)\]", _FLAGS)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}

MAX_REPEAT = 10_000
"""More repetitions than this in one line is not believed: the line is refused."""

_ROLLOVER = timedelta(days=183)
_STREAMS_KEPT = 256


@dataclass(slots=True)
class _Stream:
    year: int
    last: datetime  # naive local time of the stream's last classic-syslog line


@dataclass(frozen=True, slots=True)
class SyslogLine:
    """One line taken apart: when, where, which program, and what it said."""

    when: datetime
    host: str | None
    program: str | None
    pid: int | None
    message: str
    count: int = 1
    module: str | None = None
    """What the tag names in parentheses: ``sshd(pam_unix)`` logs for PAM."""
    structured_data: str | None = None


class SyslogParser:
    """Parses syslog lines of any program; keeps per stream the year of the last line read."""

    __slots__ = ("_now", "_streams", "_year", "_zone")

    def __init__(
        self,
        zone: tzinfo = UTC,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        year: int | None = None,
    ) -> None:
        self._zone = zone
        self._now = now
        self._year = year
        self._streams: dict[str, _Stream] = {}

    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        return line_events(self.split(record))

    def split(self, record: RawRecord) -> SyslogLine:
        """The line's parts; ParseError if it is not syslog."""
        text = record.data
        if not isinstance(text, str):
            raise ParseError("a syslog record must be a line of text")
        text = text.rstrip()
        if text.startswith("<") and (m5 := _RFC5424.fullmatch(text)) is not None:
            return self._rfc5424(m5)
        classic = _CLASSIC.fullmatch(text)
        if classic is not None:
            when = self._classic_time(record, classic)
            host, rest = classic.group(6, 7)
        else:
            rfc = _RFC3339.fullmatch(text)
            if rfc is None:
                raise ParseError(
                    "not a syslog line: expected 'Mmm dd HH:MM:SS host program[pid]: message', "
                    "an RFC 3339 time first, or RFC 5424 '<PRI>1 time host app pid msgid sd msg'"
                )
            stamp, host, rest = rfc.groups()
            when = self._rfc3339_time(stamp)
        tag = _TAG.fullmatch(rest)
        if tag is None:
            return SyslogLine(when, host, None, None, rest)
        program, module, pid, message = tag.groups()
        count, message = _repeats(message)
        return SyslogLine(
            when, host, program, int(pid) if pid is not None else None, message, count, module
        )

    def _rfc5424(self, m: re.Match[str]) -> SyslogLine:
        stamp, host, app, procid, _msgid, sd, message = m.groups()
        if stamp == "-":
            raise ParseError("an RFC 5424 line without a time ('-') cannot be placed")
        when = self._rfc3339_time(stamp)
        count, text = _repeats(message or "")
        return SyslogLine(
            when,
            None if host == "-" else host,
            None if app == "-" else app,
            int(procid) if procid.isdigit() and len(procid) <= 10 else None,
            text,
            count,
            None,
            None if sd == "-" else sd,
        )

    def _rfc3339_time(self, text: str) -> datetime:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise ParseError(f"no such time: {text!r}") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=self._zone)
        return when.astimezone(UTC)

    def _classic_time(self, record: RawRecord, m: re.Match[str]) -> datetime:
        mon, day, hh, mm, ss = m.group(1, 2, 3, 4, 5)
        parts = (_MONTHS[mon], int(day), int(hh), int(mm), int(ss))
        stream = self._streams.get(record.stream)
        if stream is not None:
            year = stream.year
        elif self._year is not None:
            year = self._year
        else:
            year = self._first_year(record, parts)
        try:
            local = datetime(year, *parts)
            if stream is not None and local < stream.last - _ROLLOVER:
                year += 1
                local = datetime(year, *parts)
            when = local.replace(tzinfo=self._zone).astimezone(UTC)
        except (ValueError, OverflowError):
            raise ParseError(f"no such time in {year}: {mon} {day} {hh}:{mm}:{ss}") from None
        if stream is None:
            if len(self._streams) >= _STREAMS_KEPT:
                del self._streams[next(iter(self._streams))]
            self._streams[record.stream] = _Stream(year, local)
        else:
            stream.year, stream.last = year, local
        return when

    def _first_year(self, record: RawRecord, parts: tuple[int, int, int, int, int]) -> int:
        """The latest year putting the time no more than a day after the stream's reference."""
        reference = record.reference_time or self._now()
        bound = (reference + timedelta(days=1)).astimezone(self._zone).replace(tzinfo=None)
        for year in range(bound.year, bound.year - 8, -1):
            try:
                if datetime(year, *parts) <= bound:
                    return year
            except ValueError:
                continue
        month, day, hh, mm, ss = parts
        raise ParseError(f"no such time: month {month} day {day} {hh:02d}:{mm:02d}:{ss:02d}")


def line_events(line: SyslogLine) -> list[dict[str, Any]]:
    """The events of one logged message, what its program's words mean included."""
    fields: dict[str, Any] = {TIMESTAMP: line.when, "message": line.message}
    if line.host:
        fields["host.hostname"] = line.host
    if line.program:
        fields["process.name"] = line.program
    if line.pid is not None:
        fields["process.pid"] = line.pid
    if line.structured_data:
        fields["labels.syslog.structured_data"] = line.structured_data
    if line.program:
        known = interpret(line.program, line.module, line.message)
        if known:
            fields.update(known)
    if line.count == 0:
        return Skipped(line.program or "syslog")
    return [fields] + [_copy(fields) for _ in range(line.count - 1)]


def _repeats(message: str) -> tuple[int, str]:
    repeated = _REPEATED.fullmatch(message)
    if repeated is None:
        return 1, message
    count = int(repeated.group(1))
    if count > MAX_REPEAT:
        raise ParseError(f"message repeated {count} times: more than {MAX_REPEAT}")
    return count, repeated.group(2).rstrip()


def _copy(fields: dict[str, Any]) -> dict[str, Any]:
    """Another event of a repeated message, sharing no list with the first."""
    return {k: list(v) if isinstance(v, list) else v for k, v in fields.items()}
