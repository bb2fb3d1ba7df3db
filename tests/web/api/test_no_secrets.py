"""No password, TOTP secret, recovery code, token or session id in logs, errors or audit."""

from __future__ import annotations

import dataclasses
import logging

import orjson
import pytest

from sentinel import audit
from tests.access.conftest import PASSWORD
from tests.web.api.conftest import Api


def test_secrets_stay_out_of_logs_errors_and_the_audit_trail(
    sqlite_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = sqlite_api.person("admin", "root.admin")
    assert admin.phone is not None
    made = admin.post("/api/auth/tokens", json={"name": "ci", "scopes": ["users:admin"]}).json()
    token = made["token"]
    bodies = []
    client = sqlite_api.client()
    for body in (
        {"username": "root.admin", "password": PASSWORD, "remember": PASSWORD},
        {"username": ["root.admin"], "password": [PASSWORD]},
        {"username": "root.admin", "password": PASSWORD + "!"},
    ):
        bodies.append(client.post("/api/auth/login", json=body).text)
    bodies.append(client.post("/api/auth/2fa/verify", json={"code": token}).text)
    bodies.append(client.get("/api/users", headers={"Authorization": f"Bearer {token}x"}).text)
    bodies.append(client.get("/api/users", headers={"Authorization": f"Bearer {token}"}).text)
    bodies.append(
        admin.put("/api/auth/password", json={"current": "wrong one", "new": "short"}).text
    )
    cookie = admin.client.cookies["sentinel_session"]

    secrets = [PASSWORD, admin.phone.secret, token, token.rsplit("_", 1)[1], cookie]
    secrets += admin.recovery_codes
    trail = orjson.dumps(
        [dataclasses.asdict(e) for e in audit.entries(sqlite_api.store, limit=1000)], default=str
    )
    for secret in secrets:
        assert secret not in caplog.text
        assert secret.encode() not in trail
        for body in bodies:
            assert secret not in body, body
    assert "Extra inputs are not permitted" in bodies[0]
