"""CSV lines read against their stream's header and the source's field map."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.parsers.base import ParseError
from sentinel.parsers.csvlines import CsvParser
from tests.parsers.records import make_record

AMS = ZoneInfo("Europe/Amsterdam")
HEADER = "when,account,action,status,member,note"
FIELD_MAP = {
    "when": "@timestamp",
    "account": "user.name",
    "action": "event.action",
    "status": "http.response.status_code",
    "member": "sentinel.member.id",
}


def parse(line: str, parser: CsvParser | None = None, head: str | None = HEADER) -> list[dict]:
    return (parser or CsvParser(AMS, FIELD_MAP)).parse(make_record(line, head=head))


def test_mapped_columns_become_event_fields_and_the_rest_labels() -> None:
    [event] = parse(
        '2026-11-23T10:14:02+01:00,k.smit,member.view,200,M200145,"called, then viewed"'
    )

    assert event == {
        "@timestamp": datetime(2026, 11, 23, 9, 14, 2, tzinfo=UTC),
        "user.name": "k.smit",
        "event.action": "member.view",
        "http.response.status_code": 200,
        "sentinel.member.id": "M200145",
        "labels.note": "called, then viewed",
    }


def test_the_header_record_gives_no_event() -> None:
    assert parse(HEADER) == []


def test_empty_cells_give_no_field() -> None:
    [event] = parse("2026-11-23T10:14:02Z,,login,,,")

    assert event == {
        "@timestamp": datetime(2026, 11, 23, 10, 14, 2, tzinfo=UTC),
        "event.action": "login",
    }


def test_columns_named_like_event_fields_keep_their_name_unless_sentinel_derives_them() -> None:
    head = "@timestamp,user.name,user.roles,sentinel.account.inactive,Source IP"
    parser = CsvParser(AMS, {"Source IP": "source.ip"})

    [event] = parser.parse(
        make_record("2026-11-23T10:00:00Z,r.bos,backoffice; support,false,145.97.10.1", head=head)
    )

    assert event["user.name"] == "r.bos"
    assert event["user.roles"] == ["backoffice", "support"]
    assert event["labels.sentinel.account.inactive"] == "false"
    assert event["source.ip"] == "145.97.10.1"


@pytest.mark.parametrize(
    ("fmt", "cell", "expected"),
    [
        ("%d-%m-%Y %H:%M", "23-11-2026 10:14", datetime(2026, 11, 23, 9, 14, tzinfo=UTC)),
        ("%d-%m-%Y %H:%M", "23-07-2026 10:14", datetime(2026, 7, 23, 8, 14, tzinfo=UTC)),
        (
            "%d/%m/%Y %H:%M:%S %z",
            "23/11/2026 10:14:00 +0000",
            datetime(2026, 11, 23, 10, 14, tzinfo=UTC),
        ),
        (None, "2026-11-23 10:14:00", datetime(2026, 11, 23, 9, 14, tzinfo=UTC)),
        (None, "1784106000", datetime(2026, 7, 15, 9, 0, tzinfo=UTC)),
    ],
)
def test_the_timestamp_is_read_with_the_format_or_as_iso_or_epoch_in_the_zone(
    fmt: str | None, cell: str, expected: datetime
) -> None:
    parser = CsvParser(AMS, FIELD_MAP, fmt)

    [event] = parse(f"{cell},a,login,200,,", parser)

    assert event["@timestamp"] == expected


def test_the_header_is_known_when_reading_resumes_mid_file() -> None:
    parser = CsvParser(AMS, FIELD_MAP)
    other_head = "action,when,account,status,member,note"

    [first] = parser.parse(make_record("2026-11-23T10:00:00Z,a,login,200,,", head=HEADER))
    [second] = parser.parse(make_record("logout,2026-11-23T11:00:00Z,b,200,,", head=other_head))

    assert (first["user.name"], first["event.action"]) == ("a", "login")
    assert (second["user.name"], second["event.action"]) == ("b", "logout")


def test_a_byte_order_mark_and_spaces_around_column_names_are_ignored() -> None:
    head = "\ufeffwhen , account"
    parser = CsvParser(AMS, {"when": "@timestamp", "account": "user.name"})

    [event] = parser.parse(make_record("2026-11-23T10:00:00Z,a", head=head))

    assert event["user.name"] == "a"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2026-11-23T10:00:00Z,a,login", r"^expected 6 columns as in the header, found 3$"),
        (
            "2026-11-23T10:00:00Z,a,login,200,M1,x,extra",
            r"^expected 6 columns as in the header, found 7$",
        ),
        (
            "yesterday,a,login,200,,",
            r"^column 'when' \(@timestamp\): 'yesterday' is not a time in ISO 8601",
        ),
        (",a,login,200,,", r"^column 'when' \(@timestamp\) is empty$"),
        ("2026-11-23T10:00:00Z,a,login,OK,,", r"^column 'status': 'OK' is not a 64-bit whole"),
        ("2026-11-23T10:00:00Z,a,login,9" + "9" * 20 + ",,", r"^column 'status': '9+' is not a 64"),
        ('2026-11-23T10:00:00Z,"a,login,200,,', r"^not a CSV line: "),
    ],
)
def test_lines_that_give_no_event_say_why(line: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(line)


def test_a_wrong_timestamp_format_is_named() -> None:
    with pytest.raises(ParseError, match=r"is not a time in the format '%d-%m-%Y'"):
        parse("2026-11-23T10:00:00Z,a,login,200,,", CsvParser(AMS, FIELD_MAP, "%d-%m-%Y"))


def test_a_header_without_a_timestamp_column_names_the_columns() -> None:
    with pytest.raises(ParseError, match=r"no column maps to @timestamp: the header has a, b"):
        CsvParser(AMS, {}).parse(make_record("1,2", head="a,b"))


def test_a_record_without_a_known_header_is_refused() -> None:
    with pytest.raises(ParseError, match="no header line known"):
        parse("2026-11-23T10:00:00Z,a,login,200,,", head=None)


@given(st.text(max_size=200), st.text(max_size=60))
def test_any_line_and_header_give_events_nothing_or_a_parse_error(line: str, head: str) -> None:
    for parser in (CsvParser(AMS, FIELD_MAP), CsvParser(AMS, FIELD_MAP, "%Y-%m-%d %H:%M")):
        for header in (head, HEADER):
            try:
                events = parser.parse(make_record(line, head=header))
            except ParseError:
                continue
            assert all(e["@timestamp"].tzinfo is UTC for e in events)


@pytest.mark.realdata
def test_the_public_s3_honeybucket_export_parses_row_for_row(real_logs: Path) -> None:
    path = real_logs / "otrf-aws-s3-honeybucket" / "AWS_S3_HoneyBucketLogs.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    parser = CsvParser(
        AMS,
        {
            "Event DateTime": "@timestamp",
            "Event Name": "event.action",
            "Source IP": "source.ip",
            "Request User Agent": "user_agent.original",
            "Event ID": "event.id",
        },
    )

    results = [
        parser.parse(make_record(line, head=lines[0], offset=n)) for n, line in enumerate(lines)
    ]

    assert results[0] == []
    events = [e for result in results[1:] for e in result]
    assert len(events) == len(lines) - 1
    assert all(2020 <= e["@timestamp"].year <= 2022 and e["source.ip"] for e in events)
    assert {e["event.action"] for e in events} >= {"ListObjects"}
    assert all("labels.Request Parameters" in e for e in events)
