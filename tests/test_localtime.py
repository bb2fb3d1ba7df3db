"""Times as people type and read them, in Europe/Amsterdam, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sentinel.localtime import parse_when, show, span

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)


def test_relative_times() -> None:
    assert parse_when("now", AMS, NOW) == NOW
    assert parse_when("-2h", AMS, NOW) == NOW - timedelta(hours=2)
    assert parse_when("3d ago", AMS, NOW) == NOW - timedelta(days=3)


def test_local_time_without_offset_is_amsterdam_time_on_either_side_of_dst() -> None:
    # 29 March 2026: clocks go from 02:00 CET to 03:00 CEST
    assert parse_when("2026-03-29T01:30", AMS, NOW) == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert parse_when("2026-03-29T03:30", AMS, NOW) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_explicit_offset_and_z_are_kept() -> None:
    assert parse_when("2026-03-29T10:00Z", AMS, NOW) == datetime(2026, 3, 29, 10, tzinfo=UTC)
    assert parse_when("2026-03-29T10:00+02:00", AMS, NOW) == datetime(2026, 3, 29, 8, tzinfo=UTC)


def test_nonsense_says_what_is_accepted() -> None:
    with pytest.raises(ValueError, match="'-2h'"):
        parse_when("yesterday-ish", AMS, NOW)


def test_show_names_the_zone_abbreviation_of_the_moment() -> None:
    assert show(datetime(2026, 1, 15, 12, tzinfo=UTC), AMS) == "2026-01-15 13:00:00 CET"
    assert show(datetime(2026, 7, 15, 12, tzinfo=UTC), AMS) == "2026-07-15 14:00:00 CEST"
    assert show(None, AMS) == "—"


def test_span_reads_naturally() -> None:
    assert span(timedelta(hours=71, minutes=59)) == "2d 23h"
    assert span(timedelta(minutes=45)) == "45m"
    assert span(timedelta(hours=-2)) == "-2h 0m"
