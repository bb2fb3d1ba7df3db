"""Access as one object: users, sign-in, sessions, tokens and the second factor, wired once.

Front ends build one ``Access`` from the settings and the store and use its parts;
the secret key that seals TOTP secrets is read here and nowhere else.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher

from sentinel.access import auditing
from sentinel.access.authn import Authenticator
from sentinel.access.model import Principal
from sentinel.access.passwords import Passwords
from sentinel.access.rotation import Rotated, rotate
from sentinel.access.second_factor import SecondFactor
from sentinel.access.secretbox import LazyBox, SecretBox, key_file, old_key
from sentinel.access.sessions import Sessions
from sentinel.access.tokens import Token, TokenNotFound, TokenRefused, Tokens
from sentinel.access.users import UserError, UserRecords, Users
from sentinel.clock import Clock
from sentinel.config import AccessSettings, Settings
from sentinel.store.base import Store

FIRST_ADMIN = "admin"


class Access:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: AccessSettings,
        box: SecretBox | LazyBox,
        *,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.passwords = Passwords(hasher)
        self.records = UserRecords(store, clock)
        self.sessions = Sessions(store, clock, settings)
        self.tokens = Tokens(store, clock, settings)
        self.users = Users(store, clock, self.passwords, self.sessions)
        self.second_factor = SecondFactor(self.records, clock, box, settings)
        self.auth = Authenticator(
            store,
            clock,
            settings,
            self.passwords,
            self.records,
            self.sessions,
            self.tokens,
            self.second_factor,
        )

    @classmethod
    def from_settings(cls, store: Store, clock: Clock, settings: Settings) -> Access:
        """Access as configured; the secret key is read (or made) when a second factor needs it."""
        path = key_file(settings)
        box = LazyBox(lambda: SecretBox.from_settings(settings.access, path))
        return cls(store, clock, settings.access, box)

    def rotate_key(self, settings: Settings, *, by: Principal) -> Rotated:
        """Every TOTP secret sealed again with ``access.secret_key``, opened with
        ``access.old_secret_key``; refused (nothing changed) when one opens with neither."""
        if not by.can("users:admin"):
            raise UserError("changing the secret key needs users:admin")
        path = key_file(settings)
        new = SecretBox.from_settings(settings.access, path, create=False, with_old=False)
        former, where = old_key(settings.access)
        return rotate(self.store, self.clock, self.records, new, SecretBox(former), where, by=by)

    def housekeeping(self) -> str:
        """Timed-out sessions and stale failure counters out of the store; says how many."""
        ended = self.sessions.end_all_expired()
        forgotten = self.auth.throttle.forget_stale(self.settings.lockout_window)
        return f"{ended} timed-out session(s) and {forgotten} old failure counter(s) removed"

    def first_admin(self, by: Principal) -> str | None:
        """On a store with no users, an ``admin`` with a fresh password (returned, never kept).

        None when there are users already, or another process made the first one just now.
        """
        if self.users.any():
            return None
        password = secrets.token_urlsafe(18)
        try:
            self.users.add(FIRST_ADMIN, "admin", password=password, by=by, name="First admin")
        except UserError:
            return None
        return password

    def create_token(
        self,
        username: str,
        name: str,
        scopes: list[str],
        *,
        by: Principal,
        lifetime: timedelta | None = None,
    ) -> tuple[str, Token]:
        """A token for ``username``; only they or an admin (or the command line) may make it."""
        if by.username != username.strip().lower() and not by.can("users:admin"):
            raise TokenRefused("you can only make tokens for yourself")
        user = self.records.get(username).doc
        if user.disabled:
            raise TokenRefused(f"user {user.username} is disabled")
        text, token = self.tokens.create(user, name, scopes, lifetime)
        auditing.record(
            self.store,
            self.clock,
            by,
            "token.created",
            f"token:{token.id}",
            {
                "owner": user.username,
                "name": token.doc.name,
                "scopes": token.doc.scopes,
                "expires": token.doc.expires,
            },
        )
        return text, token

    def revoke_token(self, token_id: str, *, by: Principal) -> Token:
        token = self.tokens.get(token_id)
        if token is None or (token.doc.user != by.username and not by.can("users:admin")):
            raise TokenNotFound(f"no token {token_id}")
        if token.doc.revoked is None:
            token = self.tokens.revoke(token, by.username)
            auditing.record(
                self.store,
                self.clock,
                by,
                "token.revoked",
                f"token:{token.id}",
                {"owner": token.doc.user, "name": token.doc.name},
            )
        return token
