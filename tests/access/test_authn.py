"""Signing in: stages, one message for every failure, lockout and its expiry, session timeouts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel import audit
from sentinel.access.authn import AuthFailed, NotSignedIn, WrongStage
from sentinel.access.service import Access
from sentinel.access.sessions import SessionInvalid
from sentinel.access.throttle import LockedOut
from sentinel.store.base import Store
from tests.access.conftest import ADMIN, PASSWORD, Phone, enrolled
from tests.conftest import ManualClock


def test_a_role_without_mandatory_2fa_is_in_after_the_password(access: Access) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    signed = access.auth.login("a.visser", PASSWORD, client="10.0.0.5")
    principal, _ = access.auth.session_principal(signed.secret)
    assert signed.session.doc.stage == "full"
    assert principal.can("alerts:triage") and not principal.can("decisions:record")


def test_the_password_alone_gives_no_rights_to_someone_with_2fa(
    access: Access, clock: ManualClock
) -> None:
    phone, _ = enrolled(access, clock, "c.dekker", "incident_commander")
    half = access.auth.login("c.dekker", PASSWORD)
    principal, _ = access.auth.session_principal(half.secret)
    assert principal.stage == "second_factor" and principal.permissions == frozenset()

    full = access.auth.verify_code(half.session, phone.code())

    assert full.secret != half.secret, "the session id changes when it gains rights"
    with pytest.raises(SessionInvalid):
        access.sessions.resolve(half.secret)
    principal, _ = access.auth.session_principal(full.secret)
    assert principal.can("decisions:record") and principal.second_factor_at == clock.now()


def test_a_commander_without_2fa_can_only_enrol(access: Access, clock: ManualClock) -> None:
    access.users.add("c.dekker", "incident_commander", password=PASSWORD, by=ADMIN)
    half = access.auth.login("c.dekker", PASSWORD)
    principal, _ = access.auth.session_principal(half.secret)
    assert principal.stage == "enrol" and not principal.permissions
    with pytest.raises(WrongStage):
        access.auth.verify_code(half.session, "123456")

    start = access.auth.start_enrolment(half.session)

    full = access.auth.confirm_enrolment(half.session, Phone(start.secret, clock).code())

    assert len(full.recovery_codes) == 10 and full.secret != half.secret
    principal, _ = access.auth.session_principal(full.secret)
    assert principal.stage == "full" and principal.can("drafts:approve")


def test_every_failure_reads_the_same_and_is_audited(access: Access, store: Store) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    access.users.add("b.smit", "analyst", password=PASSWORD, by=ADMIN)
    access.users.set_disabled("b.smit", True, by=ADMIN)
    messages = set()
    for name, password in (
        ("a.visser", "wrong password!"),
        ("nobody", PASSWORD),
        ("b.smit", PASSWORD),
    ):
        with pytest.raises(AuthFailed) as caught:
            access.auth.login(name, password, client="10.0.0.5")
        messages.add(str(caught.value))
    assert messages == {"wrong user name or password"}
    failed = [e for e in audit.entries(store, limit=1000) if e.action == "auth.login_failed"]
    assert [(e.actor, e.details["reason"]) for e in failed] == [
        ("a.visser", "password"),
        ("nobody", "unknown user"),
        ("b.smit", "disabled"),
    ]
    assert all(
        PASSWORD not in str(e.details) and "wrong password!" not in str(e.details) for e in failed
    )


def test_five_wrong_passwords_lock_the_account_until_the_lock_expires(
    access: Access, store: Store, clock: ManualClock
) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    for _ in range(5):
        with pytest.raises(AuthFailed):
            access.auth.login("a.visser", "not the password")
        clock.advance(timedelta(seconds=20))

    with pytest.raises(LockedOut) as caught:
        access.auth.login("a.visser", PASSWORD)
    assert caught.value.until == clock.now() - timedelta(seconds=20) + timedelta(minutes=15)
    clock.advance(timedelta(minutes=14))
    with pytest.raises(LockedOut):
        access.auth.login("a.visser", PASSWORD)
    clock.advance(timedelta(minutes=1))
    assert access.auth.login("a.visser", PASSWORD).session.doc.stage == "full"
    assert any(e.action == "auth.locked_out" for e in audit.entries(store, limit=1000))


def test_failures_spread_beyond_the_window_do_not_lock(access: Access, clock: ManualClock) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    for _ in range(8):
        with pytest.raises(AuthFailed):
            access.auth.login("a.visser", "not the password")
        clock.advance(timedelta(minutes=4))
    access.auth.login("a.visser", PASSWORD)


def test_a_name_nobody_has_locks_just_like_a_real_one(access: Access) -> None:
    for _ in range(5):
        with pytest.raises(AuthFailed):
            access.auth.login("ghost", "whatever it is")
    with pytest.raises(LockedOut):
        access.auth.login("ghost", "whatever it is")


def test_one_address_trying_many_names_is_held_back(access: Access) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    for n in range(20):
        with pytest.raises(AuthFailed):
            access.auth.login(f"guess{n}", "password guess", client="203.0.113.9")
    with pytest.raises(LockedOut):
        access.auth.login("a.visser", PASSWORD, client="203.0.113.9")
    access.auth.login("a.visser", PASSWORD, client="10.0.0.5")


def test_wrong_codes_count_towards_the_lockout(access: Access, clock: ManualClock) -> None:
    phone, _ = enrolled(access, clock, "c.dekker", "incident_commander")
    half = access.auth.login("c.dekker", PASSWORD)
    for _ in range(5):
        with pytest.raises(AuthFailed):
            access.auth.verify_code(half.session, "000000")
    with pytest.raises(LockedOut):
        access.auth.verify_code(half.session, phone.code())


def test_a_replayed_code_does_not_sign_in_a_second_time(access: Access, clock: ManualClock) -> None:
    phone, _ = enrolled(access, clock, "c.dekker", "incident_commander")
    code = phone.code()
    access.auth.verify_code(access.auth.login("c.dekker", PASSWORD).session, code)
    with pytest.raises(AuthFailed, match="already used"):
        access.auth.verify_code(access.auth.login("c.dekker", PASSWORD).session, code)


def test_a_recovery_code_signs_in_once(access: Access, clock: ManualClock) -> None:
    _, codes = enrolled(access, clock, "c.dekker", "incident_commander")
    signed = access.auth.use_recovery_code(
        access.auth.login("c.dekker", PASSWORD).session, codes[0]
    )
    assert signed.recovery_codes_left == 9
    with pytest.raises(AuthFailed):
        access.auth.use_recovery_code(access.auth.login("c.dekker", PASSWORD).session, codes[0])


def test_a_session_ends_after_thirty_idle_minutes(access: Access, clock: ManualClock) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    signed = access.auth.login("a.visser", PASSWORD)
    for _ in range(3):
        clock.advance(timedelta(minutes=29))
        access.auth.session_principal(signed.secret)
    clock.advance(timedelta(minutes=30))
    with pytest.raises(NotSignedIn):
        access.auth.session_principal(signed.secret)
    ended = audit.entries(access.store, limit=1000)[-1]
    assert (ended.actor, ended.action, ended.details["reason"]) == (
        "a.visser",
        "auth.session_ended",
        "session idle too long",
    )


def test_a_busy_session_still_ends_after_twelve_hours(access: Access, clock: ManualClock) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    signed = access.auth.login("a.visser", PASSWORD)
    for _ in range(47):
        clock.advance(timedelta(minutes=15))
        access.auth.session_principal(signed.secret)
    clock.advance(timedelta(minutes=15))
    with pytest.raises(NotSignedIn):
        access.auth.session_principal(signed.secret)


def test_signing_in_again_ends_the_session_in_the_old_cookie(access: Access) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    old = access.auth.login("a.visser", PASSWORD)
    new = access.auth.login("a.visser", PASSWORD, replacing=old.secret)
    assert new.secret != old.secret
    with pytest.raises(SessionInvalid):
        access.sessions.resolve(old.secret)


def test_sign_out_everywhere_ends_every_session(access: Access) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    signed = [access.auth.login("a.visser", PASSWORD) for _ in range(3)]
    principal, _ = access.auth.session_principal(signed[0].secret)
    assert access.auth.logout_everywhere("a.visser", principal) == 3
    for s in signed:
        with pytest.raises(NotSignedIn):
            access.auth.session_principal(s.secret)


def test_step_up_is_fresh_for_ten_minutes(access: Access, clock: ManualClock) -> None:
    phone, _ = enrolled(access, clock, "p.bakker", "privacy_officer")
    full = access.auth.verify_code(access.auth.login("p.bakker", PASSWORD).session, phone.code())
    window = access.settings.step_up
    clock.advance(timedelta(minutes=11))
    principal, session = access.auth.session_principal(full.secret)
    assert not principal.fresh_second_factor(clock.now(), window)

    with pytest.raises(AuthFailed):
        access.auth.step_up(session, "000000")
    access.auth.step_up(session, phone.next_code())

    principal, _ = access.auth.session_principal(full.secret)
    assert principal.fresh_second_factor(clock.now(), window)
    clock.advance(timedelta(minutes=10, seconds=1))
    assert not access.auth.session_principal(full.secret)[0].fresh_second_factor(
        clock.now(), window
    )


def test_wrong_current_passwords_count_towards_the_lockout(access: Access) -> None:
    """A session left open on someone's desk cannot be used to guess the password."""
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    for _ in range(5):
        with pytest.raises(AuthFailed, match="current password is wrong"):
            access.auth.confirm_password("a.visser", "a guess at it")
    with pytest.raises(LockedOut):
        access.auth.confirm_password("a.visser", PASSWORD)


