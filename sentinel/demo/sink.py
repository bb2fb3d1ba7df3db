"""The three demo log formats, written line by line into per-day buffers.

An ``app`` event is an ECS JSON line (nested objects), ``ssh`` a classic syslog
line in local time without a year, ``web`` an Apache/nginx combined line with
the local offset. Events outside the sink's span or of a stream that is not
being written are dropped here, so generators need not check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

APP, SSH, WEB = "app", "ssh", "web"
STREAMS = (APP, SSH, WEB)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class Line:
    ts: datetime
    stream: str
    text: str


@dataclass(slots=True)
class Sink:
    start: datetime
    end: datetime
    zone: ZoneInfo
    streams: frozenset[str]
    lines: list[Line] = field(default_factory=list)

    def _keep(self, ts: datetime, stream: str) -> bool:
        return stream in self.streams and self.start <= ts < self.end

    def app(
        self,
        ts: datetime,
        action: str,
        user: str,
        ip: str,
        service: str,
        *,
        outcome: str = "success",
        path: str | None = None,
        member: tuple[str, str] | None = None,
        records: int | None = None,
        target: str | None = None,
        granted: str | None = None,
        agent: str | None = None,
    ) -> None:
        """One application audit event; ``member`` is (member id, its partner or "direct")."""
        if not self._keep(ts, APP):
            return
        doc: dict[str, Any] = {
            "@timestamp": ts.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "event": {"action": action, "outcome": outcome},
            "service": {"name": service},
            "user": {"name": user},
            "source": {"ip": ip},
        }
        if path is not None:
            doc["url"] = {"path": path}
        if agent is not None:
            doc["user_agent"] = {"original": agent}
        extra: dict[str, Any] = {}
        if member is not None:
            extra["member"] = {"id": member[0], "partner_id": member[1]}
        if records is not None:
            extra["records"] = records
        if target is not None:
            extra["target"] = {"user": target}
        if granted is not None:
            extra["role"] = {"granted": granted}
        if extra:
            doc["sentinel"] = extra
        self.lines.append(Line(ts, APP, orjson.dumps(doc).decode()))

    def ssh(self, ts: datetime, host: str, pid: int, message: str) -> None:
        if not self._keep(ts, SSH):
            return
        t = ts.astimezone(self.zone)
        stamp = f"{_MONTHS[t.month - 1]} {t.day:>2} {t:%H:%M:%S}"
        self.lines.append(Line(ts, SSH, f"{stamp} {host} sshd[{pid}]: {message}"))

    def web(
        self,
        ts: datetime,
        ip: str,
        method: str,
        target: str,
        status: int,
        size: int,
        referrer: str = "-",
        agent: str = "-",
    ) -> None:
        if not self._keep(ts, WEB):
            return
        t = ts.astimezone(self.zone)
        stamp = f"{t.day:02d}/{_MONTHS[t.month - 1]}/{t:%Y:%H:%M:%S %z}"
        self.lines.append(
            Line(
                ts,
                WEB,
                f'{ip} - - [{stamp}] "{method} {target} HTTP/1.1" {status} {size} '
                f'"{referrer}" "{agent}"',
            )
        )

    def take(self) -> list[Line]:
        """The buffered lines in time order (stable, so same-time lines keep their order)."""
        lines, self.lines = sorted(self.lines, key=lambda line: line.ts), []
        return lines
