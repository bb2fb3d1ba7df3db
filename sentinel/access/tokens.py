"""API tokens for scripts and integrations: scoped, expiring, shown once, stored hashed.

A token reads ``snt_<id>_<secret>``: the id finds the record, the secret is
compared with its digest. What a token may do is its scopes *and* its owner's
current role, so a demotion narrows every token at once and disabling the user
stops them all.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sentinel.access import codes
from sentinel.access.model import TOKEN_KIND, TokenDoc, UserDoc
from sentinel.access.permissions import check_permissions, permissions_of
from sentinel.clock import Clock
from sentinel.config import AccessSettings
from sentinel.store.base import ConflictError, Store

PREFIX = "snt_"
_FORM = re.compile(r"^snt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_TOUCH_EVERY = timedelta(minutes=1)


class TokenInvalid(Exception):
    """Not a live token; the reason is for the audit trail, not the client."""

    def __init__(self, reason: str, token_id: str | None = None) -> None:
        super().__init__(reason)
        self.token_id = token_id


class TokenRefused(ValueError):
    """A token cannot be made as asked (scope beyond the role, lifetime too long)."""


class TokenNotFound(LookupError):
    """No such token (or none of yours)."""


@dataclass(frozen=True, slots=True)
class Token:
    id: str
    doc: TokenDoc
    version: str


def looks_like_token(text: str) -> bool:
    return text.startswith(PREFIX)


class Tokens:
    def __init__(self, store: Store, clock: Clock, settings: AccessSettings) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings

    def create(
        self,
        user: UserDoc,
        name: str,
        scopes: list[str],
        lifetime: timedelta | None = None,
    ) -> tuple[str, Token]:
        """A new token; returns the full token text, which is never shown again."""
        if not name.strip():
            raise TokenRefused("give the token a name that says what uses it")
        try:
            wanted = check_permissions(scopes)
        except ValueError as exc:
            raise TokenRefused(str(exc)) from None
        if not wanted:
            raise TokenRefused("give the token at least one scope (a permission, e.g. alerts:read)")
        beyond = [s for s in wanted if s not in permissions_of(user.role)]
        if beyond:
            raise TokenRefused(
                f"{user.username}'s role {user.role} does not have {', '.join(beyond)}"
            )
        life = lifetime or self.settings.token_lifetime
        if life <= timedelta(0) or life > self.settings.token_max_lifetime:
            raise TokenRefused(
                f"a token lives at most {self.settings.token_max_lifetime.days} days "
                "(access.token_max_lifetime)"
            )
        now = self.clock.now()
        secret = codes.random_token()
        for _attempt in range(10):
            token_id = secrets.token_hex(6)
            doc = TokenDoc(
                user=user.username,
                name=name.strip()[:100],
                scopes=wanted,
                digest=codes.digest(secret),
                created=now,
                expires=now + life,
            )
            try:
                rec = self.store.create_record(TOKEN_KIND, token_id, doc.dump())
            except ConflictError:
                continue
            return f"{PREFIX}{token_id}_{secret}", Token(token_id, doc, rec.version)
        raise TokenRefused("could not find a free token id; try again")

    def resolve(self, text: str) -> Token:
        match = _FORM.match(text)
        if not match:
            raise TokenInvalid("not a Sentinel token")
        token_id, secret = match.groups()
        rec = self.store.get_record(TOKEN_KIND, token_id)
        if rec is None:
            raise TokenInvalid("no such token", token_id)
        doc: TokenDoc = TokenDoc.load(TOKEN_KIND, token_id, rec.data)
        if not codes.same(secret, doc.digest):
            raise TokenInvalid("wrong secret", token_id)
        if doc.revoked is not None:
            raise TokenInvalid("token revoked", token_id)
        now = self.clock.now()
        if now >= doc.expires:
            raise TokenInvalid("token expired", token_id)
        if doc.last_used is None or now - doc.last_used >= _TOUCH_EVERY:
            data = doc.model_copy(update={"last_used": now}).dump()
            with contextlib.suppress(ConflictError):  # another request noted it first
                rec = self.store.update_record(TOKEN_KIND, token_id, data, rec.version)
        return Token(token_id, doc, rec.version)

    def get(self, token_id: str) -> Token | None:
        rec = self.store.get_record(TOKEN_KIND, token_id)
        if rec is None:
            return None
        return Token(token_id, TokenDoc.load(TOKEN_KIND, token_id, rec.data), rec.version)

    def revoke(self, token: Token, by: str) -> Token:
        doc = token.doc.model_copy(update={"revoked": self.clock.now(), "revoked_by": by})
        rec = self.store.update_record(TOKEN_KIND, token.id, doc.dump(), token.version)
        return Token(token.id, doc, rec.version)

    def of_user(self, username: str | None = None) -> list[Token]:
        where = {"user": username} if username else None
        found: list[Token] = []
        after: str | None = None
        while True:
            records = self.store.find_records(TOKEN_KIND, where, after=after)
            found += [
                Token(r.id, TokenDoc.load(TOKEN_KIND, r.id, r.data), r.version) for r in records
            ]
            if len(records) < 1000:
                return found
            after = records[-1].id
