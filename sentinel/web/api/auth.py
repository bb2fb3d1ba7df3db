"""/api/auth: sign in with password and second factor, enrol, step up, sessions, tokens.

Signing in answers with the stage reached and sets the session cookie; each step
that gains rights sets a new cookie (a new session id). The answer carries the
session's CSRF token, which every later write with that cookie sends back.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.responses import Response as PlainResponse

from sentinel.access import auditing
from sentinel.access.authn import AuthFailed, SignedIn
from sentinel.access.model import Principal
from sentinel.access.service import Access
from sentinel.access.sessions import Session
from sentinel.web.api.models import (
    CodeIn,
    EndedOut,
    EnrolOut,
    LoginIn,
    MeOut,
    NewTokenOut,
    PasswordIn,
    SessionOut,
    SignInOut,
    StepUpOut,
    TokenIn,
    TokenOut,
)
from sentinel.web.guard import ApiRouter, Who, session
from sentinel.web.problems import ApiError
from sentinel.web.security import COOKIE, clear_session_cookie, client_of, set_session_cookie

router = ApiRouter(prefix="/api/auth", tags=["sign-in"])

_NEXT = {
    "second_factor": "POST /api/auth/2fa/verify with the code from your authenticator "
    "(or /api/auth/2fa/recovery with a recovery code)",
    "enrol": "your role needs a second factor: POST /api/auth/2fa/enrol, scan the QR code, "
    "then POST /api/auth/2fa/enrol/confirm with the first code",
    "full": "signed in",
}


def _access(request: Request) -> Access:
    return request.app.state.access  # type: ignore[no-any-return]


def _signed_in(request: Request, response: Response, signed: SignedIn) -> SignInOut:
    set_session_cookie(request, response, signed.secret)
    stage = signed.session.doc.stage
    return SignInOut(
        stage=stage,
        username=signed.user.username,
        role=signed.user.role,
        csrf_token=signed.session.doc.csrf,
        next=_NEXT[stage],
        recovery_codes=signed.recovery_codes or None,
        recovery_codes_left=signed.recovery_codes_left,
    )


def _agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


@router.post("/login", access="public", response_model_exclude_none=True)
def login(body: LoginIn, request: Request, response: Response) -> SignInOut:
    """Password first; the answer says what comes next (a code, enrolment, or nothing)."""
    signed = _access(request).auth.login(
        body.username,
        body.password,
        client=client_of(request),
        agent=_agent(request),
        replacing=request.cookies.get(COOKIE),
    )
    return _signed_in(request, response, signed)


@router.post("/2fa/verify", access="signing_in", response_model_exclude_none=True)
def verify(body: CodeIn, request: Request, response: Response) -> SignInOut:
    """The authenticator's code after the password: a new session with your role's rights."""
    signed = _access(request).auth.verify_code(
        session(request), body.code, client=client_of(request), agent=_agent(request)
    )
    return _signed_in(request, response, signed)


@router.post("/2fa/recovery", access="signing_in", response_model_exclude_none=True)
def recovery(body: CodeIn, request: Request, response: Response) -> SignInOut:
    """A recovery code instead of the authenticator's; each works once."""
    signed = _access(request).auth.use_recovery_code(
        session(request), body.code, client=client_of(request), agent=_agent(request)
    )
    return _signed_in(request, response, signed)


@router.post("/2fa/enrol", access="signing_in")
def enrol(request: Request) -> EnrolOut:
    """Start setting up the authenticator: the secret and its QR code, until confirmed."""
    started = _access(request).auth.start_enrolment(_enrolling(request))
    return EnrolOut(secret=started.secret, otpauth_uri=started.uri, qr_svg=started.svg)


