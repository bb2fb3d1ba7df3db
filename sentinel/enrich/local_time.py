"""The event's local wall time and whether it fell inside business hours.

Rules ask "at night?" and "on a working day?" in the organisation's zone, so the
answer is stored on the event, daylight saving time included. Every ingested
event passes here, so the zone arithmetic is done once per UTC hour: within one
UTC hour a zone's offset is constant unless a transition falls inside it, and
hours with a transition are detected and computed event by event instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from sentinel.config import BusinessHours, SettingsError
from sentinel.events import BUSINESS_HOURS, LOCAL_DATE, LOCAL_HOUR, LOCAL_WEEKDAY

_HOUR = 3600
_DAY = 86_400
_MAX_ENTRIES = 8192
"""Cached UTC hours (about a year) and days; dropped whole when full, as events come in order."""


@dataclass(frozen=True, slots=True)
class _Day:
    date: str
    weekday: int
    working: bool


@dataclass(frozen=True, slots=True)
class _Hour:
    """One UTC hour: local second-of-day at its start and its local day (and the next).

    ``steady`` is false when the zone's offset changes inside the hour; such an
    hour's events are converted one by one.
    """

    steady: bool
    start: int
    day: _Day
    next_day: _Day


def _seconds(t: time) -> int:
    return t.hour * _HOUR + t.minute * 60 + t.second


class LocalTimeStep:
    """Sets ``sentinel.local.hour/weekday/date/business_hours`` in ``zone``."""

    def __init__(self, zone: ZoneInfo, hours: BusinessHours) -> None:
        self._zone = zone
        self._days = frozenset(hours.days)
        self._start = _seconds(hours.start)
        self._end = _seconds(hours.end)
        self._holidays = _holiday_calendar(hours.holidays)
        self._hours: dict[int, _Hour] = {}
        self._day_cache: dict[date, _Day] = {}

    def __call__(self, fields: dict[str, Any], ts: datetime) -> None:
        epoch = int(ts.timestamp() // 1)
        key, into = divmod(epoch, _HOUR)
        hour = self._hours.get(key) or self._hour(key)
        if not hour.steady:
            local = ts.astimezone(self._zone)
            second = _seconds(local.time())
            day = self._day(local.date())
        else:
            second = hour.start + into
            day = hour.day
            if second >= _DAY:
                second -= _DAY
                day = hour.next_day
        fields[LOCAL_HOUR] = second // _HOUR
        fields[LOCAL_WEEKDAY] = day.weekday
        fields[LOCAL_DATE] = day.date
        fields[BUSINESS_HOURS] = day.working and self._start <= second < self._end

    def _hour(self, key: int) -> _Hour:
        """Assumes at most one offset change per hour, which holds for every zone in use."""
        if len(self._hours) >= _MAX_ENTRIES:
            self._hours.clear()
        start = datetime.fromtimestamp(key * _HOUR, UTC).astimezone(self._zone)
        last = datetime.fromtimestamp(key * _HOUR + _HOUR - 1, UTC).astimezone(self._zone)
        today = start.date()
        entry = _Hour(
            steady=start.utcoffset() == last.utcoffset(),
            start=_seconds(start.time()),
            day=self._day(today),
            next_day=self._day(today + timedelta(days=1)),
        )
        self._hours[key] = entry
        return entry

    def _day(self, day: date) -> _Day:
        cached = self._day_cache.get(day)
        if cached is None:
            if len(self._day_cache) >= _MAX_ENTRIES:
                self._day_cache.clear()
            working = day.weekday() in self._days and day not in self._holidays
            cached = _Day(date=day.isoformat(), weekday=day.weekday(), working=working)
            self._day_cache[day] = cached
        return cached


def _holiday_calendar(country: str | None) -> holidays.HolidayBase | frozenset[date]:
    if not country:
        return frozenset()
    try:
        return holidays.country_holidays(country.upper())
    except NotImplementedError:
        raise SettingsError(
            f"business_hours.holidays: no public holidays known for {country!r}; "
            "use an ISO 3166 country code such as 'NL', or leave it empty for none"
        ) from None
