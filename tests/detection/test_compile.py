"""Sigma detections select exactly the events a detection engineer expects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.store.query import EventQuery
from tests.detection.conftest import ev

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

EVENTS = [
    ev(
        T0,
        user__name="J.DeVries",
        event__action="member.view",
        url__path="/api/v1/members/M1",
        source__ip="145.97.1.10",
        http__response__status_code=200,
        user__roles=["backoffice"],
    ),
    ev(
        T0 + timedelta(seconds=1),
        user__name="svc-export",
        event__action="member.export",
        url__path="/portal/export?all=1",
        source__ip="10.1.2.3",
        http__response__status_code=500,
        user__roles=["api", "export"],
    ),
    ev(
        T0 + timedelta(seconds=2),
        user__name="k.jansen",
        event__action="login",
        source__ip="2001:610::5",
        http__response__status_code=404,
        message="a*b literal",
    ),
    ev(
        T0 + timedelta(seconds=3),
        user__name="api1",
        event__action="payment.view",
        url__path="/API/v1/members/M2/payment-details",
        source__ip="185.220.101.1",
    ),
]


def rule(detection: str) -> str:
    return f"""
title: t
name: t
logsource: {{product: sentinel}}
detection:
{detection}
level: low
"""


@pytest.fixture
def matched(sqlite_store, rules_from):
    sqlite_store.write_events(EVENTS)

    def run(detection: str) -> set[str]:
        rs = rules_from(rule(detection))
        found = sqlite_store.search_events(EventQuery(rs.rules["t"].filter), limit=100).events
        return {e.fields["user.name"] for e in found}

    return run


def test_plain_values_match_case_insensitively(matched) -> None:
    assert matched("  s:\n    user.name: j.devries\n  condition: s") == {"J.DeVries"}


def test_cased_modifier_matches_case_sensitively(matched) -> None:
    assert matched("  s:\n    user.name|cased: j.devries\n  condition: s") == set()
    assert matched("  s:\n    user.name|cased: J.DeVries\n  condition: s") == {"J.DeVries"}


def test_wildcards_and_list_values_or(matched) -> None:
    got = matched("  s:\n    user.name:\n      - 'svc-*'\n      - 'api?'\n  condition: s")
    assert got == {"svc-export", "api1"}


def test_escaped_wildcard_is_literal(matched) -> None:
    assert matched("  s:\n    message: 'a\\*b literal'\n  condition: s") == {"k.jansen"}
    assert matched("  s:\n    message: 'a\\*b*'\n  condition: s") == {"k.jansen"}


def test_contains_startswith_endswith(matched) -> None:
    assert matched("  s:\n    url.path|contains: members\n  condition: s") == {"J.DeVries", "api1"}
    assert matched("  s:\n    url.path|startswith: /portal\n  condition: s") == {"svc-export"}
    assert matched("  s:\n    url.path|endswith: payment-details\n  condition: s") == {"api1"}


def test_contains_all_requires_every_value(matched) -> None:
    got = matched("  s:\n    url.path|contains|all: [api, payment]\n  condition: s")
    assert got == {"api1"}


def test_regex_is_case_sensitive_unless_i(matched) -> None:
    assert matched("  s:\n    url.path|re: '^/api/v1/members/M[0-9]$'\n  condition: s") == {
        "J.DeVries"
    }
    assert matched("  s:\n    url.path|re|i: '^/api/'\n  condition: s") == {"J.DeVries", "api1"}


def test_cidr_v4_and_v6(matched) -> None:
    assert matched("  s:\n    source.ip|cidr: 145.97.0.0/16\n  condition: s") == {"J.DeVries"}
    assert matched("  s:\n    source.ip|cidr: '2001:610::/32'\n  condition: s") == {"k.jansen"}


def test_numeric_comparisons(matched) -> None:
    got = matched("  s:\n    http.response.status_code|gte: 400\n  condition: s")
    assert got == {"svc-export", "k.jansen"}
    assert matched("  s:\n    http.response.status_code|lt: 300\n  condition: s") == {"J.DeVries"}


def test_exists_and_not(matched) -> None:
    assert matched("  s:\n    message|exists: true\n  condition: s") == {"k.jansen"}
    got = matched(
        "  s:\n    event.action|startswith: member\n  f:\n    user.name: svc-*\n"
        "  condition: s and not f"
    )
    assert got == {"J.DeVries"}


def test_not_over_a_missing_field_matches(matched) -> None:
    got = matched("  s:\n    url.path|contains: members\n  condition: not s")
    assert got == {"svc-export", "k.jansen"}


def test_list_field_matches_any_element(matched) -> None:
    assert matched("  s:\n    user.roles: export\n  condition: s") == {"svc-export"}


def test_one_of_and_all_of_selections(matched) -> None:
    det = (
        "  sel_view:\n    event.action: member.view\n  sel_pay:\n    event.action: payment.view\n"
        "  sel_ip:\n    source.ip|cidr: 145.97.0.0/16\n"
    )
    assert matched(det + "  condition: 1 of sel_*") == {"J.DeVries", "api1"}
    assert matched(det + "  condition: all of sel_*") == set()
    assert matched(det + "  condition: sel_view and sel_ip") == {"J.DeVries"}
