"""OpenSSH lines of syslog auth logs, to ``ssh_*`` authentication events.

Two syslog prefixes are read: the classic ``Mar 11 04:00:01 host sshd[123]: …``
and the RFC 3339 one ``2026-11-30T10:00:00.123456+01:00 host sshd[123]: …``.

The classic prefix has no year and no offset. Its time is local in the
configured zone; in the hour repeated when summer time ends (02:00 to 03:00 on the
last Sunday of October in Europe/Amsterdam) it is read as the first of the two
(``fold=0``, summer time), so a line from the second pass lands an hour early;
a time skipped when summer time starts is read with the offset before the jump.
The year of the first line read from a stream is the latest one that puts it
no more than a day after the stream's ``reference_time`` (the file's last
write, or now when the source has none). Later lines of the stream keep that
year, and go to the next when the date jumps back by more than half a year
(December to January), so a file that crosses New Year keeps its order even if
it was copied later. A parser that starts mid-stream infers the year afresh.

Events (``event.category`` ``authentication``):

* ``Failed <method> for [invalid user] X from IP port N`` — ``ssh_login``, failure;
* ``Accepted <method> for X from IP port N`` — ``ssh_login``, success;
* ``Invalid user X from IP [port N]`` — ``ssh_invalid_user``, failure;
* ``Disconnected from …``, ``Received disconnect from …``, ``Connection closed|reset
  by …`` — ``ssh_disconnect``, outcome unknown;
* ``maximum authentication attempts exceeded``, ``Too many authentication failures``
  and PAM's ``authentication failure; … rhost=… user=…`` — ``ssh_auth_failure``.

``message repeated N times: [ …]`` gives the inner message's event N times. Other
sshd lines and other programs' lines are understood and give no event; only a
line that is not syslog raises ParseError. User names are stripped of the
spaces sshd logs verbatim (``Invalid user admin  from``); the remote address
is taken from the end of the line, so a user name that contains `` from
1.2.3.4`` cannot pose as the source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sentinel.events import TIMESTAMP
from sentinel.parsers.base import ParseError
from sentinel.parsers.fields import address_field
from sentinel.sources.base import RawRecord

_FLAGS = re.ASCII | re.DOTALL
_CLASSIC = re.compile(
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) "
    r"(\d\d):(\d\d):(\d\d)(?:\.\d+)? (\S+) (.*)",
    _FLAGS,
)
_RFC3339 = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) (\S+) (.*)", _FLAGS
)
_TAG = re.compile(r"(sshd(?:-session|-auth)?)(?:\(pam_unix\))?(?:\[(\d{1,10})\])?: ?(.*)", _FLAGS)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}

_USER = r"(?:(?:invalid|authenticating) )?user (.*) "
_FAILED = re.compile(
    r"Failed (\S+) for (invalid user )?(.*) from (\S+) port (\d{1,5})(?: ssh\d?)?(?:: .*)?", _FLAGS
)
_ACCEPTED = re.compile(
    r"Accepted (\S+) for (.*) from (\S+) port (\d{1,5})(?: ssh\d?)?(?:: .*)?", _FLAGS
)
_INVALID = re.compile(r"[Ii]nvalid user (.*) from (\S+?)(?: port (\d{1,5}))?", _FLAGS)
# With a user the port is always logged; without one, old versions leave it out.
_PEER = rf"(?:{_USER}(\S+) port (\d{{1,5}})|(\S+?)(?: port (\d{{1,5}}))?)"
_DISCONNECTED = re.compile(rf"Disconnected from {_PEER}", _FLAGS)
_CLOSED = re.compile(rf"Connection (?:closed|reset) by {_PEER}", _FLAGS)
_RECEIVED = re.compile(
    r"(?:error: )?Received disconnect from (\S+?)(?: port (\d{1,5}):|: )\d+: ?.*", _FLAGS
)
_MAX_ATTEMPTS = re.compile(
    r"(?:error: )?maximum authentication attempts exceeded for (invalid user )?(.*) "
    r"from (\S+) port (\d{1,5})(?: ssh\d?)?",
    _FLAGS,
)
_TOO_MANY = re.compile(
    rf"Disconnecting(?:: Too many authentication failures for (.*)| (?:{_USER})?(\S+) "
    r"port (\d{1,5}): Too many authentication failures)",
    _FLAGS,
)
_PAM = re.compile(
    r"(?:pam_\w+\(sshd:auth\): |PAM \d+ more )?authentication failures?; (.*)", _FLAGS
)
_RHOST = re.compile(r"(?:^|\s)rhost=(\S+)", re.ASCII)
_PAM_USER = re.compile(r"(?:^|\s)user=(\S+)", re.ASCII)
_REPEATED = re.compile(r"message repeated (\d{1,9}) times: \[ ?(.*)\]", _FLAGS)

MAX_REPEAT = 10_000
"""More repetitions than this in one line is not believed: the line is refused."""

_ROLLOVER = timedelta(days=183)
_STREAMS_KEPT = 256


@dataclass(slots=True)
class _Stream:
    year: int
    last: datetime  # naive local time of the stream's last classic-syslog line


class SshdParser:
    """Parses syslog auth-log lines; keeps per stream the year of the last line read."""

    __slots__ = ("_now", "_streams", "_zone")

    def __init__(
        self, zone: tzinfo = UTC, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._zone = zone
        self._now = now
        self._streams: dict[str, _Stream] = {}

    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        line = record.data
        if not isinstance(line, str):
            raise ParseError("a syslog record must be a line of text")
        line = line.rstrip()
        iso = ""
        classic = _CLASSIC.fullmatch(line)
        if classic is not None:
            host, rest = classic.group(6, 7)
        else:
            rfc = _RFC3339.fullmatch(line)
            if rfc is None:
                raise ParseError(
                    "not a syslog line: expected 'Mmm dd HH:MM:SS host program[pid]: message' "
                    "or an RFC 3339 time first"
                )
            iso, host, rest = rfc.groups()
        tag = _TAG.fullmatch(rest)
        if tag is None:
            return []
        program, pid, message = tag.groups()
        count = 1
        repeated = _REPEATED.fullmatch(message)
        if repeated is not None:
            count = int(repeated.group(1))
            if count > MAX_REPEAT:
                raise ParseError(f"message repeated {count} times: more than {MAX_REPEAT}")
            message = repeated.group(2).rstrip()
        fields = _event(message.removesuffix(" [preauth]"))
        if fields is None or count == 0:
            return []
        if classic is not None:
            fields[TIMESTAMP] = self._classic_time(record, classic)
        else:
            fields[TIMESTAMP] = self._rfc3339_time(iso)
        fields["host.hostname"] = host
        fields["process.name"] = program
        if pid is not None:
            fields["process.pid"] = int(pid)
        fields["message"] = message
        fields["event.category"] = ["authentication"]
        return [fields] + [_copy(fields) for _ in range(count - 1)]

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
        year = self._first_year(record, parts) if stream is None else stream.year
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


def _event(message: str) -> dict[str, Any] | None:
    """The fields of an sshd message about authentication; None for any other message."""
    first = message[:1]
    if first == "F":
        m = _FAILED.fullmatch(message)
        if m:
            method, invalid, user, address, port = m.groups()
            fields = _base("ssh_login", "failure", ["info"], address, port, user)
            fields["sentinel.ssh.method"] = method
            fields["sentinel.ssh.invalid_user"] = invalid is not None
            return fields
    elif first == "A":
        m = _ACCEPTED.fullmatch(message)
        if m:
            method, user, address, port = m.groups()
            fields = _base("ssh_login", "success", ["start"], address, port, user)
            fields["sentinel.ssh.method"] = method
            fields["sentinel.ssh.invalid_user"] = False
            return fields
    elif first in ("I", "i"):
        m = _INVALID.fullmatch(message)
        if m:
            user, address, port = m.groups()
            fields = _base("ssh_invalid_user", "failure", ["info"], address, port, user)
            fields["sentinel.ssh.invalid_user"] = True
            return fields
    if m := _RECEIVED.fullmatch(message):
        address, port = m.groups()
        return _base("ssh_disconnect", "unknown", ["end"], address, port, None)
    if m := _DISCONNECTED.fullmatch(message) or _CLOSED.fullmatch(message):
        user, address, port, bare_address, bare_port = m.groups()
        fields = _base(
            "ssh_disconnect", "unknown", ["end"], address or bare_address, port or bare_port, user
        )
        if message.startswith(("Disconnected from invalid", "Connection closed by invalid")):
            fields["sentinel.ssh.invalid_user"] = True
        return fields
    if m := _PAM.fullmatch(message):
        details = m.group(1)
        rhost = _RHOST.search(details)
        user = _PAM_USER.search(details)
        return _base(
            "ssh_auth_failure",
            "failure",
            ["info"],
            rhost.group(1) if rhost else None,
            None,
            user.group(1) if user else None,
        )
    if m := _MAX_ATTEMPTS.fullmatch(message):
        invalid, user, address, port = m.groups()
        fields = _base("ssh_auth_failure", "failure", ["info"], address, port, user)
        fields["sentinel.ssh.invalid_user"] = invalid is not None
        return fields
    if m := _TOO_MANY.fullmatch(message):
        old_user, user, address, port = m.groups()
        return _base("ssh_auth_failure", "failure", ["info"], address, port, old_user or user)
    return None


def _copy(fields: dict[str, Any]) -> dict[str, Any]:
    """Another event of a repeated message, sharing no list with the first."""
    copy = dict(fields)
    copy["event.category"] = list(fields["event.category"])
    copy["event.type"] = list(fields["event.type"])
    return copy


def _base(
    action: str,
    outcome: str,
    kind: list[str],
    address: str | None,
    port: str | None,
    user: str | None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {"event.action": action, "event.outcome": outcome, "event.type": kind}
    if address:
        fields[address_field(address)] = address
    if port is not None:
        fields["source.port"] = int(port)
    if user is not None and (name := user.strip()):
        fields["user.name"] = name
    return fields
