"""The app over a real store with a hand-moved clock, and people signed in to it over HTTP.

``api`` runs on both stores (the ``store`` fixture); ``person(role)`` gives a
client signed in with password and second factor through the API itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sentinel.access.service import Access
from sentinel.config import Settings
from sentinel.store.base import Store
from sentinel.web.app import create_app
from tests.access.conftest import ADMIN, PASSWORD, Phone, cheap_access
from tests.conftest import ManualClock


@dataclass
class Person:
    username: str
    role: str
    client: TestClient
    csrf: str = ""
    phone: Phone | None = None
    recovery_codes: list[str] = field(default_factory=list)

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}

    def post(self, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.post(url, headers=self.headers(), **kwargs)  # type: ignore[arg-type]

    def put(self, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.put(url, headers=self.headers(), **kwargs)  # type: ignore[arg-type]

    def delete(self, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.delete(url, headers=self.headers(), **kwargs)  # type: ignore[arg-type]

    def sign_in(self) -> None:
        """A fresh session with a code given just now (after a route ended the last one)."""
        answer = self.client.post(
            "/api/auth/login", json={"username": self.username, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        self.csrf = answer.json()["csrf_token"]
        if answer.json()["stage"] == "second_factor":
            assert self.phone is not None
            done = self.post("/api/auth/2fa/verify", json={"code": self.phone.next_code()})
            assert done.status_code == 200, done.text
            self.csrf = done.json()["csrf_token"]

    def step_up(self) -> None:
        assert self.phone is not None
        answer = self.post("/api/auth/step-up", json={"code": self.phone.next_code()})
        assert answer.status_code == 200, answer.text


@dataclass
class Api:
    app: FastAPI
    access: Access
    store: Store
    clock: ManualClock

    access_admin = ADMIN
    """The command line acting on the store: adds users without signing in."""

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver")

    def person(self, role: str, username: str | None = None, *, enrol: bool = True) -> Person:
        """A user of ``role`` signed in through the API (enrolling 2FA over HTTP when asked)."""
        name = username or role.replace("_", "-")
        self.access.users.add(name, role, password=PASSWORD, by=ADMIN)
        who = Person(name, role, self.client())
        answer = who.client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        who.csrf = answer.json()["csrf_token"]
        if enrol:
            started = who.post("/api/auth/2fa/enrol").json()
            who.phone = Phone(started["secret"], self.clock)
            done = who.post("/api/auth/2fa/enrol/confirm", json={"code": who.phone.code()})
            assert done.status_code == 200, done.text
            who.csrf = done.json()["csrf_token"]
            who.recovery_codes = done.json()["recovery_codes"]
        return who


def make_api(store: Store, clock: ManualClock, tmp_path: Path) -> Api:
    settings = Settings(store_url=f"sqlite:///{tmp_path / 'unused.db'}")
    access = cheap_access(store, clock)
    return Api(create_app(settings, store, clock, access=access), access, store, clock)


@pytest.fixture
def api(store: Store, clock: ManualClock, tmp_path: Path) -> Iterator[Api]:
    yield make_api(store, clock, tmp_path)


@pytest.fixture
def sqlite_api(sqlite_store: Store, clock: ManualClock, tmp_path: Path) -> Iterator[Api]:
    yield make_api(sqlite_store, clock, tmp_path)
