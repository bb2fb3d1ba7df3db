"""Choosing a parser by format, refusing settings that do not apply, and parsing from disk."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sentinel.config import LogFormat
from sentinel.ingest import Pipeline, ingest
from sentinel.parsers import FORMATS, make_parser
from sentinel.parsers.cloudtrail import CloudTrailParser
from sentinel.parsers.combined import CombinedParser
from sentinel.parsers.csvlines import CsvParser
from sentinel.parsers.jsonl import JsonlParser
from sentinel.parsers.s3access import S3AccessParser
from sentinel.parsers.sshd import SshdParser
from sentinel.parsers.syslog import SyslogParser
from sentinel.sources.file import FileReader
from sentinel.store.query import EventQuery

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [
        ("jsonl", JsonlParser),
        ("combined", CombinedParser),
        ("sshd", SshdParser),
        ("syslog", SyslogParser),
        ("cloudtrail", CloudTrailParser),
        ("s3access", S3AccessParser),
        ("csv", CsvParser),
    ],
)
def test_each_format_has_its_parser(fmt: str, kind: type) -> None:
    assert isinstance(make_parser(fmt, zone=AMS, field_map={}, csv_timestamp_format=None), kind)


def test_the_formats_are_those_settings_accept() -> None:
    assert set(FORMATS) == set(LogFormat.__args__)


def test_an_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(
        ValueError,
        match="unknown log format 'gelf'; known formats: "
        "jsonl, combined, web_error, alb, sshd, syslog, journald, csv, cloudtrail, s3access",
    ):
        make_parser("gelf", zone=AMS, field_map={}, csv_timestamp_format=None)


@pytest.mark.parametrize("fmt", ["combined", "sshd"])
def test_a_field_map_on_a_fixed_format_is_refused(fmt: str) -> None:
    with pytest.raises(ValueError, match=f"field_map applies to jsonl and csv sources; the {fmt}"):
        make_parser(fmt, zone=AMS, field_map={"a": "user.name"})


def test_a_csv_timestamp_format_on_another_format_is_refused() -> None:
    with pytest.raises(ValueError, match="csv_timestamp_format applies to csv sources only"):
        make_parser("jsonl", zone=AMS, csv_timestamp_format="%Y")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_field_map_onto_a_field_rules_cannot_use_is_refused(fmt: str) -> None:
    with pytest.raises(ValueError, match=r"'login' -> 'sentinel\.account\.status'"):
        make_parser(fmt, zone=AMS, field_map={"login": "sentinel.account.status"})


def write(path: Path, text: str, mtime: datetime) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))


def test_an_auth_log_read_from_disk_gives_events_nothing_and_dead_letters(
    tmp_path: Path, clock, sqlite_store
) -> None:
    log = tmp_path / "auth.log"
    write(
        log,
        "Dec 31 23:59:58 gw1 sshd[7]: Failed password for root from 203.0.113.9 port 4 ssh2\n"
        "Dec 31 23:59:59 gw1 CRON[8]: pam_unix(cron:session): session opened for user root\n"
        "Jan  1 00:00:01 gw1 sshd[7]: message repeated 2 times: "
        "[ Failed password for root from 203.0.113.9 port 4 ssh2]\n"
        "garbage that is not syslog\n",
        datetime(2027, 1, 1, 0, 5, tzinfo=UTC),
    )

    def run() -> object:
        pipeline = Pipeline(
            source="gw", parser=make_parser("sshd", zone=AMS), enrich=None, clock=clock
        )
        return ingest(FileReader(str(log), None, clock=clock, final=True), pipeline, sqlite_store)

    report = run()
    again = run()

    assert (report.read, report.events, report.stored, report.dead_letters) == (4, 3, 3, 1)
    assert (again.stored, again.duplicates) == (0, 3)
    events = sqlite_store.search_events(EventQuery(), limit=10).events
    assert sorted(e.timestamp for e in events) == [
        datetime(2026, 12, 31, 22, 59, 58, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 0, 1, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 0, 1, tzinfo=UTC),
    ]
    [dead] = sqlite_store.dead_letters(source="gw")
    assert dead.reason.startswith("not a syslog line")
    assert dead.position.endswith("auth.log:" + str(log.read_bytes().index(b"garbage")))


def test_a_csv_file_read_from_disk_knows_its_header(tmp_path: Path, clock, sqlite_store) -> None:
    data = tmp_path / "access.csv"
    write(
        data,
        "ts,user,action\n23-11-2026 10:00,k.smit,member.view\n23-11-2026 10:01,k.smit,logout\n",
        datetime(2026, 11, 23, 12, tzinfo=UTC),
    )
    parser = make_parser(
        "csv",
        zone=AMS,
        field_map={"ts": "@timestamp", "user": "user.name", "action": "event.action"},
        csv_timestamp_format="%d-%m-%Y %H:%M",
    )
    pipeline = Pipeline(source="csv", parser=parser, enrich=None, clock=clock)

    report = ingest(FileReader(str(data), None, clock=clock, final=True), pipeline, sqlite_store)

    assert (report.read, report.events, report.dead_letters) == (3, 2, 0)
    actions = {
        e.fields["event.action"] for e in sqlite_store.search_events(EventQuery(), limit=10).events
    }
    assert actions == {"member.view", "logout"}
