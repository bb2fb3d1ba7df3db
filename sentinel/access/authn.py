"""Signing in and proving who is asking: password, second factor, sessions and tokens.

Sign-in goes in stages. The password alone gives a session that can only give a
code (``second_factor``) or, for a role that must have 2FA and has none yet, only
enrol one (``enrol``); the code gives a new session (new id) with the role's
rights. Failures count towards a lockout per account and a limit per client
address; every success and failure is an audit entry. Messages to the client
never say whether a name exists or which of name and password was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sentinel.access import auditing
from sentinel.access.model import Principal, Stage, User, UserDoc
from sentinel.access.passwords import Passwords
from sentinel.access.permissions import TWO_FACTOR_ROLES, permissions_of
from sentinel.access.second_factor import Enrolment, SecondFactor
from sentinel.access.sessions import Session, SessionInvalid, Sessions
from sentinel.access.throttle import Limit, LockedOut, Throttle
from sentinel.access.tokens import TokenInvalid, Tokens
from sentinel.access.users import UserRecords
from sentinel.clock import Clock
from sentinel.config import AccessSettings
from sentinel.store.base import Store

_NAME_IN_AUDIT = 64


class AuthFailed(Exception):
    """Wrong name, password or code: the message is the same whichever it was."""


class NotSignedIn(Exception):
    """No valid session or token; ``reason`` is for the audit trail, not for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__("sign in first")
        self.reason = reason


class WrongStage(Exception):
    """The session is not at the stage this step needs (e.g. a code before the password)."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: ``secret`` goes into the cookie and nowhere else."""

    secret: str
    session: Session
    user: User
    recovery_codes: list[str] = field(default_factory=list)
    """Only when enrolment just finished: shown once."""
    recovery_codes_left: int | None = None


