"""API tokens: shown once and stored hashed, scoped within the role, expiring, revocable."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from sentinel import audit
from sentinel.access.authn import NotSignedIn
from sentinel.access.model import TOKEN_KIND
from sentinel.access.service import Access
from sentinel.access.tokens import TokenRefused
from sentinel.store.base import Store
from tests.access.conftest import ADMIN, PASSWORD
from tests.conftest import ManualClock


@pytest.fixture
def analyst(access: Access) -> str:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    return "a.visser"


def test_a_token_acts_within_its_scopes_and_is_stored_hashed(
    access: Access, store: Store, analyst: str
) -> None:
    text, token = access.create_token(analyst, "siem export", ["alerts:read"], by=ADMIN)

    principal = access.auth.token_principal(text)
    assert principal.username == analyst and principal.via == "token"
    assert principal.permissions == frozenset({"alerts:read"})
    stored = orjson.dumps(store.get_record(TOKEN_KIND, token.id).data).decode()  # type: ignore[union-attr]
    assert text.split("_", 2)[2] not in stored
    created = next(e for e in audit.entries(store, limit=1000) if e.action == "token.created")
    assert text not in orjson.dumps(created.details).decode()


def test_a_scope_beyond_the_role_is_refused(access: Access, analyst: str) -> None:
    with pytest.raises(TokenRefused, match="does not have drafts:approve"):
        access.create_token(analyst, "too much", ["alerts:read", "drafts:approve"], by=ADMIN)
    with pytest.raises(TokenRefused, match="unknown permission"):
        access.create_token(analyst, "typo", ["alert:read"], by=ADMIN)
    with pytest.raises(TokenRefused, match="at most 365 days"):
        access.create_token(
            analyst, "forever", ["alerts:read"], by=ADMIN, lifetime=timedelta(days=400)
        )


def test_someone_else_cannot_make_tokens_for_a_user(access: Access, analyst: str) -> None:
    access.users.add("b.smit", "analyst", password=PASSWORD, by=ADMIN)
    bsmit, _ = access.auth.session_principal(access.auth.login("b.smit", PASSWORD).secret)
    with pytest.raises(TokenRefused, match="only make tokens for yourself"):
        access.create_token(analyst, "sneaky", ["alerts:read"], by=bsmit)


def test_a_token_stops_at_its_expiry(access: Access, clock: ManualClock, analyst: str) -> None:
    text, _ = access.create_token(
        analyst, "short", ["alerts:read"], by=ADMIN, lifetime=timedelta(days=1)
    )
    clock.advance(timedelta(hours=23, minutes=59))
    access.auth.token_principal(text)
    clock.advance(timedelta(minutes=1))
    with pytest.raises(NotSignedIn):
        access.auth.token_principal(text)


def test_a_revoked_or_altered_token_is_refused_and_audited(
    access: Access, store: Store, analyst: str
) -> None:
    text, token = access.create_token(analyst, "ci", ["alerts:read"], by=ADMIN)
    with pytest.raises(NotSignedIn):
        access.auth.token_principal(text[:-1] + ("A" if text[-1] != "A" else "B"))
    access.revoke_token(token.id, by=ADMIN)
    with pytest.raises(NotSignedIn):
        access.auth.token_principal(text)
    refused = [
        e.details["reason"] for e in audit.entries(store, limit=1000) if e.action == "token.refused"
    ]
    assert refused == ["wrong secret", "token revoked"]


def test_a_demotion_narrows_the_token_and_disabling_stops_it(access: Access, analyst: str) -> None:
    text, _ = access.create_token(analyst, "triage bot", ["alerts:read", "alerts:triage"], by=ADMIN)
    access.users.set_role(analyst, "viewer", by=ADMIN)
    assert access.auth.token_principal(text).permissions == frozenset({"alerts:read"})
    access.users.set_disabled(analyst, True, by=ADMIN)
    with pytest.raises(NotSignedIn):
        access.auth.token_principal(text)


def test_a_token_never_counts_as_a_fresh_second_factor(access: Access, clock: ManualClock) -> None:
    access.users.add("p.bakker", "privacy_officer", password=PASSWORD, by=ADMIN)
    text, _ = access.create_token("p.bakker", "register", ["register:export"], by=ADMIN)
    principal = access.auth.token_principal(text)
    assert principal.can("register:export")
    assert not principal.fresh_second_factor(clock.now(), access.settings.step_up)
