"""Writes the demo logs day by day, in time order, and says what was planted where.

Only one local day is held in memory at a time, so a month of logs costs no
more memory than a week. The same seed and end give byte-identical files.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from sentinel.clock import Clock, SystemClock
from sentinel.demo.normal import Day, normal_day
from sentinel.demo.planted import ATTACKERS, QUIET, Planted, plan
from sentinel.demo.sink import APP, SSH, WEB, Line, Sink
from sentinel.demo.worktime import WorkTime


@dataclass(frozen=True, slots=True)
class DemoSummary:
    path: Path
    start: datetime
    end: datetime
    events: int
    """Lines written to the application log."""
    sshd_lines: int
    combined_lines: int
    planted: list[Planted]
    quiet: list[str]
    """Accounts that did only normal work; no alert should name them."""


def generate(
    out: Path,
    *,
    days: int = 7,
    seed: int = 42,
    end: datetime | None = None,
    sshd_out: Path | None = None,
    combined_out: Path | None = None,
    clock: Clock | None = None,
) -> DemoSummary:
    """Write ``days`` days of logs ending at ``end`` (default: the start of this hour, UTC)."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    if end is None:
        end = (
            (clock or SystemClock())
            .now()
            .astimezone(UTC)
            .replace(minute=0, second=0, microsecond=0)
        )
    if end.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    end = end.astimezone(UTC)
    start = end - timedelta(days=days)
    wt = WorkTime()
    paths = {APP: out, SSH: sshd_out, WEB: combined_out}
    streams = frozenset(name for name, path in paths.items() if path is not None)
    incidents = plan(start, end, seed, wt, streams)
    planted_lines = sorted((line for inc in incidents for line in inc.lines), key=lambda x: x.ts)
    silences = [inc.silence for inc in incidents if inc.silence is not None]
    counts = dict.fromkeys(streams, 0)
    with ExitStack() as stack:
        files: dict[str, TextIO] = {
            name: stack.enter_context(path.open("w", encoding="utf-8", newline="\n"))
            for name, path in paths.items()
            if path is not None
        }
        cursor = 0
        for date in wt.days(start, end):
            lo, hi = wt.bounds(date)
            sink = Sink(max(lo, start), min(hi, end), wt.zone, streams)
            day = Day(date, seed, wt, resumed=start > wt.hm(date, 8, 0))
            normal_day(sink, day, silences, ATTACKERS)
            while cursor < len(planted_lines) and planted_lines[cursor].ts < hi:
                line = planted_lines[cursor]
                if line.stream in streams:
                    sink.lines.append(line)
                cursor += 1
            _write(sink.take(), files, counts)
    return DemoSummary(
        path=out,
        start=start,
        end=end,
        events=counts[APP],
        sshd_lines=counts.get(SSH, 0),
        combined_lines=counts.get(WEB, 0),
        planted=[inc.planted for inc in incidents],
        quiet=list(QUIET),
    )


def _write(lines: list[Line], files: dict[str, TextIO], counts: dict[str, int]) -> None:
    for line in lines:
        files[line.stream].write(line.text + "\n")
        counts[line.stream] += 1
