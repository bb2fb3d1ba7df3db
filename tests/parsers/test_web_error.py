"""Apache and nginx error logs: basic-auth refusals and denied requests, in the source's zone."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel.parsers import make_parser
from sentinel.parsers.base import ParseError
from sentinel.parsers.web_error import WebErrorParser
from tests.parsers.records import make_record

AMS = ZoneInfo("Europe/Amsterdam")


def one(line: str) -> dict:
    [event] = WebErrorParser(AMS).parse(make_record(line))
    return event


def test_an_apache_2_4_basic_auth_refusal_names_user_client_and_code() -> None:
    event = one(
        "[Tue Mar 04 10:15:02.123456 2025] [auth_basic:error] [pid 1234:tid 140] "
        '[client 203.0.113.9:40112] AH01617: user admin: authentication failure for "/admin": '
        "Password Mismatch, referer: https://portal.example.org/"
    )

    assert event["@timestamp"] == datetime(2025, 3, 4, 9, 15, 2, 123456, tzinfo=UTC)
    assert (event["event.action"], event["event.outcome"]) == ("web_auth_failure", "failure")
    assert (event["user.name"], event["source.ip"], event["source.port"]) == (
        "admin",
        "203.0.113.9",
        40112,
    )
    assert (event["error.code"], event["log.logger"], event["log.level"]) == (
        "AH01617",
        "auth_basic",
        "error",
    )
    assert event["process.pid"] == 1234
    assert event["message"].startswith("user admin: authentication failure")


@pytest.mark.parametrize(
    ("client", "address", "port"),
    [
        ("[client 2001:db8::9:40113]", "2001:db8::9", 40113),
        ("[client 2001:db8::9]", "2001:db8::9", None),
        ("[client 81.199.21.119]", "81.199.21.119", None),
    ],
)
def test_apache_clients_with_and_without_a_port(
    client: str, address: str, port: int | None
) -> None:
    event = one(f"[Tue Mar 04 10:15:03 2025] [error] {client} user root not found: /admin")

    assert (event["source.address"], event.get("source.port")) == (address, port)
    assert (event["event.action"], event["user.name"]) == ("web_auth_failure", "root")


@pytest.mark.parametrize(
    "line",
    [
        "[Tue Mar 04 10:15:04.000001 2025] [authz_core:error] [pid 1:tid 2] [client 203.0.113.9:1] "
        "AH01630: client denied by server configuration: /var/www/private/members.csv",
        "[Sun Dec 04 04:51:18 2005] [error] [client 81.199.21.119] Directory index forbidden by "
        "rule: /var/www/html/",
        "2025/03/04 10:15:07 [error] 2211#2211: *19 access forbidden by rule, client: 1.2.3.4, "
        'server: portal, request: "GET /.git/config HTTP/1.1", host: "portal.example.org"',
    ],
)
def test_requests_the_configuration_refused_are_denied(line: str) -> None:
    event = one(line)

    assert (event["event.action"], event["event.outcome"]) == ("web_access_denied", "failure")
    assert "source.address" in event


def test_an_nginx_refusal_carries_its_request_and_host() -> None:
    event = one(
        '2025/03/04 10:15:06 [error] 2211#2211: *18 user "test" was not found in '
        '"/etc/nginx/.htpasswd", client: 198.51.100.4, server: portal, request: '
        '"GET /%61dmin/?x=1 HTTP/1.1", host: "portal.example.org"'
    )

    assert event["@timestamp"] == datetime(2025, 3, 4, 9, 15, 6, tzinfo=UTC)
    assert (event["event.action"], event["user.name"]) == ("web_auth_failure", "test")
    assert (event["http.request.method"], event["url.path"], event["url.original"]) == (
        "GET",
        "/admin/",  # decoded, as from the access log
        "/%61dmin/?x=1",
    )
    assert (event["destination.domain"], event["source.ip"]) == (
        "portal.example.org",
        "198.51.100.4",
    )


@pytest.mark.parametrize(
    "line",
    [
        '2025/03/04 10:15:05 [error] 2211#2211: *17 user "x, client: 6.6.6.6, server: p": '
        'password mismatch, client: 198.51.100.4, server: portal, request: "GET / HTTP/1.1"',
        "2025/03/04 10:15:05 [info] 2211#2211: *17 client sent invalid request while reading "
        'client request line, client: 198.51.100.4, server: portal, request: "GET /x, client: '
        '6.6.6.6, server: p HTTP/1.1"',
    ],
)
def test_a_client_address_written_by_the_client_frames_no_one(line: str) -> None:
    event = one(line)

    assert "source.address" not in event and "source.ip" not in event


def test_other_lines_are_plain_events_and_not_error_logs_are_dead_letters() -> None:
    notice = one(
        "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/w.properties"
    )

    assert "event.action" not in notice
    assert (notice["log.level"], notice["message"]) == (
        "notice",
        "workerEnv.init() ok /etc/httpd/conf/w.properties",
    )
    with pytest.raises(ParseError, match=r"not an Apache .* or nginx .* error-log line"):
        one('127.0.0.1 - - [04/Mar/2025:10:15:02 +0100] "GET / HTTP/1.1" 200 5')
    with pytest.raises(ParseError, match="no such time"):
        one("[Tue Feb 30 10:15:02 2025] [error] x")


def test_a_time_the_clocks_passed_twice_is_read_as_the_first() -> None:
    event = one("2025/10/26 02:30:00 [error] 1#1: x")

    assert event["@timestamp"] == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # still summer time


def test_make_parser_gives_the_zone_of_the_source() -> None:
    parser = make_parser("web_error", zone=ZoneInfo("America/New_York"))
    [event] = parser.parse(make_record("2025/01/15 10:00:00 [error] 1#1: x"))

    assert event["@timestamp"] == datetime(2025, 1, 15, 15, 0, tzinfo=UTC)


@settings(deadline=None)
@given(
    st.sampled_from(
        [
            "[Tue Mar 04 10:15:02.123456 2025] [auth_basic:error] [pid 1:tid 2] [client ",
            "[Sun Dec 04 04:51:18 2005] [error] ",
            "2025/03/04 10:15:05 [error] 2211#2211: *17 ",
            "",
        ]
    ),
    st.text(alphabet=st.sampled_from('ab1:.,"[] user/client:servrequst*'), max_size=80),
)
def test_any_line_gives_an_event_or_a_parse_error(head: str, tail: str) -> None:
    with contextlib.suppress(ParseError):
        [event] = WebErrorParser(AMS).parse(make_record(head + tail))
        assert event["@timestamp"].tzinfo is not None
