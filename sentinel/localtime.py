"""Times as people write and read them: local (Europe/Amsterdam by default), DST-correct.

Inside Sentinel every time is aware UTC; this module is the only place that
turns them into local text and back.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sentinel.config import parse_duration

_RELATIVE = re.compile(r"^\s*-\s*(.+)$|^\s*(.+?)\s+ago\s*$")


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """``now``, ``-2h``/``2h ago``, ``2026-11-20`` or ``2026-11-20T14:00[+01:00]`` to aware UTC.

    A time without an offset is read in ``zone`` (people type local times). A local time
    the clocks skipped (spring forward) or passed twice (fall back) is refused with the
    offsets to choose from: awareness and notification times count towards the 72-hour
    deadline, so an hour is not guessed.
    """
    value = text.strip()
    if value.lower() == "now":
        return now
    rel = _RELATIVE.match(value)
    if rel:
        return now - parse_duration(rel[1] or rel[2])
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time; use 'now', '-2h', '3d ago', '2026-11-20' "
            "or '2026-11-20T14:00' (local time) / '2026-11-20T13:00Z'"
        ) from None
    if ts.tzinfo is None:
        ts = _local(ts, zone)
    return ts.astimezone(UTC)


def _local(naive: datetime, zone: ZoneInfo) -> datetime:
    first, second = naive.replace(tzinfo=zone), naive.replace(tzinfo=zone, fold=1)
    shown = naive.isoformat(timespec="minutes")
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        meant = first.astimezone(UTC).astimezone(zone)
        raise ValueError(
            f"{shown} does not exist in {zone.key}: the clocks skipped that hour; give a "
            f"time outside it, or an offset ({shown}{_offset(first.utcoffset())} is "
            f"{meant:%H:%M} {meant.tzname()})"
        )
    if first.utcoffset() != second.utcoffset():
        raise ValueError(
            f"{shown} happened twice in {zone.key} (the clocks went back): give the offset, "
            f"{shown}{_offset(first.utcoffset())} for the first ({first.tzname()}) or "
            f"{shown}{_offset(second.utcoffset())} for the second ({second.tzname()})"
        )
    return first


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def show(ts: datetime | None, zone: ZoneInfo, *, seconds: bool = True) -> str:
    """Local wall time with the zone's abbreviation (CET/CEST), for tables and messages."""
    if ts is None:
        return "—"
    fmt = "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    return ts.astimezone(zone).strftime(fmt)


def span(delta: timedelta) -> str:
    """``2d 3h``, ``45m``, ``12s``; negative spans get a leading minus."""
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes}m"
    if minutes:
        return f"{sign}{minutes}m"
    return f"{sign}{secs}s"
