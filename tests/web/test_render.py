"""What every page shows of a time: local wall time with its offset, UTC on hover."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sentinel.web.render import environment, local_time

AMS = ZoneInfo("Europe/Amsterdam")


def test_winter_time_shows_plus_one_and_the_utc_instant() -> None:
    html = local_time(datetime(2026, 11, 25, 23, 30, tzinfo=UTC), AMS)
    assert ">2026-11-26 00:30 +01:00</time>" in html
    assert 'title="2026-11-25T23:30:00Z UTC"' in html
    assert 'datetime="2026-11-25T23:30:00Z"' in html


def test_summer_time_shows_plus_two_across_the_march_change() -> None:
    before = local_time(datetime(2026, 3, 29, 0, 59, tzinfo=UTC), AMS)
    after = local_time(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), AMS)
    assert ">2026-03-29 01:59 +01:00<" in before
    assert ">2026-03-29 03:00 +02:00<" in after


def test_text_from_logs_is_escaped_in_every_template() -> None:
    env = environment(AMS)
    page = env.from_string("<td>{{ value }}</td>").render(value="<script>alert(1)</script>")
    assert page == "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"
