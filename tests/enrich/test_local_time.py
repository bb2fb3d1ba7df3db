"""Local hour, weekday, date and business hours in the configured zone, DST and holidays."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sentinel.config import BusinessHours, SettingsError
from sentinel.enrich.local_time import LocalTimeStep

AMS = ZoneInfo("Europe/Amsterdam")


def local(step: LocalTimeStep, when: datetime) -> tuple[str, int, int, bool]:
    fields: dict[str, object] = {}
    step(fields, when)
    return (
        fields["sentinel.local.date"],
        fields["sentinel.local.weekday"],
        fields["sentinel.local.hour"],
        fields["sentinel.local.business_hours"],
    )  # type: ignore[return-value]


@pytest.fixture
def step() -> LocalTimeStep:
    return LocalTimeStep(AMS, BusinessHours())


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_same_utc_time_is_before_office_hours_in_winter_and_inside_in_summer(
    step: LocalTimeStep,
) -> None:
    # 06:30 UTC: 07:30 CET on Monday 23 March, 08:30 CEST on Monday 30 March 2026.
    assert local(step, utc(2026, 3, 23, 6, 30)) == ("2026-03-23", 0, 7, False)
    assert local(step, utc(2026, 3, 30, 6, 30)) == ("2026-03-30", 0, 8, True)


def test_the_spring_forward_night_skips_two_oclock(step: LocalTimeStep) -> None:
    assert local(step, utc(2026, 3, 29, 0, 59, 59)) == ("2026-03-29", 6, 1, False)
    assert local(step, utc(2026, 3, 29, 1, 0)) == ("2026-03-29", 6, 3, False)


def test_the_fall_back_night_has_two_oclock_twice(step: LocalTimeStep) -> None:
    assert local(step, utc(2026, 10, 25, 0, 30)) == ("2026-10-25", 6, 2, False)
    assert local(step, utc(2026, 10, 25, 1, 30)) == ("2026-10-25", 6, 2, False)
    # The Monday after: 07:30 UTC is 08:30 CET, inside office hours again.
    assert local(step, utc(2026, 10, 26, 7, 30)) == ("2026-10-26", 0, 8, True)


def test_an_evening_event_in_utc_can_be_the_next_local_day(step: LocalTimeStep) -> None:
    assert local(step, utc(2026, 3, 30, 22, 30)) == ("2026-03-31", 1, 0, False)
    assert local(step, utc(2026, 12, 31, 23, 15)) == ("2027-01-01", 4, 0, False)


def test_office_hours_start_inclusive_and_end_exclusive(step: LocalTimeStep) -> None:
    # Wednesday 11 March 2026, CET (UTC+1).
    assert local(step, utc(2026, 3, 11, 6, 59, 59))[3] is False
    assert local(step, utc(2026, 3, 11, 7, 0))[3] is True
    assert local(step, utc(2026, 3, 11, 16, 59, 59))[3] is True
    assert local(step, utc(2026, 3, 11, 17, 0))[3] is False
    assert local(step, utc(2026, 3, 14, 10, 0)) == ("2026-03-14", 5, 11, False)  # Saturday


def test_kings_day_and_christmas_are_outside_business_hours(step: LocalTimeStep) -> None:
    assert local(step, utc(2026, 4, 27, 8, 0)) == ("2026-04-27", 0, 10, False)  # King's Day
    assert local(step, utc(2026, 4, 28, 8, 0)) == ("2026-04-28", 1, 10, True)
    assert local(step, utc(2026, 12, 25, 9, 0)) == ("2026-12-25", 4, 10, False)  # Christmas
    assert local(step, utc(2026, 12, 24, 9, 0)) == ("2026-12-24", 3, 10, True)


def test_holidays_can_be_switched_off_or_taken_from_another_country() -> None:
    none = LocalTimeStep(AMS, BusinessHours(holidays=None))
    assert local(none, utc(2026, 4, 27, 8, 0))[3] is True
    belgium = LocalTimeStep(ZoneInfo("Europe/Brussels"), BusinessHours(holidays="be"))
    assert local(belgium, utc(2026, 4, 27, 8, 0))[3] is True  # no King's Day there
    assert local(belgium, utc(2026, 7, 21, 8, 0))[3] is False  # Belgian National Day


def test_custom_days_and_hours() -> None:
    shifts = BusinessHours(days=[5, 6], start=time(10), end=time(14), holidays=None)
    step = LocalTimeStep(AMS, shifts)
    assert local(step, utc(2026, 3, 14, 9, 0))[3] is True  # Saturday 10:00
    assert local(step, utc(2026, 3, 14, 13, 0))[3] is False  # Saturday 14:00
    assert local(step, utc(2026, 3, 11, 10, 0))[3] is False  # Wednesday


def test_an_unknown_holiday_country_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match=r"business_hours\.holidays"):
        LocalTimeStep(AMS, BusinessHours(holidays="XX"))


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        ("Europe/Amsterdam", utc(2026, 3, 28, 12)),
        ("Europe/Amsterdam", utc(2026, 10, 24, 12)),
        ("Australia/Lord_Howe", utc(2026, 10, 3, 2)),  # shifts 30 minutes at 15:30 UTC
        ("Asia/Kolkata", utc(2026, 6, 1, 0)),  # half-hour offset, no DST
        ("America/St_Johns", utc(2026, 11, 1, 0)),
    ],
)
def test_every_minute_agrees_with_plain_zone_conversion(zone: str, start: datetime) -> None:
    tz = ZoneInfo(zone)
    step = LocalTimeStep(tz, BusinessHours(holidays=None))
    for minute in range(0, 48 * 60, 7):
        when = start + timedelta(minutes=minute, seconds=minute % 60)
        expected = when.astimezone(tz)
        date, weekday, hour, _ = local(step, when)
        assert (date, weekday, hour) == (
            expected.date().isoformat(),
            expected.weekday(),
            expected.hour,
        ), when
