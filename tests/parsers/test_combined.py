"""Apache/nginx combined and common log format lines, hostile ones included."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.parsers.base import ParseError
from sentinel.parsers.combined import CombinedParser
from tests.parsers.records import make_record

LINE = (
    "145.97.10.1 - p03.anouk [23/Nov/2026:10:14:02 +0100] "
    '"GET /portal/members/M200145?tab=vehicles&x=1 HTTP/1.1" 200 5120 '
    '"https://portal.example.nl/portal/search" "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"'
)


def parse_one(line: str) -> dict:
    events = CombinedParser().parse(make_record(line))
    assert len(events) == 1
    return events[0]


def test_a_combined_line_gives_every_ecs_field() -> None:
    assert parse_one(LINE) == {
        "@timestamp": datetime(2026, 11, 23, 9, 14, 2, tzinfo=UTC),
        "source.ip": "145.97.10.1",
        "user.name": "p03.anouk",
        "http.request.method": "GET",
        "url.original": "/portal/members/M200145?tab=vehicles&x=1",
        "url.path": "/portal/members/M200145",
        "url.query": "tab=vehicles&x=1",
        "http.version": "1.1",
        "http.response.status_code": 200,
        "http.response.body.bytes": 5120,
        "http.request.referrer": "https://portal.example.nl/portal/search",
        "user_agent.original": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "event.category": ["web"],
        "event.type": ["access"],
        "event.outcome": "success",
    }


def test_a_common_format_line_has_no_referrer_or_agent() -> None:
    event = parse_one(
        '10.0.0.7 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326'
    )

    assert event["@timestamp"] == datetime(2000, 10, 10, 20, 55, 36, tzinfo=UTC)
    assert event["url.path"] == "/apache_pb.gif"
    assert "url.query" not in event
    assert "user.name" not in event
    assert "http.request.referrer" not in event
    assert "user_agent.original" not in event


def test_dashes_mean_absent() -> None:
    event = parse_one(
        '10.0.0.7 - - [10/Oct/2000:13:55:36 +0000] "POST /portal/login HTTP/1.1" 302 - "-" "-"'
    )

    for absent in ("user.name", "http.response.body.bytes", "http.request.referrer"):
        assert absent not in event
    assert "user_agent.original" not in event
    assert event["http.request.method"] == "POST"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "success"),
        (304, "success"),
        (399, "success"),
        (400, "failure"),
        (404, "failure"),
        (503, "failure"),
    ],
)
def test_outcome_follows_the_status(status: int, outcome: str) -> None:
    event = parse_one(
        f'1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" {status} 0 "-" "-"'
    )

    assert event["http.response.status_code"] == status
    assert event["event.outcome"] == outcome


def test_escaped_quotes_in_the_request_and_agent_are_unescaped() -> None:
    event = parse_one(
        r'1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /search?q=\"x\"%20y HTTP/1.1" 200 1 '
        r'"-" "sqlmap/1.7 \"evil\" \\ agent"'
    )

    assert event["url.original"] == '/search?q="x"%20y'
    assert event["url.query"] == 'q="x"%20y'
    assert event["user_agent.original"] == 'sqlmap/1.7 "evil" \\ agent'


def test_the_path_is_percent_decoded_so_encoding_cannot_hide_a_member_page() -> None:
    event = parse_one(
        '1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /portal/%6Dembers/M1%3F HTTP/1.1" 200 1'
    )

    assert event["url.path"] == "/portal/members/M1?"
    assert event["url.original"] == "/portal/%6Dembers/M1%3F"
    assert "url.query" not in event


def test_absolute_targets_of_proxy_probes_give_their_path() -> None:
    event = parse_one(
        '1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET http://example.com/a/b?c=d HTTP/1.1" 400 0'
    )

    assert event["url.original"] == "http://example.com/a/b?c=d"
    assert event["url.path"] == "/a/b"
    assert event["url.query"] == "c=d"


@pytest.mark.parametrize(
    "request_line",
    ["-", r"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "", "GARBAGE"],
)
def test_a_request_that_is_not_http_is_still_an_event(request_line: str) -> None:
    event = parse_one(f'1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "{request_line}" 400 226 "-" "-"')

    assert event["labels.request"] == request_line
    assert "http.request.method" not in event
    assert "url.path" not in event
    assert event["event.outcome"] == "failure"


def test_a_request_without_protocol_and_one_with_spaces_in_the_target() -> None:
    old = parse_one('1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /index.html" 200 10')
    spaced = parse_one('1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /a b HTTP/1.1" 400 10')

    assert (old["url.path"], "http.version" in old) == ("/index.html", False)
    assert (spaced["url.path"], spaced["http.version"]) == ("/a b", "1.1")


def test_a_host_name_goes_to_source_domain_and_ipv6_to_source_ip() -> None:
    named = parse_one(
        'crawl-66-249-66-1.googlebot.com - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1'
    )
    v6 = parse_one('2001:db8::1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1')

    assert named["source.domain"] == "crawl-66-249-66-1.googlebot.com"
    assert "source.ip" not in named
    assert v6["source.ip"] == "2001:db8::1"


def test_a_user_name_with_a_space_is_kept_whole() -> None:
    event = parse_one('1.2.3.4 - john doe [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1')

    assert event["user.name"] == "john doe"


def test_a_very_long_line_is_parsed_whole() -> None:
    agent, target = "A" * 200_000, "/" + "x" * 50_000
    event = parse_one(
        f'1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET {target} HTTP/1.1" 414 0 "-" "{agent}"'
    )

    assert event["user_agent.original"] == agent
    assert len(event["url.path"]) == 50_001


def test_lines_sharing_a_second_share_its_time_and_a_new_one_moves_on() -> None:
    parser = CombinedParser()
    lines = [
        '1.2.3.4 - - [31/Dec/2026:23:59:59 +0100] "GET / HTTP/1.1" 200 1',
        '1.2.3.4 - - [31/Dec/2026:23:59:59 +0100] "GET /a HTTP/1.1" 200 1',
        '1.2.3.4 - - [01/Jan/2027:00:00:00 +0100] "GET /b HTTP/1.1" 200 1',
    ]

    times = [parser.parse(make_record(line))[0]["@timestamp"] for line in lines]

    assert times == [
        datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC),
        datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 0, 0, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("", "no '\\[' opening the time"),
        ("hello world", "no '\\[' opening the time"),
        (
            '1.2.3.4 - - 10/Oct/2000:13:55:36 +0000 "GET / HTTP/1.1" 200 1',
            "no '\\[' opening the time",
        ),
        ('1.2.3.4 - - [2000-10-10T13:55:36Z] "GET / HTTP/1.1" 200 1', "time is not \\[dd/Mon/yyyy"),
        ('1.2.3.4 - - [10/Oct/2000:13:55:36] "GET / HTTP/1.1" 200 1', "time is not"),
        ("1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] GET / 200 1", "request is not a quoted string"),
        (
            '1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1 200 1',
            "request is not a quoted",
        ),
        ('1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" OK 1', "status and size"),
        (
            '1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1234567890123456789',
            "status and size",
        ),
        (
            '1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "Mozilla',
            "referrer and user agent",
        ),
        ('1.2.3.4 - - [10/Foo/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1', "has no month 'Foo'"),
        ('1.2.3.4 - - [31/Feb/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1', "no such time"),
        ('1.2.3.4 - - [10/Oct/2000:25:55:36 +0000] "GET / HTTP/1.1" 200 1', "no such time"),
    ],
)
def test_malformed_lines_say_what_is_wrong(line: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        CombinedParser().parse(make_record(line))


quoted_text = st.text(max_size=40).map(lambda s: s.replace("\\", "\\\\").replace('"', '\\"'))


@given(st.text(max_size=300))
def test_any_text_gives_an_event_or_a_parse_error(text: str) -> None:
    try:
        events = CombinedParser().parse(make_record(text))
    except ParseError:
        return
    assert [e["@timestamp"].tzinfo for e in events] == [UTC]


@given(
    host=st.text(min_size=1, max_size=20).filter(lambda s: " " not in s),
    user=st.text(max_size=20),
    day=st.integers(0, 39),
    request=quoted_text,
    status=st.integers(0, 999),
    referrer=quoted_text,
    agent=quoted_text,
)
def test_combined_shaped_lines_with_any_parts_parse_or_say_why(
    host: str, user: str, day: int, request: str, status: int, referrer: str, agent: str
) -> None:
    line = (
        f'{host} - {user or "-"} [{day:02d}/Oct/2026:13:55:36 +0200] "{request}" '
        f'{status:03d} 12 "{referrer}" "{agent}"'
    )
    try:
        events = CombinedParser().parse(make_record(line))
    except ParseError:
        return
    assert events[0]["http.response.status_code"] == status


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("capture", "malformed"),
    [("elastic-apache-logs/apache_logs", 1), ("logparser-hackers-access/hackers-access.log", 0)],
)
def test_public_apache_captures_parse_line_for_line(
    real_logs: Path, capture: str, malformed: int
) -> None:
    lines = (
        (real_logs / capture).read_text(encoding="utf-8", errors="backslashreplace").splitlines()
    )
    parser = CombinedParser()
    events, errors = [], []
    for n, line in enumerate(lines):
        try:
            events += parser.parse(make_record(line, offset=n))
        except ParseError as exc:
            errors.append(str(exc))

    statuses = [int(m.group(1)) for m in map(re.compile(r'" (\d{3}) ').search, lines) if m]
    assert len(events) == len(lines) - malformed
    assert (
        errors
        == ["not in combined log format: referrer and user agent are not two quoted strings"]
        * malformed
    )
    failures = sum(1 for e in events if e["event.outcome"] == "failure")
    assert failures == sum(1 for s in statuses if s >= 400)
    assert all("url.path" in e for e in events if "http.request.method" in e)
    assert all(e["@timestamp"].year == 2015 for e in events)


def test_a_vhost_combined_line_keeps_the_client_and_names_the_virtual_host() -> None:
    event = parse_one(
        "portal.example.nl:443 203.0.113.9 - p03.anouk [10/Oct/2000:13:55:36 +0000] "
        '"GET /portal/members/M1 HTTP/1.1" 200 512 "-" "curl/8.5"'
    )
    v6_client = parse_one(
        'portal.example.nl:80 2001:db8::1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1'
    )

    assert (event["source.ip"], event["user.name"]) == ("203.0.113.9", "p03.anouk")
    assert (event["destination.domain"], event["destination.port"]) == ("portal.example.nl", 443)
    assert event["url.path"] == "/portal/members/M1"
    assert (v6_client["source.ip"], v6_client["destination.port"]) == ("2001:db8::1", 80)


@pytest.mark.parametrize("client", ["2001:db8::1", "::1", "fe80::1", "1:2:3:4:5:6:7:8", "10.0.0.1"])
def test_a_client_address_is_never_taken_for_a_virtual_host(client: str) -> None:
    event = parse_one(f'{client} - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1')

    assert event["source.ip"] == client
    assert "destination.domain" not in event
