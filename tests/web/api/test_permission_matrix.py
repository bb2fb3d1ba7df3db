"""Every API route, every role: 401 without a session, 403 without the permission, else through.

The table is the app itself: ``sentinel.web.guard.routes`` lists every route under
/api with the rule it was registered with, so a new route is walked here the day it
is added. ``EXAMPLES`` gives a route the path values and body that make its call
meaningful (a resource that exists); without one, placeholders are used, and "through"
means the guard let the call reach the route (any answer but 401 and 403).
Restricted incidents (404 for a non-participant) are walked by the routes that show them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from sentinel.access.permissions import ROLE_PERMISSIONS, ROLES
from sentinel.web.guard import RouteAccess, routes
from tests.web.api.conftest import Api, Person

EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/auth/login"): {"json": {"username": "nobody", "password": "x"}},
}
"""(method, path) → {"path": {...}, "json": {...}} for routes that need real values."""

_PARAM = re.compile(r"\{([^}]+)\}")


def url_of(route: RouteAccess) -> str:
    values = EXAMPLES.get((route.method, route.path), {}).get("path", {})
    return _PARAM.sub(lambda m: str(values.get(m.group(1), "placeholder")), route.path)


def call(person_or_client: Any, route: RouteAccess, headers: dict[str, str]) -> int:
    client = getattr(person_or_client, "client", person_or_client)
    body = EXAMPLES.get((route.method, route.path), {}).get("json")
    answer = client.request(route.method, url_of(route), json=body, headers=headers)
    return answer.status_code


def test_every_api_route_says_who_may_call_it(sqlite_api: Api) -> None:
    found = routes(sqlite_api.app)
    assert found, "no API routes found"
    unguarded = [f"{r.method} {r.path}" for r in found if r.rule is None]
    assert unguarded == [], "every API route must be registered with permission= or access="


def test_without_a_session_every_route_but_the_public_ones_answers_401(sqlite_api: Api) -> None:
    client = sqlite_api.client()
    for route in routes(sqlite_api.app):
        if route.rule is not None and route.rule.kind == "public":
            continue
        status = call(client, route, {})
        assert status == 401, f"{route.method} {route.path} answered {status} without a session"
    for method, url in (("GET", "/api/incidents/INC-2026-9999"), ("DELETE", "/api/nothing/here")):
        assert client.request(method, url).status_code == 401


@pytest.fixture
def people(sqlite_api: Api) -> dict[str, Person]:
    """One person per role with a second factor; each call below signs in afresh, so a
    route that ends its caller's sessions (signing out) does not spoil the next."""
    return {role: sqlite_api.person(role) for role in ROLES}


def test_each_role_gets_exactly_the_routes_its_permissions_allow(
    sqlite_api: Api, people: dict[str, Person]
) -> None:
    problems = []
    for route in routes(sqlite_api.app):
        rule = route.rule
        assert rule is not None
        if rule.kind in ("public", "signing_in"):
            continue
        for role, person in people.items():
            allowed = rule.kind == "signed_in" or rule.permission in ROLE_PERMISSIONS[role]
            person.sign_in()
            status = call(person, route, person.headers())
            through = status not in (401, 403)
            if through != allowed:
                problems.append(f"{role} {route.method} {route.path}: {status}")
    assert problems == []


def test_a_restricted_incident_answers_like_one_that_does_not_exist(
    sqlite_api: Api, people: dict[str, Person]
) -> None:
    """For everyone with the route's permission but outside the incident, every incident route
    answers exactly as it does for an id nobody has (so its existence does not leak); the
    privacy officer gets through to it."""
    from sentinel.incidents.service import Incidents

    incidents = Incidents(sqlite_api.store, sqlite_api.clock)
    secret = incidents.open("Insider export", by="someone.else", commander="someone.else").incident
    incidents.update(secret.id, by="someone.else", restricted=True)
    missing = "INC-2026-9999"
    leaks = []
    for route in routes(sqlite_api.app):
        rule = route.rule
        assert rule is not None
        if "{incident_id}" not in route.path or rule.kind != "permission":
            continue
        for role, person in people.items():
            if rule.permission not in ROLE_PERMISSIONS[role]:
                continue
            answers = {}
            for incident_id in (secret.id, missing):
                person.sign_in()
                values = {**EXAMPLES.get((route.method, route.path), {}).get("path", {})}
                url = _PARAM.sub(
                    lambda m, i=incident_id, v=values: (
                        i if m.group(1) == "incident_id" else str(v.get(m.group(1), "placeholder"))
                    ),
                    route.path,
                )
                body = EXAMPLES.get((route.method, route.path), {}).get("json")
                answer = person.client.request(
                    route.method, url, json=body, headers=person.headers()
                )
                shown = answer.json() if answer.content else {}
                detail = shown.get("detail", "") if isinstance(shown, dict) else str(shown)
                answers[incident_id] = (answer.status_code, detail.replace(incident_id, "ID"))
            if "incidents:all" in ROLE_PERMISSIONS[role]:
                status = answers[secret.id][0]
                unseen = answers[secret.id] == answers[missing] and status != 422
                if status in (401, 403) or unseen:
                    leaks.append(f"{role} cannot reach {route.method} {route.path}")
            elif answers[secret.id] != answers[missing] or answers[secret.id][0] < 400:
                leaks.append(f"{role} {route.method} {route.path}: {answers}")
    assert leaks == []
