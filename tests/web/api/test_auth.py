"""/api/auth over HTTP: stages, rotation, replay, recovery, lockout, timeouts, CSRF, step-up."""

from __future__ import annotations

import re
from datetime import timedelta

from sentinel import audit
from tests.access.conftest import PASSWORD
from tests.web.api.conftest import Api

COOKIE = "sentinel_session"


def test_the_password_alone_opens_nothing_for_a_commander_with_2fa(sqlite_api: Api) -> None:
    commander = sqlite_api.person("incident_commander", "c.dekker")
    commander.post("/api/auth/logout")
    client = commander.client
    answer = client.post("/api/auth/login", json={"username": "c.dekker", "password": PASSWORD})
    assert answer.json()["stage"] == "second_factor"
    half_cookie = client.cookies[COOKIE]
    csrf = answer.json()["csrf_token"]

    refused = client.get("/api/auth/sessions")
    assert refused.status_code == 401
    assert refused.json()["code"] == "second_factor_required"
    assert commander.phone is not None
    done = client.post(
        "/api/auth/2fa/verify",
        json={"code": commander.phone.next_code()},
        headers={"X-CSRF-Token": csrf},
    )

    assert done.status_code == 200 and done.json()["stage"] == "full"
    assert client.cookies[COOKIE] != half_cookie, "a new session id once the code is given"
    assert client.get("/api/auth/sessions").status_code == 200
    client.cookies.set(COOKIE, half_cookie, domain="testserver.local")
    assert client.get("/api/auth/me").status_code == 401


