"""/api/users: an admin manages users; a change from a stale read answers 409."""

from __future__ import annotations

from tests.web.api.conftest import Api


def test_a_role_change_from_a_stale_read_is_refused(sqlite_api: Api) -> None:
    first = sqlite_api.person("admin", "root.one")
    second = sqlite_api.person("admin", "root.two")
    sqlite_api.person("analyst", "a.visser", enrol=False)
    read = first.client.get("/api/users/a.visser")
    tag = read.headers["etag"]
    assert read.json()["role"] == "analyst"

    moved = second.put("/api/users/a.visser/role", json={"role": "viewer"})
    assert moved.status_code == 200 and moved.headers["etag"] != tag
    stale = first.client.put(
        "/api/users/a.visser/role",
        json={"role": "incident_commander"},
        headers={**first.headers(), "If-Match": tag},
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "stale")
    assert "changed by someone else" in stale.json()["detail"]
    fresh = first.client.put(
        "/api/users/a.visser/role",
        json={"role": "incident_commander"},
        headers={**first.headers(), "If-Match": moved.headers["etag"]},
    )
    assert fresh.status_code == 200 and fresh.json()["role"] == "incident_commander"


def test_an_admin_adds_and_disables_a_user_but_not_themselves(sqlite_api: Api) -> None:
    admin = sqlite_api.person("admin", "root.one")
    added = admin.post(
        "/api/users",
        json={"username": "B.Smit", "role": "viewer", "password": "a long enough password"},
    )
    assert added.status_code == 201 and added.json()["username"] == "b.smit"
    assert "a long enough password" not in added.text and "argon2" not in added.text
    assert admin.post("/api/users/b.smit/disable").json()["disabled"] is True
    self_disable = admin.post("/api/users/root.one/disable")
    assert self_disable.status_code == 422 and "cannot disable yourself" in self_disable.text
    listed = {u["username"]: u["disabled"] for u in admin.client.get("/api/users").json()}
    assert listed == {"root.one": False, "b.smit": True}
