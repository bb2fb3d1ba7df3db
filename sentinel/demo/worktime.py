"""Local wall time for the demo: working days, office hours, and their UTC instants.

The demo writes UTC, but people work by the clock on the wall in Amsterdam, so
plans are made in local time (summer time included) and converted here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

ZONE = ZoneInfo("Europe/Amsterdam")
OFFICE_OPEN = time(8, 0)
OFFICE_CLOSE = time(18, 0)
"""Sentinel's default business hours; staff's normal work stays inside them."""


class WorkTime:
    """Working days (Monday to Friday, no Dutch public holiday) and local → UTC conversion."""

    def __init__(self, zone: ZoneInfo = ZONE) -> None:
        self.zone = zone
        self._holidays = holidays.country_holidays("NL")

    def working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def at(self, day: date, seconds: float) -> datetime:
        """UTC instant of ``seconds`` after local midnight of ``day`` by the wall clock (ms)."""
        ms = round(seconds * 1000)
        wall = datetime.combine(day, time()) + timedelta(milliseconds=ms)
        return wall.replace(tzinfo=self.zone).astimezone(UTC)

    def hm(self, day: date, hour: int, minute: int, second: float = 0) -> datetime:
        return self.at(day, hour * 3600 + minute * 60 + second)

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        """The UTC span of a local day (23 or 25 hours on a clock change)."""
        return self.at(day, 0), self.at(day + timedelta(days=1), 0)

    def local(self, ts: datetime) -> datetime:
        return ts.astimezone(self.zone)

    def in_office_hours(self, ts: datetime) -> bool:
        local = self.local(ts)
        return self.working(local.date()) and OFFICE_OPEN <= local.time() < OFFICE_CLOSE

    def days(self, start: datetime, end: datetime) -> list[date]:
        """Local dates touched by ``[start, end)``."""
        first = self.local(start).date()
        last = self.local(end - timedelta(milliseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]
