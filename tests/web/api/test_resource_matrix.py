"""Every resource route, every role, on real resources: the right role gets a 2xx answer, the
wrong one 403, and anyone but the privacy officer and its people 404 on a restricted incident.

The routes come from the app itself (``sentinel.web.guard.routes``), so a resource route
added later is walked here too, and fails until ``CALLS`` says how to call it. Each write
is made on freshly made resources, so one role's change does not decide the next one's
answer. (No session at all answers 401 on every route: ``test_permission_matrix``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.access.permissions import ROLE_PERMISSIONS, ROLES
from sentinel.config import Settings
from sentinel.notify.outbox import KIND as OUTBOX
from sentinel.notify.outbox import Notification, enqueue
from sentinel.services.actor import Caller
from sentinel.services.context import ServiceContext
from sentinel.services.drafts import DraftService
from sentinel.services.incidents import IncidentService
from sentinel.store.base import Store
from sentinel.web.app import create_app
from sentinel.web.guard import RouteAccess, routes
from tests.access.conftest import cheap_access
from tests.conftest import ManualClock
from tests.drafts.conftest import full_facts
from tests.services.conftest import REPO, nested, raise_alert
from tests.web.api.conftest import Api, Person

RESOURCES = ("/api/alerts", "/api/incidents", "/api/drafts", "/api/facts", "/api/rules")
RESOURCES += ("/api/sources", "/api/audit", "/api/register", "/api/events", "/api/outbox")
RESOURCES += ("/api/workers",)
SYSTEM = Caller("olga")
"""Who makes the resources (the command line: every permission)."""


@dataclass
class World:
    """Fresh resources: alerts, an incident with a playbook and drafts, one without a
    playbook, and a restricted incident with a draft that nobody signed in takes part in."""

    ids: dict[str, str] = field(default_factory=dict)


def make_world(ctx: ServiceContext, n: int) -> World:
    incidents, drafts = IncidentService(ctx), DraftService(ctx)
    queue = raise_alert(ctx, f"queue{n}", hour=-n)
    spare = raise_alert(ctx, f"spare{n}", hour=-n)
    evidence = raise_alert(ctx, f"evidence{n}", hour=-n)
    inc = incidents.open(SYSTEM, None, alerts=[evidence], playbook="lost_device").id
    plain = incidents.open(SYSTEM, f"Letter to the wrong garage {n}").id
    secret = incidents.open(SYSTEM, f"Board member's account {n}", playbook="lost_device").id
    secret_plain = incidents.open(SYSTEM, f"Board member's mail {n}").id
    for restricted in (secret, secret_plain):
        incidents.update(SYSTEM, restricted, restricted=True)
    for known in (inc, secret):
        incidents.update_facts(SYSTEM, known, document=nested(full_facts()))
        for letter in drafts.member_letters(SYSTEM, known, langs=["en"]).letters:
            drafts.approve(SYSTEM, letter.id)
    draft = drafts.render(SYSTEM, inc, "management_summary", lang="en").id
    secret_draft = drafts.render(SYSTEM, secret, "management_summary", lang="en").id
    note = given_up(ctx, f"alert:{queue}", f"{queue} exports by a terminated account")
    secret_note = given_up(ctx, f"reminder:{secret}:24h", f"{secret}: 48 hours left")
    return World(
        {
            "alert": queue,
            "spare": spare,
            "incident": inc,
            "plain": plain,
            "secret": secret,
            "secret_plain": secret_plain,
            "draft": draft,
            "secret_draft": secret_draft,
            "note": note,
            "secret_note": secret_note,
        }
    )


def given_up(ctx: ServiceContext, note_id: str, title: str) -> str:
    """A message whose only channel was given up on (what a retry takes)."""
    enqueue(ctx.store, Notification(note_id, "alert", title, "high", {}), ctx.clock)
    rec = ctx.store.get_record(OUTBOX, note_id)
    assert rec is not None
    failed = {"status": "failed", "attempts": 8, "error": "550 mailbox unknown"}
    data = {**rec.data, "status": "failed", "deliveries": {"security": failed}}
    ctx.store.update_record(OUTBOX, note_id, data, rec.version)
    return note_id


@dataclass(frozen=True)
class Call:
    path: dict[str, str]
    """Path parameter → which resource of the world (or a literal step id)."""
    json: Any = None
    params: dict[str, str] | None = None
    restricted: dict[str, str] | None = None
    """The same call on the restricted incident (None: the route shows no incident)."""


INC = {"incident_id": "incident"}
SECRET = {"incident_id": "secret"}
CALLS: dict[tuple[str, str], Call] = {
    ("GET", "/api/alerts"): Call({}),
    ("POST", "/api/alerts/acknowledge"): Call({}, json="bulk"),
    ("POST", "/api/alerts/close"): Call({}, json="bulk_close"),
    ("POST", "/api/alerts/escalate"): Call({}, json="escalate"),
    ("GET", "/api/alerts/{alert_id}"): Call({"alert_id": "alert"}),
    ("POST", "/api/alerts/{alert_id}/acknowledge"): Call({"alert_id": "alert"}),
    ("POST", "/api/alerts/{alert_id}/close"): Call(
        {"alert_id": "alert"}, json={"reason": "false positive: test account"}
    ),
    ("GET", "/api/facts"): Call({}),
    ("GET", "/api/incidents"): Call({}, params={"all": "true"}),
    ("POST", "/api/incidents"): Call({}, json={"title": "Laptop stolen"}),
    ("GET", "/api/incidents/{incident_id}"): Call(INC, restricted=SECRET),
    ("PATCH", "/api/incidents/{incident_id}"): Call(
        INC, json={"title": "Laptop with exports stolen"}, restricted=SECRET
    ),
    ("GET", "/api/incidents/{incident_id}/facts"): Call(INC, restricted=SECRET),
    ("PATCH", "/api/incidents/{incident_id}/facts"): Call(
        INC, json={"set": {"subjects.people": "40-60"}}, restricted=SECRET
    ),
    ("PUT", "/api/incidents/{incident_id}/awareness"): Call(
        INC, json="awareness", restricted=SECRET
    ),
    ("GET", "/api/incidents/{incident_id}/assessment"): Call(INC, restricted=SECRET),
    ("POST", "/api/incidents/{incident_id}/decisions"): Call(
        INC,
        json={"authority": "yes", "members": "no", "reason": "unencrypted, no risk to members"},
        restricted=SECRET,
    ),
    ("POST", "/api/incidents/{incident_id}/notifications"): Call(
        INC, json={"kind": "initial", "reference": "AP-2026-1"}, restricted=SECRET
    ),
    ("GET", "/api/incidents/{incident_id}/steps"): Call(INC, restricted=SECRET),
    ("POST", "/api/incidents/{incident_id}/playbook"): Call(
        {"incident_id": "plain"},
        json={"playbook": "general_breach"},
        restricted={"incident_id": "secret_plain"},
    ),
    ("GET", "/api/incidents/{incident_id}/steps/{step_id}"): Call(
        {**INC, "step_id": "=triage"}, restricted={**SECRET, "step_id": "=triage"}
    ),
    ("POST", "/api/incidents/{incident_id}/steps/{step_id}/complete"): Call(
        {**INC, "step_id": "=triage"},
        json={"note": "police report"},
        restricted={**SECRET, "step_id": "=triage"},
    ),
    ("POST", "/api/incidents/{incident_id}/steps/{step_id}/skip"): Call(
        {**INC, "step_id": "=contain"},
        json={"reason": "nothing to contain"},
        restricted={**SECRET, "step_id": "=contain"},
    ),
    ("GET", "/api/incidents/{incident_id}/timeline"): Call(INC, restricted=SECRET),
    ("GET", "/api/incidents/{incident_id}/members"): Call(INC, restricted=SECRET),
    ("POST", "/api/incidents/{incident_id}/notes"): Call(
        INC, json={"text": "police report filed"}, restricted=SECRET
    ),
    ("PUT", "/api/incidents/{incident_id}/status"): Call(
        INC, json={"status": "contained"}, restricted=SECRET
    ),
    ("GET", "/api/incidents/{incident_id}/drafts"): Call(INC, restricted=SECRET),
    ("POST", "/api/incidents/{incident_id}/drafts"): Call(
        INC, json={"kind": "ap_initial", "lang": "en"}, restricted=SECRET
    ),
    ("POST", "/api/incidents/{incident_id}/letters"): Call(
        INC, json={"langs": ["en"]}, restricted=SECRET
    ),
    ("GET", "/api/incidents/{incident_id}/letters.zip"): Call(INC, restricted=SECRET),
    ("GET", "/api/drafts/{draft_id}"): Call(
        {"draft_id": "draft"}, restricted={"draft_id": "secret_draft"}
    ),
    ("GET", "/api/drafts/{draft_id}/download"): Call(
        {"draft_id": "draft"}, restricted={"draft_id": "secret_draft"}
    ),
    ("POST", "/api/drafts/{draft_id}/approve"): Call(
        {"draft_id": "draft"}, json={"note": "checked"}, restricted={"draft_id": "secret_draft"}
    ),
    ("GET", "/api/rules"): Call({}),
    ("GET", "/api/rules/status"): Call({}),
    ("GET", "/api/sources"): Call({}),
    ("GET", "/api/sources/dead-letters"): Call({}),
    ("GET", "/api/sources/checkpoints"): Call({}),
    ("GET", "/api/sources/{source}"): Call({"source": "=app"}),
    ("GET", "/api/events"): Call({}, params={"where": "user.name=queue0", "limit": "5"}),
    ("GET", "/api/audit"): Call({}),
    ("GET", "/api/audit/verify"): Call({}),
    ("GET", "/api/register/export"): Call({}, params={"format": "csv"}),
    ("GET", "/api/outbox"): Call({}, params={"status": "failed"}),
    ("GET", "/api/outbox/{notification_id}"): Call(
        {"notification_id": "note"}, restricted={"notification_id": "secret_note"}
    ),
    ("POST", "/api/outbox/{notification_id}/retry"): Call(
        {"notification_id": "note"}, restricted={"notification_id": "secret_note"}
    ),
    ("GET", "/api/workers"): Call({}),
    ("GET", "/api/workers/jobs"): Call({}),
}
_PARAM = re.compile(r"\{([^}]+)\}")


@pytest.fixture
def api(sqlite_store: Store, clock: ManualClock, tmp_path: Path) -> Api:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        store_url=f"sqlite:///{tmp_path / 'unused.db'}",
        incidents={"playbooks_dir": REPO / "playbooks", "text_language": "en"},
        detection={"rules_dir": REPO / "rules"},
        organisation={
            "name": "Wegenwacht Leden B.V.",
            "address": "Stationsplein 1, 3511 ED Utrecht",
            "dpo_name": "F. de Vries",
            "dpo_email": "fg@wegenwacht.example",
        },
    )
    access = cheap_access(sqlite_store, clock)
    app = create_app(settings, sqlite_store, clock, access=access)
    return Api(app, access, sqlite_store, clock)


def resource_routes(api: Api) -> list[RouteAccess]:
    return [r for r in routes(api.app) if r.path.startswith(RESOURCES)]


def body_of(call: Call, world: World, clock: ManualClock) -> Any:
    ids = world.ids
    named = {
        "bulk": {"alerts": [{"id": ids["alert"]}]},
        "bulk_close": {"alerts": [{"id": ids["alert"]}], "reason": "handled: access revoked"},
        "escalate": {"alerts": [ids["spare"]], "title": "Exports by a terminated account"},
        "awareness": {
            "at": (clock.now() - timedelta(hours=1)).isoformat(),
            "reason": "the garage phoned",
        },
    }
    return named.get(call.json, call.json) if isinstance(call.json, str) else call.json


def url_of(route: RouteAccess, path: dict[str, str], world: World) -> str:
    def value(name: str) -> str:
        chosen = path[name]
        return chosen[1:] if chosen.startswith("=") else world.ids[chosen]

    return _PARAM.sub(lambda m: value(m.group(1)), route.path)


def test_every_resource_route_is_in_the_table(api: Api) -> None:
    missing = [
        f"{r.method} {r.path}" for r in resource_routes(api) if (r.method, r.path) not in CALLS
    ]
    assert missing == [], "say in CALLS how to call these routes"


def test_each_role_gets_2xx_where_allowed_403_elsewhere_404_on_a_restricted_incident(
    api: Api, clock: ManualClock
) -> None:
    state = api.app.state
    ctx = ServiceContext(state.settings, state.store, state.clock)
    people: dict[str, Person] = {role: api.person(role) for role in ROLES}
    for person in people.values():
        person.sign_in()
    shared = make_world(ctx, 0)
    problems: list[str] = []
    for n, route in enumerate(resource_routes(api), start=1):
        call = CALLS[(route.method, route.path)]
        rule = route.rule
        assert rule is not None and rule.permission is not None
        for role, person in people.items():
            world = shared if route.method == "GET" else make_world(ctx, n * 10 + ROLES.index(role))
            allowed = rule.permission in ROLE_PERMISSIONS[role]
            answer = person.client.request(
                route.method,
                url_of(route, call.path, world),
                json=body_of(call, world, clock),
                params=call.params,
                headers=person.headers(),
            )
            expected = "2xx" if allowed else "403"
            if (answer.is_success if allowed else answer.status_code == 403) is False:
                problems.append(
                    f"{role} {route.method} {route.path}: {answer.status_code} "
                    f"(expected {expected}) {answer.text[:200]}"
                )
            if call.restricted is None or not allowed:
                continue
            hidden = person.client.request(
                route.method,
                url_of(route, call.restricted, world),
                json=body_of(call, world, clock),
                params=call.params,
                headers=person.headers(),
            )
            sees_all = "incidents:all" in ROLE_PERMISSIONS[role]
            ok = hidden.is_success if sees_all else hidden.status_code == 404
            if not ok:
                problems.append(
                    f"{role} {route.method} {route.path} on a restricted incident: "
                    f"{hidden.status_code} (expected {'2xx' if sees_all else '404'}) "
                    f"{hidden.text[:200]}"
                )
    assert problems == []
