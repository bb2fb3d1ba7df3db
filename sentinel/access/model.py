"""Users, sessions and API tokens as they are stored, and the principal a request acts as.

Each is one record in the store (kinds ``user``, ``session``, ``api_token``), so
Sentinel keeps no second database. Secrets are never stored as given: passwords as
Argon2id hashes, the TOTP secret sealed with a key outside the store, recovery
codes, session ids and token secrets as SHA-256 digests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, ValidationError

from sentinel.access.permissions import PERMISSIONS, Role
from sentinel.events import format_timestamp

USER_KIND = "user"
SESSION_KIND = "session"
TOKEN_KIND = "api_token"
THROTTLE_KIND = "login_throttle"

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a stored time must carry its offset")
    return value


Time = Annotated[datetime, AfterValidator(_aware), PlainSerializer(format_timestamp)]

Stage = Literal["second_factor", "enrol", "full"]
"""How far a session got: password given and a code is due, 2FA must be enrolled, or in."""
Via = Literal["session", "token", "cli"]


class StoredFormError(Exception):
    """A record could not be read as what it should be (hand-edited or half-written)."""


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @classmethod
    def load(cls, kind: str, id: str, data: dict[str, Any]) -> Any:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise StoredFormError(
                f"{kind} {id} is stored in a form Sentinel cannot read: {exc}"
            ) from None

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Totp(_Doc):
    secret: str
    """Sealed (``SecretBox``); opens only with the key and this user's name."""
    enrolled: Time
    last_step: int = 0
    """The last 30-second step a code was accepted for; a code for it or before is a replay."""


class PendingTotp(_Doc):
    secret: str
    started: Time


class RecoveryCode(_Doc):
    digest: str
    used: Time | None = None


class UserDoc(_Doc):
    username: str
    name: str = ""
    email: str = ""
    role: Role
    disabled: bool = False
    password: str | None = None
    """Argon2id hash; None until one is set."""
    password_changed: Time | None = None
    totp: Totp | None = None
    totp_pending: PendingTotp | None = None
    recovery: list[RecoveryCode] = Field(default_factory=list)
    epoch: int = 0
    """Raised by a role change, disabling or a 2FA reset: older sessions stop at once."""
    created: Time
    created_by: str
    updated: Time


class SessionDoc(_Doc):
    user: str
    stage: Stage
    created: Time
    last_seen: Time
    second_factor_at: Time | None = None
    csrf: str
    epoch: int
    client: str = ""
    agent: str = ""


class TokenDoc(_Doc):
    user: str
    name: str
    scopes: list[str]
    digest: str
    created: Time
    expires: Time
    last_used: Time | None = None
    revoked: Time | None = None
    revoked_by: str | None = None


class ThrottleDoc(_Doc):
    failures: list[Time] = Field(default_factory=list)
    locked_until: Time | None = None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking, with what they may do right now."""

    username: str
    role: str
    permissions: frozenset[str]
    via: Via
    credential: str | None = None
    """The session's handle or the token's id; None from the command line."""
    second_factor_at: datetime | None = None
    stage: Stage = "full"
    """A session short of its second factor has no permissions until it gives one."""

    @property
    def name(self) -> str:
        """The name histories and the audit trail record (as a service actor's)."""
        return self.username

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def fresh_second_factor(self, now: datetime, within: timedelta) -> bool:
        return self.second_factor_at is not None and now - self.second_factor_at <= within

    @classmethod
    def command_line(cls, os_user: str) -> Principal:
        """Someone at the command line with the store open: they can already do anything."""
        return cls(
            username=os_user, role="command_line", permissions=frozenset(PERMISSIONS), via="cli"
        )


@dataclass(frozen=True, slots=True)
class User:
    """A user as shown to people: never the hashes or the sealed secret."""

    username: str
    name: str
    email: str
    role: str
    disabled: bool
    two_factor: bool
    recovery_codes_left: int
    created: datetime
    created_by: str
    password_changed: datetime | None

    @classmethod
    def of(cls, doc: UserDoc) -> User:
        return cls(
            username=doc.username,
            name=doc.name,
            email=doc.email,
            role=doc.role,
            disabled=doc.disabled,
            two_factor=doc.totp is not None,
            recovery_codes_left=sum(1 for c in doc.recovery if c.used is None),
            created=doc.created,
            created_by=doc.created_by,
            password_changed=doc.password_changed,
        )


def check_username(name: str) -> str:
    clean = name.strip().lower()
    if not USERNAME.match(clean):
        raise ValueError(
            "a user name is 1 to 64 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return clean
