"""The systemd journal as ``journalctl -o json`` exports it, to the same events as syslog.

Hosts without rsyslog keep sshd, sudo and PAM messages only in the journal, so
``journalctl -o json --since … > sshd.json`` is how their logs reach Sentinel. Each
line is one journal entry; its fields become the syslog line it would have been:

===========================================  =================================
``_SOURCE_REALTIME_TIMESTAMP`` (else          ``@timestamp`` (microseconds since
``__REALTIME_TIMESTAMP``)                      the epoch, UTC)
``_HOSTNAME``                                  ``host.hostname``
``SYSLOG_IDENTIFIER`` (else ``_COMM``)         ``process.name``
``SYSLOG_PID`` (else ``_PID``)                 ``process.pid``
``MESSAGE``                                    ``message``, and what the program's
                                               words mean (sshd, PAM, sudo, su, cron,
                                               ftpd, Kerberos) as for syslog
``__CURSOR``                                   the entry's own id: an entry exported
                                               twice is stored once
===========================================  =================================

A message the journal holds as bytes (an array of numbers: it was not UTF-8) is
read with the bytes that are not UTF-8 escaped.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from sentinel.events import EVENT_ID
from sentinel.parsers.base import ParseError
from sentinel.parsers.syslog import SyslogLine, line_events
from sentinel.sources.base import RawRecord

_IDENTIFIER = re.compile(r"([^\s\[\]:()]+)\(([^)\s]*)\)", re.ASCII)
"""``sshd(pam_unix)``: an old-style tag, which the journal keeps whole as the identifier."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_MICROSECONDS = 253402300799_999999
"""The end of year 9999: later times are not believed."""


class JournaldParser:
    """Parses ``journalctl -o json`` lines (or entries a source already decoded)."""

    __slots__ = ()

    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        entry = _entry(record.data)
        message = _text(entry.get("MESSAGE"))
        if message is None:
            raise ParseError("journal entry has no MESSAGE")
        program = _text(entry.get("SYSLOG_IDENTIFIER")) or _text(entry.get("_COMM"))
        module = None
        if program and (tagged := _IDENTIFIER.fullmatch(program)) is not None:
            program, module = tagged.groups()
        line = SyslogLine(
            when=_time(entry),
            host=_text(entry.get("_HOSTNAME")),
            program=program,
            pid=_pid(entry.get("SYSLOG_PID", entry.get("_PID"))),
            message=message,
            module=module,
        )
        events = line_events(line)
        cursor = entry.get("__CURSOR")
        if isinstance(cursor, str) and cursor:
            for event in events:
                event[EVENT_ID] = cursor
        return events


def _entry(data: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(data, str):
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ParseError(
                f"not JSON: {exc}; export the journal with journalctl -o json"
            ) from None
    if not isinstance(data, dict):
        raise ParseError(f"not a journal entry but a JSON {type(data).__name__}")
    return data


def _time(entry: dict[str, Any]) -> datetime:
    for name in ("_SOURCE_REALTIME_TIMESTAMP", "__REALTIME_TIMESTAMP"):
        value = entry.get(name)
        if value is None:
            continue
        text = str(value)
        if not text.isdigit() or int(text) > _MAX_MICROSECONDS:
            raise ParseError(f"{name} {text[:30]!r} is not microseconds since 1970")
        return _EPOCH + timedelta(microseconds=int(text))
    raise ParseError("journal entry has no __REALTIME_TIMESTAMP")


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return bytes(value).decode("utf-8", "backslashreplace")
    return None


def _pid(value: Any) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() and len(text) <= 10 else None
