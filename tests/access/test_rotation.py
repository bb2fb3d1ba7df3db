"""Changing access.secret_key: every TOTP secret sealed again, nobody enrols again.

The key is read from settings as Sentinel reads it; after the rotation people sign in
with the codes their phones already show, under the new key alone. A wrong former key
is refused before anything is written.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from sentinel import audit
from sentinel.access import auditing
from sentinel.access.model import USER_KIND
from sentinel.access.secretbox import SecretBox, SecretKeyError
from sentinel.access.service import Access
from sentinel.access.users import UserError
from sentinel.config import Settings
from sentinel.store.base import Store
from tests.access.conftest import ADMIN, PASSWORD, Phone
from tests.conftest import ManualClock

OLD = base64.b64encode(b"o" * 32).decode()
NEW = base64.b64encode(b"n" * 32).decode()


def access_with(store: Store, clock: ManualClock, tmp_path: Path, **keys: str) -> Access:
    """Access as Sentinel builds it from these key settings (no key file to fall back on)."""
    settings = settings_with(tmp_path, **keys)
    box = SecretBox.from_settings(settings.access, tmp_path / "absent.key", create=False)
    return Access(
        store, clock, settings.access, box, hasher=PasswordHasher.from_parameters(CHEAPEST)
    )


def settings_with(tmp_path: Path, **keys: object) -> Settings:
    return Settings(store_url=f"sqlite:///{tmp_path / 'unused.db'}", access=keys)  # type: ignore[arg-type]


def enrol(access: Access, clock: ManualClock, username: str) -> Phone:
    access.users.add(username, "incident_commander", password=PASSWORD, by=ADMIN)
    signed = access.auth.login(username, PASSWORD)
    phone = Phone(access.auth.start_enrolment(signed.session).secret, clock)
    access.auth.confirm_enrolment(signed.session, phone.code())
    return phone


def signs_in(access: Access, username: str, phone: Phone) -> bool:
    half = access.auth.login(username, PASSWORD)
    return access.auth.verify_code(half.session, phone.next_code()).session.doc.stage == "full"


def test_after_rotation_people_sign_in_with_their_phones_under_the_new_key_alone(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    before = access_with(store, clock, tmp_path, secret_key=OLD)
    phones = {name: enrol(before, clock, name) for name in ("c.dekker", "f.bakker")}
    before.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)  # no second factor
    before.users.add("o.smit", "privacy_officer", password=PASSWORD, by=ADMIN)
    waiting = before.auth.start_enrolment(before.auth.login("o.smit", PASSWORD).session)
    sealed = {r.id: r.data.get("totp") for r in store.find_records(USER_KIND)}

    during = access_with(store, clock, tmp_path, secret_key=NEW, old_secret_key=OLD)
    assert signs_in(during, "c.dekker", phones["c.dekker"]), "workers keep going meanwhile"
    done = during.rotate_key(settings_with(tmp_path, secret_key=NEW, old_secret_key=OLD), by=ADMIN)
    assert (done.resealed, done.already) == (3, 0)  # two enrolled, one enrolment pending
    after = {r.id: r.data.get("totp") for r in store.find_records(USER_KIND)}
    assert after["c.dekker"]["secret"] != sealed["c.dekker"]["secret"]

    new_only = access_with(store, clock, tmp_path, secret_key=NEW)
    for name, phone in phones.items():
        assert signs_in(new_only, name, phone), name
    pending = new_only.second_factor.pending_enrolment("o.smit")
    assert pending is not None and pending.secret == waiting.secret
    old_only = access_with(store, clock, tmp_path, secret_key=OLD)
    with pytest.raises(SecretKeyError):
        signs_in(old_only, "f.bakker", phones["f.bakker"])

    actions = [e.action for e in audit.entries(store, limit=10_000)]
    assert actions.count("user.2fa_key_rotated") == 3
    assert actions.count("access.secret_key_rotated") == 1
    assert audit.verify(store, complete=auditing.KINDS).ok

    again = during.rotate_key(settings_with(tmp_path, secret_key=NEW, old_secret_key=OLD), by=ADMIN)
    assert (again.resealed, again.already) == (0, 3), "a second run finds nothing to do"


def test_a_wrong_former_key_is_refused_naming_the_setting_and_nothing_changes(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    before = access_with(store, clock, tmp_path, secret_key=OLD)
    enrol(before, clock, "c.dekker")
    versions = {r.id: r.version for r in store.find_records(USER_KIND)}
    wrong = base64.b64encode(b"w" * 32).decode()
    key_file = tmp_path / "former.key"
    key_file.write_text(wrong + "\n")
    during = access_with(store, clock, tmp_path, secret_key=NEW)

    with pytest.raises(SecretKeyError) as refused:
        during.rotate_key(
            settings_with(tmp_path, secret_key=NEW, old_secret_key_file=key_file), by=ADMIN
        )
    assert str(refused.value) == (
        "the second-factor secrets of 1 user(s) (c.dekker) open neither with "
        f"access.old_secret_key_file ({key_file}) nor with access.secret_key: set "
        f"access.old_secret_key_file ({key_file}) to the key access.secret_key held before "
        "(the one they enrolled under); nothing was changed"
    )
    assert {r.id: r.version for r in store.find_records(USER_KIND)} == versions

    with pytest.raises(SecretKeyError, match=r"no former key.*access\.old_secret_key_file"):
        during.rotate_key(settings_with(tmp_path, secret_key=NEW), by=ADMIN)
    with pytest.raises(SecretKeyError, match=r"the same key as access\.secret_key"):
        during.rotate_key(settings_with(tmp_path, secret_key=NEW, old_secret_key=NEW), by=ADMIN)
    analyst = before.users.add("a.visser", "analyst", password=PASSWORD, by=ADMIN)
    signed = before.auth.login(analyst.username, PASSWORD)
    who, _session = before.auth.session_principal(signed.secret)
    with pytest.raises(UserError, match="users:admin"):
        during.rotate_key(settings_with(tmp_path, secret_key=NEW, old_secret_key=OLD), by=who)