@router.get(
    "/2fa/enrol/qr.svg",
    access="signing_in",
    response_class=PlainResponse,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def enrol_qr(request: Request) -> PlainResponse:
    """The pending enrolment's QR code as an image (for an ``<img>`` on the enrolment page)."""
    pending = _access(request).auth.pending_enrolment(_enrolling(request))
    if pending is None:
        raise ApiError(404, "no enrolment is waiting; POST /api/auth/2fa/enrol first")
    return PlainResponse(
        pending.svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"}
    )


@router.post("/2fa/enrol/confirm", access="signing_in", response_model_exclude_none=True)
def enrol_confirm(body: CodeIn, request: Request, response: Response) -> SignInOut:
    """The first code from the new secret: 2FA is on; the ten recovery codes are shown once."""
    signed = _access(request).auth.confirm_enrolment(
        _enrolling(request), body.code, client=client_of(request), agent=_agent(request)
    )
    return _signed_in(request, response, signed)


@router.post("/step-up", access="signed_in")
def step_up(body: CodeIn, request: Request) -> StepUpOut:
    """A fresh code before deciding, approving, exporting or changing roles."""
    access = _access(request)
    fresh = access.auth.step_up(session(request), body.code, client=client_of(request))
    assert fresh.doc.second_factor_at is not None
    return StepUpOut(fresh_until=fresh.doc.second_factor_at + access.settings.step_up)


@router.post("/2fa/recovery-codes", access="signed_in", step_up=True)
def new_recovery_codes(who: Who, request: Request) -> list[str]:
    """Ten new recovery codes replacing the old ones (fresh second factor needed)."""
    fresh = _access(request).second_factor.new_recovery_codes(who.username)
    _record(request, who, "auth.recovery_codes_renewed")
    return fresh


@router.post("/logout", access="signing_in", status_code=204)
def logout(request: Request, response: Response) -> None:
    _access(request).auth.logout(session(request))
    clear_session_cookie(response)


@router.post("/logout-everywhere", access="signed_in")
def logout_everywhere(who: Who, request: Request, response: Response) -> EndedOut:
    """End every session of yours, this one included."""
    ended = _access(request).auth.logout_everywhere(who.username, who)
    clear_session_cookie(response)
    return EndedOut(sessions_ended=ended)


@router.get("/me", access="signing_in", response_model_exclude_none=True)
def me(who: Who, request: Request) -> MeOut:
    """Who you are signed in as, what you may do, and your CSRF token."""
    access = _access(request)
    user = access.users.show(who.username)
    current: Session | None = request.state.session
    fresh = (
        who.second_factor_at + access.settings.step_up
        if who.fresh_second_factor(access.clock.now(), access.settings.step_up)
        and who.second_factor_at
        else None
    )
    return MeOut(
        username=who.username,
        name=user.name,
        role=who.role,
        permissions=sorted(who.permissions),
        via=who.via,
        stage=who.stage,
        two_factor=user.two_factor,
        csrf_token=current.doc.csrf if current else None,
        second_factor_fresh_until=fresh,
    )


@router.put("/password", access="signed_in", status_code=204)
def change_password(body: PasswordIn, who: Who, request: Request) -> None:
    """A new password; your other sessions end."""
    access = _access(request)
    try:
        access.auth.confirm_password(who.username, body.current, client=client_of(request))
    except AuthFailed as exc:
        raise ApiError(403, str(exc), code="auth_failed") from None
    current: Session | None = request.state.session
    access.users.set_password(
        who.username, body.new, by=who, keep_session=current.id if current else None
    )


@router.get("/sessions", access="signed_in")
def my_sessions(who: Who, request: Request) -> list[SessionOut]:
    current: Session | None = request.state.session
    found = _access(request).sessions.of_user(who.username)
    found.sort(key=lambda s: s.doc.last_seen, reverse=True)
    return [SessionOut.of(s, current.id if current else None) for s in found]


@router.delete("/sessions/{handle}", access="signed_in", status_code=204)
def end_session(handle: str, who: Who, request: Request) -> None:
    """End one of your sessions (a browser left signed in elsewhere)."""
    access = _access(request)
    found = access.sessions.by_handle(who.username, handle)
    if found is None:
        raise ApiError(404, f"no session {handle} of yours")
    access.sessions.delete(found.id)
    _record(request, who, "auth.session_ended_by_user", {"ended": handle})


@router.get("/tokens", access="signed_in")
def tokens(who: Who, request: Request, everyone: bool = False) -> list[TokenOut]:
    """Your API tokens (never their secrets); ``everyone=true`` lists all (users:admin)."""
    if everyone and not who.can("users:admin"):
        raise ApiError(403, "listing everyone's tokens needs users:admin")
    found = _access(request).tokens.of_user(None if everyone else who.username)
    return [TokenOut.of(t) for t in found]


@router.post("/tokens", access="signed_in", status_code=201)
def create_token(body: TokenIn, who: Who, request: Request) -> NewTokenOut:
    """A token for a script: shown this once. Signed in by a token, you cannot make one."""
    if who.via == "token":
        raise ApiError(403, "a token cannot make tokens; sign in as a person")
    lifetime = timedelta(days=body.expires_in_days) if body.expires_in_days else None
    text, token = _access(request).create_token(
        body.user or who.username, body.name, body.scopes, by=who, lifetime=lifetime
    )
    return NewTokenOut(token=text, **TokenOut.of(token).model_dump())


@router.delete("/tokens/{token_id}", access="signed_in")
def revoke_token(token_id: str, who: Who, request: Request) -> TokenOut:
    return TokenOut.of(_access(request).revoke_token(token_id, by=who))


def _enrolling(request: Request) -> Session:
    found = session(request)
    if found.doc.stage == "second_factor":
        raise ApiError(
            409, "give your code first (POST /api/auth/2fa/verify)", code="second_factor_required"
        )
    return found


def _record(
    request: Request, who: Principal, action: str, details: dict[str, Any] | None = None
) -> None:
    access = _access(request)
    auditing.record(access.store, access.clock, who, action, f"user:{who.username}", details)
