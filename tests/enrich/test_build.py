"""build_enricher: the steps the settings call for, in order, shared between pulls."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.config import Settings
from sentinel.enrich import EnrichmentError, build_enricher
from sentinel.ingest import Pipeline
from sentinel.sources.base import RawRecord
from tests.conftest import ManualClock

REPO = Path(__file__).resolve().parents[2]
HEADER = "account,user_id,display_name,kind,organisation,roles,status,status_since\n"
DIRECTORY = HEADER + (
    "j.devries,U1001,Jan de Vries,staff,staff,backoffice,active,\n"
    "m.jansen,U1020,Mark Jansen,staff,staff,backoffice,terminated,2026-11-20\n"
    "p03.anouk,U2001,Anouk,partner,P03,partner-user,active,\n"
)
# Monday 23 November 2026, 22:14 in Amsterdam (CET).
NIGHT = datetime(2026, 11, 23, 21, 14, 2, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    data_map = tmp_path / "datamap.yaml"
    shutil.copy(REPO / "config" / "datamap.yaml", data_map)
    directory = tmp_path / "directory.csv"
    directory.write_text(DIRECTORY)
    return Settings(data_map=data_map, directory=directory)


def test_an_app_event_gets_every_step(settings: Settings, clock: ManualClock) -> None:
    enrich = build_enricher(settings, clock)
    fields: dict[str, Any] = {
        "event.action": "member.view",
        "event.outcome": "success",
        "service.name": "partner-portal",
        "user.name": "p03.anouk",
        "source.ip": "145.97.10.1",
        "sentinel.member.id": "M200145",
        "sentinel.member.partner_id": "P05",
    }
    enrich(fields, NIGHT)
    assert fields["sentinel.data_categories"] == ["contact", "identity", "location"]
    assert fields["sentinel.records"] == 1
    assert fields["user.id"] == "U2001"
    assert fields["organization.id"] == "P03"
    assert fields["sentinel.account.kind"] == "partner"
    assert fields["sentinel.cross_partner"] is True
    assert fields["source.geo.country_iso_code"] == "NL"
    assert fields["sentinel.local.hour"] == 22
    assert fields["sentinel.local.weekday"] == 0
    assert fields["sentinel.local.date"] == "2026-11-23"
    assert fields["sentinel.local.business_hours"] is False


def test_a_web_line_gets_its_action_from_the_path_first(
    settings: Settings, clock: ManualClock
) -> None:
    enrich = build_enricher(settings, clock)
    fields: dict[str, Any] = {
        "user.name": "m.jansen",
        "http.request.method": "GET",
        "url.path": "/portal/members/M200777",
        "http.response.status_code": 200,
        "source.ip": "8.8.8.8",
    }
    enrich(fields, NIGHT)
    assert fields["event.action"] == "member.view"
    assert fields["sentinel.member.id"] == "M200777"
    assert fields["sentinel.account.inactive"] is True
    assert fields["source.geo.country_iso_code"] == "US"


def test_without_files_only_geo_and_local_time_apply(clock: ManualClock) -> None:
    enrich = build_enricher(Settings(), clock)
    fields: dict[str, Any] = {"event.action": "member.view", "user.name": "j.devries"}
    enrich(fields, NIGHT)
    assert set(fields) == {
        "event.action",
        "user.name",
        "sentinel.local.hour",
        "sentinel.local.weekday",
        "sentinel.local.date",
        "sentinel.local.business_hours",
    }


def test_pulls_share_one_enricher_so_the_directory_reloads(
    settings: Settings, clock: ManualClock
) -> None:
    first = build_enricher(settings, clock)
    assert build_enricher(settings, clock) is first
    assert settings.directory is not None
    settings.directory.write_text(
        DIRECTORY + "k.smit,U1003,Kees Smit,staff,staff,support,active,\n"
    )
    st = settings.directory.stat()
    os.utime(settings.directory, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    clock.advance(timedelta(minutes=1))
    fields: dict[str, Any] = {"user.name": "k.smit"}
    build_enricher(settings, clock)(fields, NIGHT)
    assert fields["user.id"] == "U1003"


def test_a_broken_data_map_stops_the_build_with_file_and_line(
    settings: Settings, clock: ManualClock
) -> None:
    assert settings.data_map is not None
    settings.data_map.write_text("categories: [contact]\nactions:\n  login: {categories: [pin]}\n")
    with pytest.raises(EnrichmentError, match=r"datamap\.yaml:3: .*unknown category 'pin'"):
        build_enricher(settings, clock)
    assert issubclass(EnrichmentError, ValueError)


class _DictParser:
    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        assert isinstance(record.data, dict)
        return [dict(record.data)]


def test_the_pipeline_stores_enriched_events(settings: Settings, clock: ManualClock) -> None:
    pipeline = Pipeline(
        source="app", parser=_DictParser(), enrich=build_enricher(settings, clock), clock=clock
    )
    record = RawRecord(
        data={
            "@timestamp": NIGHT,
            "event.action": "member.export",
            "user.name": "j.devries",
            "sentinel.records": 450,
        },
        position="f:0",
        label="app.jsonl:0",
        stream="app.jsonl",
    )
    [event] = pipeline.events(record)
    assert event.fields["sentinel.records"] == 450
    assert event.fields["sentinel.account.kind"] == "staff"
    assert event.fields["sentinel.local.business_hours"] is False
