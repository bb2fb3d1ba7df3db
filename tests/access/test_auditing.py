"""Users, sessions and tokens are bound into the audit trail like incidents and drafts.

Someone with write access to the store could make themselves admin, lift a session past
its second factor or plant a session or token of their own. Signing in, using the
console and tokens as people do must verify; each of those edits must be named.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from sentinel import audit
from sentinel.access import auditing, codes
from sentinel.access.authn import NotSignedIn
from sentinel.access.model import SESSION_KIND, TOKEN_KIND, USER_KIND
from sentinel.access.service import Access
from sentinel.cli import app
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore
from tests.access.conftest import ADMIN, PASSWORD, Phone, cheap_access
from tests.conftest import ManualClock


def a_day_of_signing_in(access: Access, clock: ManualClock) -> dict[str, str]:
    """A commander enrols and signs in twice, steps up, works a while; an analyst's token is
    used by a script; a third session times out; an admin changes a role."""
    auth = access.auth
    access.users.add("c.dekker", "incident_commander", password=PASSWORD, by=ADMIN)
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    first = auth.login("c.dekker", PASSWORD)
    phone = Phone(auth.start_enrolment(first.session).secret, clock)
    auth.confirm_enrolment(first.session, phone.code())
    second = auth.login("c.dekker", PASSWORD)
    signed = auth.verify_code(second.session, phone.next_code())
    clock.advance(minutes=2)
    _who, session = auth.session_principal(signed.secret)  # noted as last seen
    auth.step_up(session, phone.next_code())
    clock.advance(minutes=2)
    auth.session_principal(signed.secret)
    text, token = access.create_token("a.visser", "nightly export", ["alerts:read"], by=ADMIN)
    clock.advance(minutes=5)
    auth.token_principal(text)  # noted as last used
    left = auth.login("a.visser", PASSWORD)
    for _ in range(2):
        clock.advance(minutes=20)
        auth.session_principal(signed.secret)
    with pytest.raises(NotSignedIn):  # the analyst's idle session timed out: its record is gone
        auth.session_principal(left.secret)
    return {"session": signed.session.id, "token": token.id}


def edit(store: Store, kind: str, record_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    rec = store.get_record(kind, record_id)
    assert rec is not None
    data = dict(rec.data)
    change(data)
    store.update_record(kind, record_id, data, rec.version)


def found(store: Store) -> list[str]:
    result = audit.verify(store, complete=auditing.KINDS)
    assert not result.ok and result.problem == "changed"
    return list(result.changes)


def test_signing_in_and_working_as_people_do_verifies(
    store: Store, clock: ManualClock, access: Access
) -> None:
    a_day_of_signing_in(access, clock)
    result = audit.verify(store, complete=auditing.KINDS)
    assert result.ok, result.changes
    assert result.records >= 4  # two users, a token, the sessions still alive or ended


def test_a_user_made_admin_in_the_store_is_named(
    store: Store, clock: ManualClock, access: Access
) -> None:
    a_day_of_signing_in(access, clock)
    edit(store, USER_KIND, "a.visser", lambda d: d.update(role="admin"))
    [change] = found(store)
    assert change.startswith("user a.visser was changed outside Sentinel")
    assert change.endswith("role changed")


def test_a_session_lifted_past_its_second_factor_is_named_though_last_seen_moves(
    store: Store, clock: ManualClock, access: Access
) -> None:
    ids = a_day_of_signing_in(access, clock)
    later = (clock.now() + timedelta(minutes=1)).isoformat()
    edit(store, SESSION_KIND, ids["session"], lambda d: d.update(second_factor_at=later))
    [change] = found(store)
    assert change.startswith(f"session {ids['session']} was changed outside Sentinel")
    assert change.endswith("second_factor_at changed")


def test_a_user_deleted_or_a_token_given_more_scopes_is_named(
    store: Store, clock: ManualClock, access: Access
) -> None:
    ids = a_day_of_signing_in(access, clock)
    edit(store, TOKEN_KIND, ids["token"], lambda d: d.update(scopes=["users:admin"]))
    store.delete_record(USER_KIND, "c.dekker")
    changes = found(store)
    assert any(c.startswith(f"api_token {ids['token']} was changed") for c in changes), changes
    assert any(c.endswith("scopes changed") for c in changes), changes
    assert any(c.startswith("user c.dekker was deleted outside Sentinel") for c in changes)


def test_a_session_or_user_planted_in_the_store_is_named(
    store: Store, clock: ManualClock, access: Access
) -> None:
    a_day_of_signing_in(access, clock)
    admin = store.get_record(USER_KIND, "c.dekker")
    assert admin is not None
    store.create_record(USER_KIND, "mallory", {**admin.data, "username": "mallory"})
    session = next(r for r in store.find_records(SESSION_KIND) if r.data["user"] == "c.dekker")
    planted = codes.digest("a secret the intruder keeps")
    store.create_record(SESSION_KIND, planted, dict(session.data))
    changes = found(store)
    assert changes == sorted(changes) and len(changes) == 2
    assert changes[0].startswith(f"session {planted} is in the store, but no entry describes it")
    assert changes[1] == (
        "user mallory is in the store, but no entry describes it: it was put there outside Sentinel"
    )


def test_sentinel_audit_verify_names_an_edited_user(
    sqlite_store: SQLiteStore, clock: ManualClock
) -> None:
    a_day_of_signing_in(cheap_access(sqlite_store, clock), clock)
    edit(sqlite_store, USER_KIND, "a.visser", lambda d: d.update(disabled=False, role="admin"))
    shown = CliRunner().invoke(app, ["audit", "verify", "--store", sqlite_store.url])
    assert shown.exit_code == 1, shown.output
    assert "user a.visser was changed outside Sentinel" in " ".join(shown.output.split())