def test_timed_out_sessions_are_cleared_at_the_next_sign_in(
    access: Access, clock: ManualClock
) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    for _ in range(3):
        access.auth.login("a.visser", PASSWORD)  # browsers closed without signing out
    clock.advance(timedelta(hours=1))
    access.auth.login("a.visser", PASSWORD)
    assert len(access.sessions.of_user("a.visser")) == 1


def test_housekeeping_removes_dead_sessions_and_old_counters_only(
    access: Access, clock: ManualClock
) -> None:
    access.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    access.users.add("b.smit", "analyst", password=PASSWORD, by=ADMIN)
    access.auth.login("a.visser", PASSWORD)
    clock.advance(timedelta(minutes=31))
    alive = access.auth.login("b.smit", PASSWORD)
    for _ in range(5):
        with pytest.raises(AuthFailed):
            access.auth.login("ghost", "no such user")
    with pytest.raises(AuthFailed):
        access.auth.login("b.smit", "one slip")

    said = access.housekeeping()

    assert said == "1 timed-out session(s) and 0 old failure counter(s) removed"
    assert access.sessions.of_user("a.visser") == []
    access.auth.session_principal(alive.secret)
    with pytest.raises(LockedOut):  # ghost's lock still runs: its counter stays
        access.auth.login("ghost", "no such user")
    clock.advance(timedelta(minutes=16))
    assert access.housekeeping().endswith("and 2 old failure counter(s) removed")
