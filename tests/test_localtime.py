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


def test_a_local_time_the_clocks_skipped_is_refused_with_what_it_would_mean() -> None:
    with pytest.raises(ValueError) as refused:
        parse_when("2027-03-28T02:30", AMS, NOW)

    assert str(refused.value) == (
        "2027-03-28T02:30 does not exist in Europe/Amsterdam: the clocks skipped that hour; "
        "give a time outside it, or an offset (2027-03-28T02:30+01:00 is 03:30 CEST)"
    )
    assert parse_when("2027-03-28T03:30", AMS, NOW) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_a_local_time_that_happened_twice_asks_which() -> None:
    with pytest.raises(ValueError, match="happened twice") as refused:
        parse_when("2026-10-25T02:30", AMS, NOW)

    assert "2026-10-25T02:30+02:00 for the first (CEST)" in str(refused.value)
    assert "2026-10-25T02:30+01:00 for the second (CET)" in str(refused.value)
    first, second = (parse_when(f"2026-10-25T02:30{o}", AMS, NOW) for o in ("+02:00", "+01:00"))
    assert second - first == timedelta(hours=1)
