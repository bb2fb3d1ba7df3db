"""The resource API over HTTP: triage to an incident, versions in ETag and If-Match, need to
know, problem+json, and the same shapes the services give the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.config import Settings
from sentinel.notify.outbox import KIND as OUTBOX
from sentinel.services.context import ServiceContext
from sentinel.web.app import create_app
from tests.access.conftest import cheap_access
from tests.conftest import ManualClock
from tests.notify.conftest import queue_alert
from tests.services.conftest import REPO, raise_alert
from tests.web.api.conftest import Api, Person

PROBLEM = "application/problem+json"


def post(person: Person, url: str, if_match: str, **kwargs: object):  # type: ignore[no-untyped-def]
    """A write from the version read (its ETag in If-Match)."""
    headers = {**person.headers(), "If-Match": if_match}
    return person.client.post(url, headers=headers, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def api(store, clock: ManualClock, tmp_path: Path) -> Api:  # type: ignore[no-untyped-def]
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        store_url=f"sqlite:///{tmp_path / 'unused.db'}",
        incidents={"playbooks_dir": REPO / "playbooks"},
        detection={"rules_dir": REPO / "rules"},
    )
    access = cheap_access(store, clock)
    return Api(create_app(settings, store, clock, access=access), access, store, clock)


def ctx_of(api: Api) -> ServiceContext:
    state = api.app.state
    return ServiceContext(state.settings, state.store, state.clock)


def test_an_analyst_triages_the_queue_into_an_incident(api: Api) -> None:
    ctx = ctx_of(api)
    first, second = raise_alert(ctx, "m.jansen"), raise_alert(ctx, "p.smit", hour=1)
    anna = api.person("analyst", "anna")

    page = anna.client.get("/api/alerts", params={"limit": 1}).json()
    assert [a["id"] for a in page["items"]] == [second]
    rest = anna.client.get("/api/alerts", params={"limit": 1, "cursor": page["next"]}).json()
    assert [a["id"] for a in rest["items"]] == [first] and rest["next"] is None

    shown = anna.client.get(f"/api/alerts/{first}", params={"evidence_limit": 1})
    assert shown.headers["etag"] == f'"{shown.json()["version"]}"'
    assert shown.json()["evidence_total"] == 2
    assert shown.json()["evidence_events"][0]["user.name"] == "m.jansen"

    opened = anna.post("/api/alerts/escalate", json={"alerts": [first, second]})
    assert opened.status_code == 201, opened.text
    incident = opened.json()
    assert incident["created_by"] == "anna" and incident["playbook"] == "insider_misuse"
    assert incident["steps"][0]["id"] == "triage"
    escalated = anna.client.get("/api/alerts", params={"status": "escalated"}).json()
    assert {a["incident"] for a in escalated["items"]} == {incident["id"]}


def test_a_stale_version_answers_409_and_a_fresh_one_goes_through(api: Api) -> None:
    alert = raise_alert(ctx_of(api), "m.jansen")
    anna, bram = api.person("analyst", "anna"), api.person("analyst", "bram")
    seen = anna.client.get(f"/api/alerts/{alert}").headers["etag"]
    assert bram.post(f"/api/alerts/{alert}/acknowledge").status_code == 200

    stale = post(anna, f"/api/alerts/{alert}/close", seen, json={"reason": "false positive"})
    assert stale.status_code == 409, stale.text
    assert stale.headers["content-type"].startswith(PROBLEM)
    assert stale.json()["code"] == "stale"
    fresh = anna.client.get(f"/api/alerts/{alert}").headers["etag"]
    closed = post(anna, f"/api/alerts/{alert}/close", fresh, json={"reason": "false positive"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = anna.post(f"/api/alerts/{alert}/acknowledge")
    assert (again.status_code, again.json()["detail"]) == (
        409,
        f"alert {alert} is closed; it cannot become acknowledged",
    )


def test_the_incident_page_facts_decision_and_drafts_over_http(
    api: Api, clock: ManualClock
) -> None:
    carla = api.person("incident_commander", "carla")
    pia = api.person("privacy_officer", "pia")
    opened = carla.post(
        "/api/incidents", json={"title": "Laptop stolen", "playbook": "lost_device"}
    )
    assert opened.status_code == 201, opened.text
    inc = opened.json()["id"]

    page = carla.client.get(f"/api/incidents/{inc}")
    assert page.json()["clock"]["seconds_left"] == 72 * 3600
    facts = carla.client.patch(
        f"/api/incidents/{inc}/facts",
        json={"set": {"subjects.people": "120-150"}, "facts": {"encryption": {"state": "none"}}},
        headers={**carla.headers(), "If-Match": page.headers["etag"]},
    )
    assert facts.status_code == 200, facts.text
    assert facts.json()["facts"]["subjects"]["people"] == {"min": 120, "max": 150}
    wrong = carla.client.patch(
        f"/api/incidents/{inc}/facts",
        json={"set": {"cause.kind": "aliens"}},
        headers=carla.headers(),
    )
    assert wrong.status_code == 422 and "cause.kind" in wrong.json()["detail"]
    stale = carla.client.patch(
        f"/api/incidents/{inc}/facts",
        json={"set": {"subjects.records": "150"}},
        headers={**carla.headers(), "If-Match": page.headers["etag"]},
    )
    assert stale.status_code == 409

    refused = api.person("analyst", "anna").post(
        f"/api/incidents/{inc}/decisions",
        json={"authority": "yes", "members": "yes", "reason": "unencrypted"},
    )
    assert refused.status_code == 403
    clock.advance(minutes=20)  # pia's second factor was given at sign-in: now too old
    old = pia.post(
        f"/api/incidents/{inc}/decisions",
        json={"authority": "yes", "members": "yes", "reason": "unencrypted"},
    )
    assert (old.status_code, old.json()["code"]) == (403, "step_up_required")
    pia.step_up()
    decided = pia.post(
        f"/api/incidents/{inc}/decisions",
        json={"authority": "yes", "members": "yes", "reason": "unencrypted"},
    )
    assert decided.status_code == 201, decided.text
    assert decided.json()["by"] == "pia"

    made = carla.post(f"/api/incidents/{inc}/drafts", json={"kind": "ap_initial", "lang": "en"})
    assert made.status_code == 201, made.text
    draft = made.json()
    download = carla.client.get(f"/api/drafts/{draft['id']}/download")
    assert download.text == draft["content"]
    assert download.headers["content-type"].startswith("text/markdown")
    assert "attachment" in download.headers["content-disposition"]
    approved = post(
        pia, f"/api/drafts/{draft['id']}/approve", f'"{draft["content_hash"]}"', json={"note": "ok"}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved"]["by"] == "pia"
    timeline = [e["action"] for e in carla.client.get(f"/api/incidents/{inc}/timeline").json()]
    assert "incident.decision" in timeline and "draft.approved" in timeline


def test_a_restricted_incident_is_not_found_for_outsiders(api: Api) -> None:
    pia = api.person("privacy_officer", "pia")
    inc = pia.post("/api/incidents", json={"title": "Board member's account"}).json()["id"]
    assert (
        pia.client.patch(
            f"/api/incidents/{inc}", json={"restricted": True}, headers=pia.headers()
        ).status_code
        == 200
    )
    otto = api.person("incident_commander", "otto")

    for url in (f"/api/incidents/{inc}", f"/api/incidents/{inc}/timeline"):
        hidden = otto.client.get(url)
        assert hidden.status_code == 404
        assert hidden.json()["detail"] == otto.client.get("/api/incidents/INC-2026-9999").json()[
            "detail"
        ].replace("INC-2026-9999", inc)
    assert otto.client.get("/api/incidents").json()["items"] == []
    assert [i["id"] for i in pia.client.get("/api/incidents").json()["items"]] == [inc]


def test_oversight_routes_answer_with_the_services_shapes(api: Api) -> None:
    ctx = ctx_of(api)
    raise_alert(ctx, "m.jansen")
    admin = api.person("admin", "adam")
    assert admin.client.get("/api/audit/verify").json()["ok"] is True
    [app] = admin.client.get("/api/sources").json()
    assert (app["source"], app["events"]) == ("app", 2)
    rules = admin.client.get("/api/rules").json()
    assert "inactive_account_activity" in {r["name"] for r in rules}
    pia = api.person("privacy_officer", "pia")
    pia.post("/api/incidents", json={"title": "Letter to the wrong garage"})
    exported = pia.client.get("/api/register/export", params={"format": "csv"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    assert "Letter to the wrong garage" in exported.text
    assert admin.client.get("/api/register/export").status_code == 403


def test_a_restricted_incident_leaks_neither_through_its_alerts_nor_the_audit_trail(
    api: Api,
) -> None:
    alert = raise_alert(ctx_of(api), "m.jansen")
    pia = api.person("privacy_officer", "pia")
    inc = pia.post("/api/alerts/escalate", json={"alerts": [alert]}).json()["id"]
    restricted = pia.client.patch(
        f"/api/incidents/{inc}", json={"restricted": True}, headers=pia.headers()
    )
    assert restricted.status_code == 200, restricted.text
    anna, adam = api.person("analyst", "anna"), api.person("admin", "adam")

    for outsider in (anna, adam):
        queue = outsider.client.get("/api/alerts").json()["items"]
        assert [(a["id"], a["status"], a["incident"]) for a in queue] == [
            (alert, "escalated", None)
        ]
        assert inc not in outsider.client.get(f"/api/alerts/{alert}").text
        for page in ("/alerts", f"/alerts/{alert}"):  # the console's queue and alert page
            shown = outsider.client.get(page)
            assert shown.status_code == 200 and alert in shown.text and inc not in shown.text
    assert inc in pia.client.get(f"/alerts/{alert}").text
    trail = adam.client.get("/api/audit", params={"limit": 1000})
    assert trail.status_code == 200 and trail.json() != []
    assert inc not in trail.text
    assert adam.client.get("/api/audit", params={"subject": inc}).json() == []
    assert adam.client.get("/api/audit/verify").json()["ok"] is True
    assert pia.client.get(f"/api/alerts/{alert}").json()["incident"] == inc
    about = pia.client.get("/api/audit", params={"subject": inc}).json()
    actions = [e["action"] for e in about]
    assert actions[0] == "incident.opened" and "incident.updated" in actions


def test_events_are_searched_a_page_at_a_time_and_a_source_shown_alone(api: Api) -> None:
    raise_alert(ctx_of(api), "m.jansen", events=3)
    raise_alert(ctx_of(api), "p.smit", hour=1)
    anna = api.person("analyst", "anna")

    query = {"where": ["user.name=m.jansen", "event.action=member.*"], "limit": 2}
    first = anna.client.get("/api/events", params=query)
    assert first.status_code == 200, first.text
    rest = anna.client.get("/api/events", params={**query, "cursor": first.json()["next"]})
    found = first.json()["events"] + rest.json()["events"]
    assert [e["user.name"] for e in found] == ["m.jansen"] * 3
    assert (first.json()["more"], rest.json()["more"]) == (True, False)
    refused = anna.client.get("/api/events", params={"where": "user.nmae=x"})
    assert refused.status_code == 422 and refused.headers["content-type"].startswith(PROBLEM)
    assert "never carried by events" in refused.json()["detail"]
    assert api.person("viewer", "victor").client.get("/api/events").status_code == 403

    app = anna.client.get("/api/sources/app").json()
    assert (app["source"], app["events"], app["configured"]) == ("app", 5, False)
    assert anna.client.get("/api/sources/nowhere").status_code == 404


def test_a_given_up_message_is_listed_and_queued_again_from_its_version(
    api: Api, clock: ManualClock
) -> None:
    note = queue_alert(api.store, clock)
    rec = api.store.get_record(OUTBOX, note.id)
    assert rec is not None
    failed = {"status": "failed", "attempts": 8, "error": "550 mailbox unknown"}
    api.store.update_record(
        OUTBOX,
        note.id,
        {**rec.data, "status": "failed", "deliveries": {"mail": failed}},
        rec.version,
    )
    anna, victor = api.person("analyst", "anna"), api.person("viewer", "victor")

    page = victor.client.get("/api/outbox", params={"status": "failed"}).json()
    assert [(n["id"], n["deliveries"]["mail"]["error"]) for n in page["items"]] == [
        (note.id, "550 mailbox unknown")
    ]
    seen = anna.client.get(f"/api/outbox/{note.id}")
    assert seen.headers["etag"] == f'"{seen.json()["version"]}"'
    assert victor.post(f"/api/outbox/{note.id}/retry").status_code == 403
    stale = post(anna, f"/api/outbox/{note.id}/retry", f'"{note.version}"')
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    queued = post(anna, f"/api/outbox/{note.id}/retry", seen.headers["etag"])
    assert queued.status_code == 200, queued.text
    assert queued.json()["deliveries"]["mail"]["status"] == "pending"
    again = anna.post(f"/api/outbox/{note.id}/retry")
    assert again.status_code == 409 and "only failed ones are retried" in again.json()["detail"]
    assert anna.client.get("/api/outbox/alert:AL-nope").status_code == 404
