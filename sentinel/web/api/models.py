"""What the sign-in, session, token and user routes take and give (pydantic, at the edge)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sentinel.access.model import Stage, User
from sentinel.access.permissions import Role
from sentinel.access.sessions import Session
from sentinel.access.tokens import Token


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class CodeIn(_In):
    code: str = Field(min_length=1, max_length=64, description="six digits, or a recovery code")


class PasswordIn(_In):
    current: str = Field(min_length=1, max_length=1024)
    new: str = Field(min_length=1, max_length=1024)


class TokenIn(_In):
    name: str = Field(min_length=1, max_length=100, description="what uses it")
    scopes: list[str] = Field(min_length=1, description="permissions, within the owner's role")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)
    user: str | None = Field(default=None, description="for someone else (users:admin only)")


class UserIn(_In):
    username: str = Field(min_length=1, max_length=64)
    role: Role
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class RoleIn(_In):
    role: Role


class UserOut(BaseModel):
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
    def of(cls, user: User) -> UserOut:
        return cls(
            username=user.username,
            name=user.name,
            email=user.email,
            role=user.role,
            disabled=user.disabled,
            two_factor=user.two_factor,
            recovery_codes_left=user.recovery_codes_left,
            created=user.created,
            created_by=user.created_by,
            password_changed=user.password_changed,
        )


class SignInOut(BaseModel):
    """Where signing in stands, and the CSRF token for the session's writes."""

    stage: Stage
    username: str
    role: str
    csrf_token: str
    next: str = Field(description="what to call next, in words")
    recovery_codes: list[str] | None = Field(
        default=None, description="only right after enrolment: shown once, keep them safe"
    )
    recovery_codes_left: int | None = None


class MeOut(BaseModel):
    username: str
    name: str
    role: str
    permissions: list[str]
    via: str
    stage: Stage
    two_factor: bool
    csrf_token: str | None = None
    second_factor_fresh_until: datetime | None = None


class EnrolOut(BaseModel):
    secret: str = Field(description="for typing into the app when the QR cannot be scanned")
    otpauth_uri: str
    qr_svg: str = Field(description="an SVG image of the otpauth URI")


class StepUpOut(BaseModel):
    fresh_until: datetime


class SessionOut(BaseModel):
    handle: str
    stage: Stage
    created: datetime
    last_seen: datetime
    client: str
    agent: str
    current: bool

    @classmethod
    def of(cls, s: Session, current: str | None) -> SessionOut:
        return cls(
            handle=s.handle,
            stage=s.doc.stage,
            created=s.doc.created,
            last_seen=s.doc.last_seen,
            client=s.doc.client,
            agent=s.doc.agent,
            current=s.id == current,
        )


class EndedOut(BaseModel):
    sessions_ended: int


class TokenOut(BaseModel):
    id: str
    user: str
    name: str
    scopes: list[str]
    created: datetime
    expires: datetime
    last_used: datetime | None
    revoked: datetime | None

    @classmethod
    def of(cls, t: Token) -> TokenOut:
        d = t.doc
        return cls(
            id=t.id,
            user=d.user,
            name=d.name,
            scopes=d.scopes,
            created=d.created,
            expires=d.expires,
            last_used=d.last_used,
            revoked=d.revoked,
        )


class NewTokenOut(TokenOut):
    token: str = Field(description="shown this once; Sentinel keeps only its digest")
