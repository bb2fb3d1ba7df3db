"""Users on both stores: added, listed, changed; changes that take rights away end sessions."""

from __future__ import annotations

import orjson
import pytest

from sentinel import audit
from sentinel.access.model import USER_KIND
from sentinel.access.passwords import PasswordRefused
from sentinel.access.service import Access
from sentinel.access.sessions import SessionInvalid
from sentinel.access.users import UserError, UserNotFound
from sentinel.store.base import Store
from tests.access.conftest import ADMIN, PASSWORD, enrolled
from tests.conftest import ManualClock


def test_users_are_added_listed_and_shown_without_secrets(access: Access, store: Store) -> None:
    access.users.add("A.Visser", "analyst", password=PASSWORD, by=ADMIN, name="Anna Visser")
    access.users.add("p.bakker", "privacy_officer", password=PASSWORD, by=ADMIN)

    assert [(u.username, u.role) for u in access.users.list()] == [
        ("a.visser", "analyst"),
        ("p.bakker", "privacy_officer"),
    ]
    shown = access.users.show("a.visser")
    assert shown.name == "Anna Visser" and not shown.two_factor and not shown.disabled
    stored = orjson.dumps(store.get_record(USER_KIND, "a.visser").data).decode()  # type: ignore[union-attr]
    assert PASSWORD not in stored and "$argon2id$" in stored
    assert PASSWORD not in repr(shown)


def test_a_name_is_taken_once_and_must_be_a_plain_login_name(access: Access) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    with pytest.raises(UserError, match="already exists"):
        access.users.add("A.VISSER", "viewer", password=PASSWORD, by=ADMIN)
    with pytest.raises(UserError, match="lower-case letters"):
        access.users.add("anna visser", "viewer", password=PASSWORD, by=ADMIN)
    with pytest.raises(UserError, match="unknown role 'root'"):
        access.users.add("b.smit", "root", password=PASSWORD, by=ADMIN)
    with pytest.raises(UserNotFound):
        access.users.show("nobody")


def test_weak_passwords_are_refused(access: Access) -> None:
    with pytest.raises(PasswordRefused, match="at least 12"):
        access.users.add("a.visser", "analyst", password="short", by=ADMIN)
    with pytest.raises(PasswordRefused, match="user name"):
        access.users.add("a.visser.long", "analyst", password="A.Visser.Long", by=ADMIN)


def test_a_role_change_ends_the_users_sessions_at_once(
    access: Access, store: Store, clock: ManualClock
) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    first = access.auth.login("a.visser", PASSWORD)
    second = access.auth.login("a.visser", PASSWORD)
    principal, _ = access.auth.session_principal(first.secret)
    assert principal.can("alerts:triage")

    access.users.set_role("a.visser", "viewer", by=ADMIN)

    for signed in (first, second):
        with pytest.raises(SessionInvalid):
            access.sessions.resolve(signed.secret)
    entry = audit.entries(store, subject="user:a.visser")[-1]
    assert (entry.action, entry.details["from"], entry.details["to"]) == (
        "user.role",
        "analyst",
        "viewer",
    )
    assert entry.details["sessions_ended"] == 2
    assert entry.actor == "root" and entry.details["via"] == "cli"
    assert "operating-system user" in entry.details["note"]


def test_a_session_started_while_the_role_changed_is_refused_too(access: Access) -> None:
    """The login read the user before the change and stored its session after the sweep."""
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    before = access.records.get("a.visser").doc
    access.users.set_role("a.visser", "viewer", by=ADMIN)
    secret, _ = access.sessions.create(before, "full")

    with pytest.raises(Exception, match="sign in first"):
        access.auth.session_principal(secret)


def test_disabling_ends_sessions_and_refuses_sign_in(access: Access) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    signed = access.auth.login("a.visser", PASSWORD)

    access.users.set_disabled("a.visser", True, by=ADMIN)

    with pytest.raises(SessionInvalid):
        access.sessions.resolve(signed.secret)
    with pytest.raises(Exception, match="wrong user name or password"):
        access.auth.login("a.visser", PASSWORD)
    access.users.set_disabled("a.visser", False, by=ADMIN)
    assert access.auth.login("a.visser", PASSWORD).session.doc.stage == "full"


def test_resetting_2fa_forgets_the_secret_and_asks_to_enrol_again(
    access: Access, clock: ManualClock
) -> None:
    enrolled(access, clock, "c.dekker", "incident_commander")
    signed = access.auth.login("c.dekker", PASSWORD)
    assert signed.session.doc.stage == "second_factor"

    user = access.users.reset_second_factor("c.dekker", by=ADMIN)

    assert not user.two_factor and user.recovery_codes_left == 0
    with pytest.raises(SessionInvalid):
        access.sessions.resolve(signed.secret)
    assert access.auth.login("c.dekker", PASSWORD).session.doc.stage == "enrol"


def test_a_new_password_ends_the_other_sessions(access: Access) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    here = access.auth.login("a.visser", PASSWORD)
    elsewhere = access.auth.login("a.visser", PASSWORD)

    access.users.set_password(
        "a.visser", "a much longer passphrase", by=ADMIN, keep_session=here.session.id
    )

    access.sessions.resolve(here.secret)
    with pytest.raises(SessionInvalid):
        access.sessions.resolve(elsewhere.secret)
    with pytest.raises(Exception, match="wrong user name or password"):
        access.auth.login("a.visser", PASSWORD)
    access.auth.login("a.visser", "a much longer passphrase")
