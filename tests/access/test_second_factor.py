"""TOTP: enrolment by QR code, codes accepted once, single-use recovery codes, sealed secrets."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from sentinel.access import totp
from sentinel.access.model import USER_KIND
from sentinel.access.secretbox import SecretBox, SecretKeyError
from sentinel.access.service import Access
from sentinel.access.users import UserError
from sentinel.config import AccessSettings
from sentinel.store.base import Store
from tests.access.conftest import ADMIN, PASSWORD, Phone, enrolled
from tests.conftest import ManualClock


def test_enrolment_gives_a_scannable_qr_and_ten_recovery_codes(
    access: Access, clock: ManualClock
) -> None:
    access.users.add("c.dekker", "incident_commander", password=PASSWORD, by=ADMIN)
    start = access.second_factor.start_enrolment("c.dekker")

    assert start.uri.startswith("otpauth://totp/Sentinel:c.dekker?secret=")
    assert start.svg.startswith("<svg") and "<path" in start.svg
    assert access.second_factor.confirm_enrolment("c.dekker", "000000") is None
    codes = access.second_factor.confirm_enrolment("c.dekker", Phone(start.secret, clock).code())
    assert codes is not None and len(codes) == 10 and len(set(codes)) == 10
    assert access.users.show("c.dekker").two_factor


def test_a_second_enrolment_is_refused_while_one_is_active(
    access: Access, clock: ManualClock
) -> None:
    enrolled(access, clock, "c.dekker", "incident_commander")
    with pytest.raises(UserError, match="already set up"):
        access.second_factor.start_enrolment("c.dekker")


def test_an_enrolment_not_confirmed_in_time_must_start_again(
    access: Access, clock: ManualClock
) -> None:
    access.users.add("c.dekker", "incident_commander", password=PASSWORD, by=ADMIN)
    start = access.second_factor.start_enrolment("c.dekker")
    clock.advance(timedelta(minutes=16))
    with pytest.raises(UserError, match="expired"):
        access.second_factor.confirm_enrolment("c.dekker", Phone(start.secret, clock).code())


def test_a_code_is_accepted_once(access: Access, clock: ManualClock) -> None:
    phone, _ = enrolled(access, clock, "c.dekker", "incident_commander")
    code = phone.code()

    assert access.second_factor.verify("c.dekker", code)
    assert not access.second_factor.verify("c.dekker", code)
    clock.advance(timedelta(seconds=10))  # same 30-second step, still on the screen
    assert not access.second_factor.verify("c.dekker", code)
    assert access.second_factor.verify("c.dekker", phone.next_code())


def test_an_earlier_code_is_refused_after_a_later_one(access: Access, clock: ManualClock) -> None:
    """Within the drift window an older step would still match: the last step used forbids it."""
    phone, _ = enrolled(access, clock, "c.dekker", "incident_commander")
    older = phone.code()
    newer = phone.next_code()
    assert access.second_factor.verify("c.dekker", newer)
    assert not access.second_factor.verify("c.dekker", older)


def test_a_phone_a_step_behind_is_still_accepted_but_not_two_minutes(
    access: Access, clock: ManualClock
) -> None:
    phone, _ = enrolled(access, clock, "c.dekker", "incident_commander")
    clock.advance(timedelta(minutes=5))
    behind = totp.code_at(phone.secret, clock.now() - timedelta(seconds=30))
    assert access.second_factor.verify("c.dekker", behind)
    clock.advance(timedelta(minutes=5))
    stale = totp.code_at(phone.secret, clock.now() - timedelta(minutes=2))
    assert not access.second_factor.verify("c.dekker", stale)


def test_a_recovery_code_works_once(access: Access, clock: ManualClock) -> None:
    _, codes = enrolled(access, clock, "c.dekker", "incident_commander")

    assert access.second_factor.use_recovery_code("c.dekker", codes[3].upper()) == 9
    assert access.second_factor.use_recovery_code("c.dekker", codes[3]) is None
    assert access.second_factor.use_recovery_code("c.dekker", "aaaa-bbbb-cccc-dddd") is None
    spaced = codes[4].replace("-", " ")
    assert access.second_factor.use_recovery_code("c.dekker", spaced) == 8
    assert access.users.show("c.dekker").recovery_codes_left == 8


def test_secrets_are_sealed_at_rest(access: Access, store: Store, clock: ManualClock) -> None:
    phone, codes = enrolled(access, clock, "c.dekker", "incident_commander")
    stored = orjson.dumps(store.get_record(USER_KIND, "c.dekker").data).decode()  # type: ignore[union-attr]
    assert phone.secret not in stored
    assert not any(code in stored for code in codes)


def test_a_sealed_secret_opens_only_with_its_key_and_for_its_user() -> None:
    box = SecretBox(SecretBox.generate_key_bytes())
    sealed = box.seal("JBSWY3DPEHPK3PXP", "c.dekker")
    assert box.open(sealed, "c.dekker") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(SecretKeyError):
        box.open(sealed, "a.visser")
    with pytest.raises(SecretKeyError, match="the key it was enrolled with"):
        SecretBox(SecretBox.generate_key_bytes()).open(sealed, "c.dekker")


def test_the_key_file_is_made_once_and_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "var" / "secret.key"
    settings = AccessSettings(secret_key_file=path)
    sealed = SecretBox.from_settings(settings).seal("x", "u")
    assert path.stat().st_mode & 0o777 == 0o600
    assert SecretBox.from_settings(settings).open(sealed, "u") == "x"


def test_a_bad_key_setting_is_named() -> None:
    with pytest.raises(SecretKeyError, match=r"access\.secret_key must hold 32 bytes"):
        SecretBox.from_settings(AccessSettings(secret_key="c2hvcnQ="))


def test_the_key_lives_beside_the_sqlite_store_unless_set(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sentinel.access.secretbox import key_file
    from sentinel.config import Settings

    assert key_file(Settings(store_url=f"sqlite:///{tmp_path}/s.db")) == tmp_path / "secret.key"
    chosen = tmp_path / "keys" / "sentinel.key"
    assert key_file(Settings(access=AccessSettings(secret_key_file=chosen))) == chosen
