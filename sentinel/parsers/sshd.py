"""The ``sshd`` format: the OpenSSH authentication events of a syslog auth log, nothing else.

Lines are read as by the ``syslog`` format (see ``sentinel.parsers.syslog`` for the
time and year rules). Only sshd's login events are kept — ``ssh_login``,
``ssh_invalid_user``, ``ssh_disconnect``, ``ssh_auth_failure`` (see
``sentinel.parsers.programs.sshd``); every other line is understood and skipped, and
counted as skipped under its program. The ``syslog`` format keeps every line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from sentinel.parsers.base import Skipped
from sentinel.parsers.programs import program_key
from sentinel.parsers.programs.sshd import LOGIN_ACTIONS
from sentinel.parsers.syslog import MAX_REPEAT, SyslogParser
from sentinel.sources.base import RawRecord

__all__ = ["MAX_REPEAT", "SshdParser"]

_SSHD = frozenset({"sshd", "sshd-session", "sshd-auth"})


class SshdParser:
    """Parses syslog auth-log lines; keeps sshd's authentication events only."""

    __slots__ = ("_syslog",)

    def __init__(
        self,
        zone: tzinfo = UTC,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        year: int | None = None,
    ) -> None:
        self._syslog = SyslogParser(zone, now, year)

    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        events = self._syslog.parse(record)
        if not events:
            return events
        first = events[0]
        program = first.get("process.name")
        if (
            program is None
            or program_key(program) not in _SSHD
            or first.get("event.action") not in LOGIN_ACTIONS
        ):
            return Skipped(program_key(program) if program else "syslog")
        return events
