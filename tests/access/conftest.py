"""An Access over the store fixture (SQLite and Elasticsearch) with a hand-moved clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from sentinel.access import totp
from sentinel.access.model import Principal
from sentinel.access.secretbox import SecretBox
from sentinel.access.service import Access
from sentinel.config import AccessSettings
from sentinel.store.base import Store
from tests.conftest import ManualClock

PASSWORD = "correct horse battery staple"
ADMIN = Principal.command_line("root")


def cheap_access(store: Store, clock: ManualClock, **settings: object) -> Access:
    """Argon2id with the cheapest parameters: the same code path, a fraction of the time."""
    return Access(
        store,
        clock,
        AccessSettings(**settings),  # type: ignore[arg-type]
        SecretBox(SecretBox.generate_key_bytes()),
        hasher=PasswordHasher.from_parameters(CHEAPEST),
    )


@pytest.fixture
def access(store: Store, clock: ManualClock) -> Access:
    return cheap_access(store, clock)


@dataclass
class Phone:
    """The user's authenticator app: shows the code for the clock's current time."""

    secret: str
    clock: ManualClock

    def code(self) -> str:
        return totp.code_at(self.secret, self.clock.now())

    def next_code(self) -> str:
        """Wait for the next 30-second step, as a person does after using a code."""
        self.clock.advance(timedelta(seconds=30))
        return self.code()


def enrolled(
    access: Access, clock: ManualClock, username: str, role: str
) -> tuple[Phone, list[str]]:
    """A user with a password and a confirmed second factor; their phone and recovery codes."""
    access.users.add(username, role, password=PASSWORD, by=ADMIN)
    start = access.second_factor.start_enrolment(username)
    phone = Phone(start.secret, clock)
    codes = access.second_factor.confirm_enrolment(username, phone.code())
    assert codes is not None
    clock.advance(timedelta(seconds=30))
    return phone, codes
