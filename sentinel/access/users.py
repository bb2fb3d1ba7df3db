"""Users: add, list, change role, disable, reset the second factor, set a password.

Every change is an optimistic update of the user record, an audit entry naming
who made it, and, when it takes rights away (role, disabling, 2FA reset), the end
of the user's sessions at once: their records are deleted and the user's ``epoch``
moves on, so a session being created at that very moment is refused too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sentinel.access import auditing
from sentinel.access.model import USER_KIND, Principal, User, UserDoc, check_username
from sentinel.access.passwords import Passwords
from sentinel.access.permissions import check_role
from sentinel.access.sessions import Sessions
from sentinel.clock import Clock
from sentinel.store.base import ConflictError, Store

_ATTEMPTS = 10


class UserError(ValueError):
    """The change asked for is not allowed; the message says why."""


class UserNotFound(UserError):
    pass


@dataclass(frozen=True, slots=True)
class Loaded:
    doc: UserDoc
    version: str


class UserRecords:
    """Reading and optimistically changing user records; no policy here."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def find(self, username: str) -> Loaded | None:
        rec = self.store.get_record(USER_KIND, username.strip().lower())
        if rec is None:
            return None
        return Loaded(UserDoc.load(USER_KIND, rec.id, rec.data), rec.version)

    def get(self, username: str) -> Loaded:
        found = self.find(username)
        if found is None:
            raise UserNotFound(f"no user {username!r}; see `sentinel users list`")
        return found

    def change(
        self,
        username: str,
        mutate: Callable[[UserDoc], UserDoc | None],
        *,
        version: str | None = None,
    ) -> UserDoc:
        """Apply ``mutate`` to the latest copy until it sticks; None from it means no change.

        With a ``version`` (an ETag a person read) the change applies to that version only:
        ConflictError when the user was changed since.
        """
        for _attempt in range(_ATTEMPTS):
            loaded = self.get(username)
            if version is not None and loaded.version != version:
                raise ConflictError(
                    f"user {loaded.doc.username} was changed by someone else since you read it; "
                    "reload and try again"
                )
            new = mutate(loaded.doc.model_copy(deep=True))
            if new is None:
                return loaded.doc
            new.updated = self.clock.now()
            try:
                self.store.update_record(USER_KIND, new.username, new.dump(), loaded.version)
            except ConflictError:
                if version is not None:
                    raise
                continue
            return new
        raise ConflictError(f"user {username} kept changing; try again")

    def all(self) -> list[UserDoc]:
        found: list[UserDoc] = []
        after: str | None = None
        while True:
            records = self.store.find_records(USER_KIND, after=after)
            found += [UserDoc.load(USER_KIND, r.id, r.data) for r in records]
            if len(records) < 1000:
                return found
            after = records[-1].id


class Users:
    def __init__(
        self, store: Store, clock: Clock, passwords: Passwords, sessions: Sessions
    ) -> None:
        self.store = store
        self.clock = clock
        self.passwords = passwords
        self.sessions = sessions
        self.records = UserRecords(store, clock)

    def list(self) -> list[User]:
        return [User.of(d) for d in self.records.all()]

    def show(self, username: str) -> User:
        return User.of(self.records.get(username).doc)

    def any(self) -> bool:
        return bool(self.store.find_records(USER_KIND, limit=1))

    def add(
        self,
        username: str,
        role: str,
        *,
        password: str | None,
        by: Principal,
        name: str = "",
        email: str = "",
    ) -> User:
        try:
            clean = check_username(username)
            checked_role = check_role(role)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        now = self.clock.now()
        doc = UserDoc(
            username=clean,
            name=name.strip(),
            email=email.strip(),
            role=checked_role,
            created=now,
            created_by=by.username,
            updated=now,
        )
        if password is not None:
            self.passwords.check_policy(clean, password)
            doc.password = self.passwords.hash(password)
            doc.password_changed = now
        try:
            self.store.create_record(USER_KIND, clean, doc.dump())
        except ConflictError:
            raise UserError(f"user {clean!r} already exists") from None
        auditing.record(
            self.store, self.clock, by, "user.added", f"user:{clean}", {"role": checked_role}
        )
        return User.of(doc)

    def set_role(
        self, username: str, role: str, *, by: Principal, version: str | None = None
    ) -> User:
        try:
            new_role = check_role(role)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        before: dict[str, Any] = {}

        def apply(doc: UserDoc) -> UserDoc | None:
            if doc.role == new_role:
                return None
            before["role"] = doc.role
            doc.role = new_role
            doc.epoch += 1
            return doc

        doc = self.records.change(username, apply, version=version)
        if before:
            ended = self.sessions.delete_user(doc.username)
            auditing.record(
                self.store,
                self.clock,
                by,
                "user.role",
                f"user:{doc.username}",
                {"from": before["role"], "to": new_role, "sessions_ended": ended},
            )
        return User.of(doc)

    def set_disabled(
        self, username: str, disabled: bool, *, by: Principal, version: str | None = None
    ) -> User:
        if disabled and username.strip().lower() == by.username and by.via != "cli":
            raise UserError("you cannot disable yourself; ask another admin")
        changed: list[bool] = []

        def apply(doc: UserDoc) -> UserDoc | None:
            if doc.disabled == disabled:
                return None
            doc.disabled = disabled
            doc.epoch += 1
            changed.append(True)
            return doc

        doc = self.records.change(username, apply, version=version)
        if changed:
            ended = self.sessions.delete_user(doc.username) if disabled else 0
            action = "user.disabled" if disabled else "user.enabled"
            details = {"sessions_ended": ended} if disabled else {}
            auditing.record(self.store, self.clock, by, action, f"user:{doc.username}", details)
        return User.of(doc)

    def reset_second_factor(
        self, username: str, *, by: Principal, version: str | None = None
    ) -> User:
        """Forget the TOTP secret and recovery codes; the user enrols again at next sign-in."""

        def apply(doc: UserDoc) -> UserDoc:
            doc.totp = None
            doc.totp_pending = None
            doc.recovery = []
            doc.epoch += 1
            return doc

        doc = self.records.change(username, apply, version=version)
        ended = self.sessions.delete_user(doc.username)
        auditing.record(
            self.store,
            self.clock,
            by,
            "user.2fa_reset",
            f"user:{doc.username}",
            {"sessions_ended": ended},
        )
        return User.of(doc)

    def set_password(
        self, username: str, password: str, *, by: Principal, keep_session: str | None = None
    ) -> User:
        """A new password; every other session of the user ends."""
        clean = username.strip().lower()
        self.passwords.check_policy(clean, password)
        hashed = self.passwords.hash(password)

        def apply(doc: UserDoc) -> UserDoc:
            doc.password = hashed
            doc.password_changed = self.clock.now()
            return doc

        doc = self.records.change(clean, apply)
        ended = self.sessions.delete_user(doc.username, keep=keep_session)
        auditing.record(
            self.store,
            self.clock,
            by,
            "user.password",
            f"user:{doc.username}",
            {"sessions_ended": ended},
        )
        return User.of(doc)
