"""AWS Application Load Balancer access logs: the client, the request and the status."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel.parsers.alb import AlbParser
from sentinel.parsers.base import ParseError
from tests.parsers.records import make_record

LOGIN = (
    "https 2026-03-11T01:00:01.186641Z app/portal-lb/50dc6c495c0c9188 203.0.113.9:2817 "
    '10.0.0.1:80 0.000 0.048 0.000 401 401 212 57 "POST https://portal.example.org:443/portal/'
    'login?next=%2F HTTP/1.1" "python-requests/2.31.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 '
    "arn:aws:elasticloadbalancing:eu-central-1:111122223333:targetgroup/portal/73e2d6bc24d8a067 "
    '"Root=1-58337281-1d84f3d73c47ec4e58577259" "portal.example.org" "arn:aws:acm:x" 1 '
    '2026-03-11T01:00:01.138000Z "forward" "-" "-" "10.0.0.1:80" "401" "-" "-" TID_1'
)


def one(line: str) -> dict:
    [event] = AlbParser().parse(make_record(line))
    return event


def test_a_refused_login_through_the_balancer_gives_client_request_and_status() -> None:
    event = one(LOGIN)

    assert event["@timestamp"] == datetime(2026, 3, 11, 1, 0, 1, 186641, tzinfo=UTC)
    assert (event["source.ip"], event["source.port"]) == ("203.0.113.9", 2817)
    assert (event["http.request.method"], event["url.path"], event["url.query"]) == (
        "POST",
        "/portal/login",
        "next=%2F",
    )
    assert (event["http.response.status_code"], event["event.outcome"]) == (401, "failure")
    assert (event["destination.domain"], event["user_agent.original"]) == (
        "portal.example.org",
        "python-requests/2.31.0",
    )
    assert event["http.response.body.bytes"] == 57
    assert "labels.target_status_code" not in event


def test_a_request_the_balancer_could_not_read_is_kept_as_logged() -> None:
    event = one(
        "http 2026-03-11T01:00:02.000000Z app/portal-lb/5 [2001:db8::9]:2818 - -1 -1 -1 400 - "
        '0 272 "- - - " "-" - - - "-" "-" "-" - 2026-03-11T01:00:02.000000Z "-" "-" "-"'
    )

    assert (event["source.ip"], event["labels.request"]) == ("2001:db8::9", "- - - ")
    assert event["http.response.status_code"] == 400
    assert "url.path" not in event and "user_agent.original" not in event


def test_the_target_s_status_is_kept_when_it_differs() -> None:
    event = one(LOGIN.replace(" 401 401 ", " 502 503 ", 1))

    assert event["http.response.status_code"] == 502  # what the client got
    assert event["labels.target_status_code"] == "503"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not an alb line", "not an ALB access-log line"),
        (LOGIN.replace("https 2026-03-11T01:00:01.186641Z", "https yesterday"), "is not ISO 8601"),
        (LOGIN.replace("203.0.113.9:2817", "203.0.113.9"), "is not address:port"),
    ],
)
def test_what_is_not_an_alb_line_is_refused_with_the_reason(line: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        one(line)


@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from('https 20:-T."Z[]0159ab'), max_size=120))
def test_any_line_gives_an_event_or_a_parse_error(tail: str) -> None:
    with contextlib.suppress(ParseError):
        one("https " + tail)