def test_a_commander_without_2fa_must_enrol_before_anything_else(sqlite_api: Api) -> None:
    commander = sqlite_api.person("incident_commander", "c.dekker", enrol=False)
    assert commander.client.get("/api/auth/tokens").json()["code"] == "enrol_required"
    commander.post("/api/auth/2fa/enrol")
    qr = commander.client.get("/api/auth/2fa/enrol/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.headers["cache-control"] == "no-store"
    assert b"<svg" in qr.content


def test_a_code_signs_in_once(sqlite_api: Api) -> None:
    commander = sqlite_api.person("incident_commander", "c.dekker")
    assert commander.phone is not None
    code = commander.phone.next_code()
    first, second = sqlite_api.client(), sqlite_api.client()
    for client in (first, second):
        client.post("/api/auth/login", json={"username": "c.dekker", "password": PASSWORD})
    csrf = {c: c.get("/api/auth/me").json()["csrf_token"] for c in (first, second)}
    ok = first.post(
        "/api/auth/2fa/verify", json={"code": code}, headers={"X-CSRF-Token": csrf[first]}
    )
    replay = second.post(
        "/api/auth/2fa/verify", json={"code": code}, headers={"X-CSRF-Token": csrf[second]}
    )
    assert ok.status_code == 200
    assert replay.status_code == 401 and "already used" in replay.json()["detail"]


def test_a_recovery_code_signs_in_once(sqlite_api: Api) -> None:
    commander = sqlite_api.person("incident_commander", "c.dekker")
    spare = commander.recovery_codes[0]
    answers = []
    for _ in range(2):
        client = sqlite_api.client()
        login = client.post("/api/auth/login", json={"username": "c.dekker", "password": PASSWORD})
        answers.append(
            client.post(
                "/api/auth/2fa/recovery",
                json={"code": spare},
                headers={"X-CSRF-Token": login.json()["csrf_token"]},
            )
        )
    assert answers[0].status_code == 200 and answers[0].json()["recovery_codes_left"] == 9
    assert answers[1].status_code == 401


def test_repeated_failures_lock_the_account_with_retry_after(sqlite_api: Api) -> None:
    sqlite_api.access.users.add(
        "a.visser", "analyst", password=PASSWORD, by=sqlite_api.access_admin
    )
    client = sqlite_api.client()
    wrong = {"username": "a.visser", "password": "not my password"}
    statuses = [client.post("/api/auth/login", json=wrong).status_code for _ in range(5)]
    locked = client.post("/api/auth/login", json={"username": "a.visser", "password": PASSWORD})

    assert statuses == [401] * 5
    assert locked.status_code == 429 and locked.json()["code"] == "locked"
    assert int(locked.headers["retry-after"]) == 15 * 60
    sqlite_api.clock.advance(timedelta(minutes=15))
    again = client.post("/api/auth/login", json={"username": "a.visser", "password": PASSWORD})
    assert again.status_code == 200


def test_an_idle_session_ends_and_says_so(sqlite_api: Api) -> None:
    analyst = sqlite_api.person("analyst", enrol=False)
    sqlite_api.clock.advance(timedelta(minutes=29))
    assert analyst.client.get("/api/auth/me").status_code == 200
    sqlite_api.clock.advance(timedelta(minutes=30, seconds=1))
    answer = analyst.client.get("/api/auth/me")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "your session has ended; sign in again"
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_write_with_the_cookie_needs_the_csrf_token(sqlite_api: Api) -> None:
    analyst = sqlite_api.person("analyst", enrol=False)
    body = {"name": "ci", "scopes": ["alerts:read"]}
    bare = analyst.client.post("/api/auth/tokens", json=body)
    forged = analyst.client.post("/api/auth/tokens", json=body, headers={"X-CSRF-Token": "x" * 43})
    assert (bare.status_code, bare.json()["code"]) == (403, "csrf")
    assert forged.status_code == 403
    assert analyst.post("/api/auth/tokens", json=body).status_code == 201
    form = analyst.client.post(
        "/api/auth/logout",
        data={"csrf": analyst.csrf},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 204
    refusals = [
        e for e in audit.entries(sqlite_api.store, limit=1000) if e.action == "access.refused"
    ]
    assert [e.details["code"] for e in refusals] == ["csrf", "csrf"]
    assert all(e.actor == "analyst" for e in refusals)


def test_a_token_needs_no_csrf_and_cannot_make_tokens(sqlite_api: Api) -> None:
    analyst = sqlite_api.person("analyst", enrol=False)
    token = analyst.post("/api/auth/tokens", json={"name": "ci", "scopes": ["alerts:read"]}).json()
    script = sqlite_api.client()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    made = script.post(
        "/api/auth/tokens", json={"name": "x", "scopes": ["alerts:read"]}, headers=bearer
    )
    assert made.status_code == 403 and "cannot make tokens" in made.json()["detail"]
    assert script.get("/api/auth/me", headers=bearer).json()["via"] == "token"
    used = [e for e in audit.entries(sqlite_api.store, limit=1000) if e.action == "token.used"]
    assert (
        used and used[-1].subject == "GET /api/auth/me" and used[-1].details["token"] == token["id"]
    )


def test_a_token_does_only_its_scopes_and_stops_at_expiry(sqlite_api: Api) -> None:
    admin = sqlite_api.person("admin", "root.admin")
    made = admin.post(
        "/api/auth/tokens", json={"name": "users", "scopes": ["alerts:read"], "expires_in_days": 1}
    )
    bearer = {"Authorization": f"Bearer {made.json()['token']}"}
    script = sqlite_api.client()
    assert script.get("/api/users", headers=bearer).status_code == 403
    sqlite_api.clock.advance(timedelta(days=1))
    expired = script.get("/api/auth/me", headers=bearer)
    assert expired.status_code == 401 and "expired or revoked" in expired.json()["detail"]
    assert script.get("/api/auth/me", headers={"Authorization": "Basic eDp5"}).status_code == 401


def test_changing_a_role_asks_for_a_fresh_code_and_ends_the_users_sessions(sqlite_api: Api) -> None:
    admin = sqlite_api.person("admin", "root.admin")
    analyst = sqlite_api.person("analyst", "a.visser", enrol=False)
    sqlite_api.clock.advance(timedelta(minutes=11))

    stale = admin.put("/api/users/a.visser/role", json={"role": "viewer"})
    assert (stale.status_code, stale.json()["code"]) == (403, "step_up_required")
    admin.step_up()
    changed = admin.put("/api/users/a.visser/role", json={"role": "viewer"})

    assert changed.status_code == 200 and changed.json()["role"] == "viewer"
    assert analyst.client.get("/api/auth/me").status_code == 401
    entries = audit.entries(sqlite_api.store, limit=1000)
    role = next(e for e in entries if e.action == "user.role")
    assert (role.actor, role.details["via"]) == ("root.admin", "session")
    write = [e for e in entries if e.action == "api.write" and "/role" in e.subject]
    assert [e.details["status"] for e in write] == [403, 200]


def test_sessions_are_listed_and_ended_one_or_all(sqlite_api: Api) -> None:
    analyst = sqlite_api.person("analyst", "a.visser", enrol=False)
    laptop = sqlite_api.client()
    laptop.post("/api/auth/login", json={"username": "a.visser", "password": PASSWORD})
    listed = analyst.client.get("/api/auth/sessions").json()
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    other = next(s for s in listed if not s["current"])
    assert analyst.delete(f"/api/auth/sessions/{other['handle']}").status_code == 204
    assert laptop.get("/api/auth/me").status_code == 401

    laptop.post("/api/auth/login", json={"username": "a.visser", "password": PASSWORD})
    ended = analyst.post("/api/auth/logout-everywhere").json()
    assert ended == {"sessions_ended": 2}
    assert analyst.client.get("/api/auth/me").status_code == 401
    assert laptop.get("/api/auth/me").status_code == 401


def test_the_session_cookie_is_httponly_lax_and_secure_over_tls(sqlite_api: Api) -> None:
    sqlite_api.access.users.add(
        "a.visser", "analyst", password=PASSWORD, by=sqlite_api.access_admin
    )
    body = {"username": "a.visser", "password": PASSWORD}
    plain = sqlite_api.client().post("/api/auth/login", json=body).headers["set-cookie"]
    tls = sqlite_api.app
    from fastapi.testclient import TestClient

    secure = TestClient(tls, base_url="https://testserver").post("/api/auth/login", json=body)
    assert "HttpOnly" in plain and "SameSite=lax" in plain and "Secure" not in plain
    assert "Secure" in secure.headers["set-cookie"]


def test_sign_in_events_are_in_the_audit_trail(sqlite_api: Api) -> None:
    commander = sqlite_api.person("incident_commander", "c.dekker")
    sqlite_api.client().post(
        "/api/auth/login", json={"username": "c.dekker", "password": "nope, wrong"}
    )
    actions = [(e.actor, e.action) for e in audit.entries(sqlite_api.store, limit=1000)]
    assert ("c.dekker", "auth.login") in actions
    assert ("c.dekker", "auth.2fa_enrol_started") in actions
    assert ("c.dekker", "auth.2fa_enrolled") in actions
    assert ("c.dekker", "auth.login_failed") in actions
    assert commander.phone is not None
    assert audit.verify(sqlite_api.store).ok


def test_a_new_password_needs_the_current_one(sqlite_api: Api) -> None:
    analyst = sqlite_api.person("analyst", "a.visser", enrol=False)
    wrong = analyst.put("/api/auth/password", json={"current": "a guess", "new": "x" * 20})
    assert (wrong.status_code, wrong.json()["code"]) == (403, "auth_failed")
    done = analyst.put(
        "/api/auth/password", json={"current": PASSWORD, "new": "a new long passphrase"}
    )
    assert done.status_code == 204
    assert analyst.client.get("/api/auth/me").status_code == 200, "this session stays"
    again = sqlite_api.client().post(
        "/api/auth/login", json={"username": "a.visser", "password": "a new long passphrase"}
    )
    assert again.status_code == 200


def test_the_sign_in_page_needs_the_token_it_gave_before_there_is_a_session(
    sqlite_api: Api,
) -> None:
    """Another site cannot post the sign-in form and leave someone signed in as its own user."""
    sqlite_api.access.users.add(
        "a.visser", "analyst", password=PASSWORD, by=sqlite_api.access_admin
    )
    form = {"username": "a.visser", "password": PASSWORD}
    forged = sqlite_api.client().post("/signin", data=form, follow_redirects=False)
    assert (forged.status_code, forged.json()["code"]) == (403, "csrf")

    browser = sqlite_api.client()
    page = browser.get("/signin")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None and token.group(1) == browser.cookies["sentinel_presession"]
    elsewhere = sqlite_api.client()
    elsewhere.get("/signin")
    stolen_form = elsewhere.post(
        "/signin", data={**form, "csrf": token.group(1)}, follow_redirects=False
    )
    assert stolen_form.status_code == 403, "the token only works with its own cookie"
    signed = browser.post("/signin", data={**form, "csrf": token.group(1)}, follow_redirects=False)
    assert signed.status_code == 303 and "sentinel_session" in browser.cookies


def _csrf_of(page_text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page_text)
    assert found is not None, page_text
    return found.group(1)


def test_a_form_whose_session_timed_out_leads_back_to_sign_in_with_a_word_on_why(
    sqlite_api: Api,
) -> None:
    """Half-way through signing in, the person walks away; their next submit is not a bare
    403 but the sign-in form again, saying why, and signing in from it works."""
    commander = sqlite_api.person("incident_commander", "c.dekker")
    assert commander.phone is not None
    browser = sqlite_api.client()
    form = {"username": "c.dekker", "password": PASSWORD, "next": "/incidents"}
    first = browser.post(
        "/signin",
        data={**form, "csrf": _csrf_of(browser.get("/signin").text)},
        follow_redirects=False,
    )
    assert first.headers["location"] == "/signin/code?next=/incidents"
    code_form = _csrf_of(browser.get("/signin/code?next=/incidents").text)
    sign_in_form = _csrf_of(browser.get("/signin?next=/incidents").text)
    assert code_form == sign_in_form != browser.cookies["sentinel_presession"]

    cookie = browser.cookies["sentinel_session"]
    sqlite_api.clock.advance(minutes=31)  # past the 30 minutes a session may stay idle
    for path, fields in (
        ("/signin/code", {"code": commander.phone.next_code(), "next": "/incidents"}),
        ("/signin", form),
    ):
        browser.cookies.set("sentinel_session", cookie)  # the ended session's, as it was sent
        late = browser.post(path, data={**fields, "csrf": code_form}, follow_redirects=False)
        assert (late.status_code, late.headers.get("location")) == (
            303,
            "/signin?ended=1&next=/incidents",
        ), late.text
        assert re.match(r'sentinel_session="";.* Max-Age=0;', late.headers["set-cookie"])
    browser.cookies.delete("sentinel_session")  # as the browser does on that answer
    again = browser.get("/signin?ended=1&next=/incidents")
    assert "Your session ended (it was idle too long" in again.text
    signed = browser.post(
        "/signin", data={**form, "csrf": _csrf_of(again.text)}, follow_redirects=False
    )
    assert signed.headers["location"] == "/signin/code?next=/incidents"
    assert audit.verify(sqlite_api.store).ok


def test_a_page_write_after_the_session_ended_is_not_made_and_leads_to_sign_in(
    sqlite_api: Api,
) -> None:
    analyst = sqlite_api.person("analyst", "a.visser", enrol=False)
    before = len(audit.entries(sqlite_api.store, limit=10_000))
    cookie = analyst.client.cookies["sentinel_session"]
    sqlite_api.clock.advance(minutes=31)
    for referer, back in (
        ("http://testserver/alerts?status=open", "/alerts%3Fstatus%3Dopen"),
        ("https://elsewhere.example/alerts", "/"),
    ):
        analyst.client.cookies.set("sentinel_session", cookie)
        late = analyst.client.post(
            "/alerts/bulk",
            data={"csrf": analyst.csrf, "action": "acknowledge", "ids": "AL-1"},
            headers={"referer": referer},
            follow_redirects=False,
        )
        assert (late.status_code, late.headers["location"]) == (
            303,
            f"/signin?ended=1&next={back}",
        )
    actions = [e.action for e in audit.entries(sqlite_api.store, limit=10_000)[before:]]
    assert "api.write" not in actions and "alert.acknowledged" not in actions
    refused = sqlite_api.client().post("/signin", data={"csrf": "guess"}, follow_redirects=False)
    assert (refused.status_code, refused.json()["code"]) == (403, "csrf"), "no session: 403"