class Authenticator:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: AccessSettings,
        passwords: Passwords,
        records: UserRecords,
        sessions: Sessions,
        tokens: Tokens,
        second_factor: SecondFactor,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.passwords = passwords
        self.records = records
        self.sessions = sessions
        self.tokens = tokens
        self.factor = second_factor
        self.throttle = Throttle(store, clock)
        self._account = Limit(settings.lockout_after, settings.lockout_window, settings.lockout_for)
        self._address = Limit(settings.address_limit, settings.lockout_window, settings.lockout_for)

    # password -------------------------------------------------------------------------
    def login(
        self,
        username: str,
        password: str,
        *,
        client: str = "",
        agent: str = "",
        replacing: str | None = None,
    ) -> SignedIn:
        """A session after the password; the one in ``replacing`` (an old cookie) ends."""
        name = username.strip().lower()[:_NAME_IN_AUDIT]
        self._unless_locked(name, client)
        loaded = self.records.find(name) if name else None
        doc = loaded.doc if loaded else None
        ok = self.passwords.verify(doc.password if doc else None, password)
        if not ok or doc is None or doc.disabled:
            reason = (
                "unknown user" if doc is None else "disabled" if doc.disabled and ok else "password"
            )
            self._failed(name, client, "auth.login_failed", {"reason": reason, "client": client})
            raise AuthFailed("wrong user name or password")
        self.throttle.clear(_account_key(name))
        if doc.password and self.passwords.needs_rehash(doc.password):
            self._rehash(doc.username, password)
        if replacing:
            self._end_cookie(replacing)
        self.sessions.end_expired(doc.username)
        stage = self._stage_after_password(doc)
        secret, session = self.sessions.create(doc, stage, client=client, agent=agent)
        auditing.record(
            self.store,
            self.clock,
            doc.username,
            "auth.login",
            f"user:{doc.username}",
            {"stage": stage, "client": client, "session": session.handle},
            sessions=[session.id],
        )
        return SignedIn(secret, session, User.of(doc))

    def confirm_password(self, username: str, password: str, *, client: str = "") -> None:
        """The signed-in user's current password again (to change it): a wrong one counts
        towards the lockout like a wrong sign-in, so a borrowed session cannot guess it."""
        self._unless_locked(username, client)
        doc = self.records.get(username).doc
        if not self.passwords.verify(doc.password, password):
            self._failed(username, client, "auth.password_check_failed", {"client": client})
            raise AuthFailed("the current password is wrong")

    # second factor --------------------------------------------------------------------
    def verify_code(
        self, session: Session, code: str, *, client: str = "", agent: str = ""
    ) -> SignedIn:
        """The TOTP code after the password: a new session with the role's rights."""
        self._at_stage(session, "second_factor")
        user = session.doc.user
        self._unless_locked(user, client)
        if not self.factor.verify(user, code):
            self._failed(user, client, "auth.2fa_failed", {"client": client})
            raise AuthFailed("wrong or already used code")
        return self._promote(session, "auth.2fa", {}, client=client, agent=agent)

    def use_recovery_code(
        self, session: Session, code: str, *, client: str = "", agent: str = ""
    ) -> SignedIn:
        """A recovery code instead of the TOTP code; each works once."""
        self._at_stage(session, "second_factor")
        user = session.doc.user
        self._unless_locked(user, client)
        left = self.factor.use_recovery_code(user, code)
        if left is None:
            self._failed(user, client, "auth.recovery_code_failed", {"client": client})
            raise AuthFailed("wrong or already used recovery code")
        signed = self._promote(
            session, "auth.recovery_code", {"left": left}, client=client, agent=agent
        )
        return SignedIn(signed.secret, signed.session, signed.user, recovery_codes_left=left)

    def start_enrolment(self, session: Session) -> Enrolment:
        self._at_stage(session, "enrol", "full")
        enrolment = self.factor.start_enrolment(session.doc.user)
        auditing.record(
            self.store,
            self.clock,
            session.doc.user,
            "auth.2fa_enrol_started",
            f"user:{session.doc.user}",
            {"session": session.handle},
        )
        return enrolment

    def pending_enrolment(self, session: Session) -> Enrolment | None:
        self._at_stage(session, "enrol", "full")
        return self.factor.pending_enrolment(session.doc.user)

    def confirm_enrolment(
        self, session: Session, code: str, *, client: str = "", agent: str = ""
    ) -> SignedIn:
        """The first code from the new secret: 2FA is on, ten recovery codes, a new session."""
        self._at_stage(session, "enrol", "full")
        user = session.doc.user
        self._unless_locked(user, client)
        fresh = self.factor.confirm_enrolment(user, code)
        if fresh is None:
            self._failed(user, client, "auth.2fa_enrol_failed", {"client": client})
            raise AuthFailed("wrong code: check the authenticator's time and try the next one")
        signed = self._promote(session, "auth.2fa_enrolled", {}, client=client, agent=agent)
        return SignedIn(signed.secret, signed.session, signed.user, recovery_codes=fresh)

    def step_up(self, session: Session, code: str, *, client: str = "") -> Session:
        """A fresh code for the actions that ask for one; the session keeps its id."""
        self._at_stage(session, "full")
        user = session.doc.user
        self._unless_locked(user, client)
        if not self.factor.verify(user, code):
            self._failed(user, client, "auth.step_up_failed", {"client": client})
            raise AuthFailed("wrong or already used code")
        fresh = self.sessions.set_second_factor(session, self.clock.now())
        auditing.record(
            self.store,
            self.clock,
            user,
            "auth.step_up",
            f"user:{user}",
            {"session": session.handle},
            sessions=[fresh.id],
        )
        return fresh

    # signing out ----------------------------------------------------------------------
    def logout(self, session: Session) -> None:
        self.sessions.delete(session.id)
        user = session.doc.user
        auditing.record(
            self.store, self.clock, user, "auth.logout", f"user:{user}", {"session": session.handle}
        )

    def logout_everywhere(self, username: str, who: Principal) -> int:
        ended = self.sessions.delete_user(username)
        auditing.record(
            self.store,
            self.clock,
            who,
            "auth.logout_everywhere",
            f"user:{username}",
            {"sessions_ended": ended},
        )
        return ended

    # who is asking --------------------------------------------------------------------
    def session_principal(self, secret: str) -> tuple[Principal, Session]:
        """The principal behind a session cookie; NotSignedIn (and audited) when it is not live."""
        try:
            session = self.sessions.resolve(secret)
        except SessionInvalid as exc:
            if exc.user is not None:
                auditing.record(
                    self.store,
                    self.clock,
                    exc.user,
                    "auth.session_ended",
                    f"user:{exc.user}",
                    {"reason": str(exc), "session": exc.handle},
                )
            raise NotSignedIn(str(exc)) from None
        doc = session.doc
        loaded = self.records.find(doc.user)
        if loaded is None or loaded.doc.disabled or loaded.doc.epoch != doc.epoch:
            self.sessions.delete(session.id)
            why = "user gone or disabled" if not loaded or loaded.doc.disabled else "user changed"
            auditing.record(
                self.store,
                self.clock,
                doc.user,
                "auth.session_ended",
                f"user:{doc.user}",
                {"reason": why, "session": session.handle},
            )
            raise NotSignedIn(why)
        user = loaded.doc
        stage = doc.stage
        if stage == "full" and user.role in TWO_FACTOR_ROLES and user.totp is None:
            stage = "enrol"
        session = self.sessions.touch(session)
        principal = Principal(
            username=user.username,
            role=user.role,
            permissions=permissions_of(user.role) if stage == "full" else frozenset(),
            via="session",
            credential=session.handle,
            second_factor_at=doc.second_factor_at,
            stage=stage,
        )
        return principal, session

    def token_principal(self, text: str, *, client: str = "") -> Principal:
        """The principal behind an API token: its scopes within its owner's current role."""
        try:
            token = self.tokens.resolve(text)
        except TokenInvalid as exc:
            auditing.record(
                self.store,
                self.clock,
                "-",
                "token.refused",
                f"token:{exc.token_id or '?'}",
                {"reason": str(exc), "client": client},
            )
            raise NotSignedIn(str(exc)) from None
        loaded = self.records.find(token.doc.user)
        if loaded is None or loaded.doc.disabled:
            auditing.record(
                self.store,
                self.clock,
                token.doc.user,
                "token.refused",
                f"token:{token.id}",
                {"reason": "owner gone or disabled", "client": client},
            )
            raise NotSignedIn("token owner gone or disabled")
        user = loaded.doc
        return Principal(
            username=user.username,
            role=user.role,
            permissions=frozenset(token.doc.scopes) & permissions_of(user.role),
            via="token",
            credential=token.id,
        )

    def current_session(self, secret: str) -> Session:
        return self.sessions.resolve(secret)

    # inside ---------------------------------------------------------------------------
    def _stage_after_password(self, doc: UserDoc) -> Stage:
        if doc.totp is not None:
            return "second_factor"
        if doc.role in TWO_FACTOR_ROLES:
            return "enrol"
        return "full"

    def _promote(
        self,
        session: Session,
        action: str,
        details: dict[str, Any],
        *,
        client: str,
        agent: str,
    ) -> SignedIn:
        """End the session and start a new one with full rights: the id changes with them."""
        user = self.records.get(session.doc.user).doc
        self.throttle.clear(_account_key(user.username))
        self.sessions.delete(session.id)
        now = self.clock.now()
        secret, fresh = self.sessions.create(
            user, "full", second_factor_at=now, client=client, agent=agent
        )
        auditing.record(
            self.store,
            self.clock,
            user.username,
            action,
            f"user:{user.username}",
            {**details, "session": fresh.handle, "client": client},
            sessions=[fresh.id],
        )
        return SignedIn(secret, fresh, User.of(user))

    def _at_stage(self, session: Session, *stages: Stage) -> None:
        if session.doc.stage not in stages:
            raise WrongStage(
                f"this step needs a session at stage {' or '.join(stages)}, not {session.doc.stage}"
            )

    def _unless_locked(self, name: str, client: str) -> None:
        try:
            if client:
                self.throttle.check(_address_key(client))
            if name:
                self.throttle.check(_account_key(name))
        except LockedOut as exc:
            auditing.record(
                self.store,
                self.clock,
                name or "-",
                "auth.locked_out",
                f"user:{name}",
                {"until": exc.until, "client": client},
            )
            raise

    def _failed(self, name: str, client: str, action: str, details: dict[str, Any]) -> None:
        locked = self.throttle.fail(_account_key(name), self._account) if name else None
        if client:
            self.throttle.fail(_address_key(client), self._address)
        extra = {"locked_until": locked} if locked else {}
        auditing.record(
            self.store, self.clock, name or "-", action, f"user:{name}", {**details, **extra}
        )

    def _rehash(self, username: str, password: str) -> None:
        hashed = self.passwords.hash(password)

        def apply(doc: UserDoc) -> UserDoc:
            doc.password = hashed
            return doc

        self.records.change(username, apply)

    def _end_cookie(self, secret: str) -> None:
        try:
            old = self.sessions.resolve(secret)
        except SessionInvalid:
            return
        self.sessions.delete(old.id)


def _account_key(name: str) -> str:
    return f"user:{name}"


def _address_key(client: str) -> str:
    return f"addr:{client}"
