"""Sealing every TOTP secret again under a new ``access.secret_key``.

A key that may have leaked, or a key kept for too long, is replaced without anyone
enrolling again: every user's secret (and a pending enrolment's) is opened with the
former key and sealed with the new one. First every secret is checked: when any opens
with neither key, nothing is changed, so a wrong former key cannot leave half the users
with secrets no key opens. Each user changed is an audit entry; so is the rotation.
Secrets already sealed with the new key are left as they are, so running it again
after an interruption finishes the job.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.access import auditing
from sentinel.access.model import Principal, UserDoc
from sentinel.access.secretbox import SecretBox, SecretKeyError
from sentinel.access.users import UserRecords
from sentinel.clock import Clock
from sentinel.store.base import Store

_NAMED = 5


@dataclass(frozen=True, slots=True)
class Rotated:
    resealed: int
    """Users whose secrets are now sealed with the new key."""
    already: int
    """Users whose secrets were sealed with the new key before (an earlier run)."""


def _sealed(doc: UserDoc) -> list[str]:
    found = [doc.totp.secret] if doc.totp else []
    return found + ([doc.totp_pending.secret] if doc.totp_pending else [])


def _opens(box: SecretBox, sealed: str, username: str) -> bool:
    try:
        box.open(sealed, username)
    except SecretKeyError:
        return False
    return True


def rotate(
    store: Store,
    clock: Clock,
    records: UserRecords,
    new: SecretBox,
    old: SecretBox,
    old_setting: str,
    *,
    by: Principal,
) -> Rotated:
    """``by`` has been checked by the caller (``Access.rotate_key``: users:admin)."""
    if new.same_key(old):
        raise SecretKeyError(
            f"{old_setting} holds the same key as access.secret_key: set access.secret_key "
            "(or access.secret_key_file) to the new key and keep the former one in "
            f"{old_setting}"
        )
    todo: list[str] = []
    already = 0
    lost: list[str] = []
    for doc in records.all():
        secrets = _sealed(doc)
        if not secrets:
            continue
        if all(_opens(old, s, doc.username) for s in secrets):
            todo.append(doc.username)
        elif all(_opens(new, s, doc.username) for s in secrets):
            already += 1
        else:
            lost.append(doc.username)
    if lost:
        names = ", ".join(lost[:_NAMED]) + (
            f" and {len(lost) - _NAMED} more" if len(lost) > _NAMED else ""
        )
        raise SecretKeyError(
            f"the second-factor secrets of {len(lost)} user(s) ({names}) open neither with "
            f"{old_setting} nor with access.secret_key: set {old_setting} to the key "
            "access.secret_key held before (the one they enrolled under); nothing was changed"
        )

    def reseal(doc: UserDoc) -> UserDoc | None:
        if doc.totp is not None and _opens(old, doc.totp.secret, doc.username):
            doc.totp.secret = new.seal(old.open(doc.totp.secret, doc.username), doc.username)
        elif doc.totp is not None:
            return None  # sealed with the new key meanwhile
        pending = doc.totp_pending
        if pending is not None and _opens(old, pending.secret, doc.username):
            pending.secret = new.seal(old.open(pending.secret, doc.username), doc.username)
        return doc

    for username in todo:
        records.change(username, reseal)
        auditing.record(store, clock, by, "user.2fa_key_rotated", f"user:{username}")
    auditing.record(
        store,
        clock,
        by,
        "access.secret_key_rotated",
        "access:secret_key",
        {"resealed": len(todo), "already": already},
    )
    return Rotated(resealed=len(todo), already=already)
