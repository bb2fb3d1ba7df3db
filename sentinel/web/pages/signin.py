"""Signing in and out: password, the second factor (or a recovery code), enrolment, sessions.

The steps mirror /api/auth and call the same ``Authenticator``: each step that
gains rights sets a new session cookie (a new id). A wrong name, password or
code gets one message whichever it was; a lockout says to wait.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from sentinel.access import auditing
from sentinel.access.authn import AuthFailed, SignedIn, WrongStage
from sentinel.access.model import Principal
from sentinel.access.service import Access
from sentinel.access.sessions import Session
from sentinel.access.throttle import LockedOut
from sentinel.web.pages.deps import PageRoute, PageUser, SignInFirst, safe_next, signed_in
from sentinel.web.pages.render import render
from sentinel.web.security import COOKIE, clear_session_cookie, client_of, set_session_cookie

router = APIRouter(include_in_schema=False, route_class=PageRoute)

User = Annotated[PageUser, Depends(signed_in)]
NextField = Annotated[str, Form(alias="next")]
_STAGE_PAGE = {"second_factor": "/signin/code", "enrol": "/signin/enrol"}
_ENDED = "Your session ended (it was idle too long or reached its time limit): sign in again."


def _access(request: Request) -> Access:
    return request.app.state.access  # type: ignore[no-any-return]


def _agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


def _signing_in(request: Request, *stages: str) -> Session:
    """The session of someone part-way through signing in (at one of ``stages``)."""
    session: Session | None = request.state.session
    if session is None:
        raise SignInFirst("/signin")
    if session.doc.stage not in stages:
        raise SignInFirst(_STAGE_PAGE.get(session.doc.stage, "/"))
    return session


def _failure(exc: Exception) -> str:
    if isinstance(exc, LockedOut):
        return "Too many failed attempts: wait a quarter of an hour, then try again."
    return str(exc)[:1].upper() + str(exc)[1:] + "."


def _after(request: Request, signed: SignedIn, next_page: str) -> Response:
    """Where a step leads: the next step of signing in, or the page asked for."""
    stage = signed.session.doc.stage
    target = _STAGE_PAGE.get(stage)
    location = f"{target}?next={quote(next_page, safe='/')}" if target else safe_next(next_page)
    response = RedirectResponse(location, status_code=303)
    set_session_cookie(request, response, signed.secret)
    return response


def _form(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    session: Session | None = request.state.session
    return render(
        request,
        template,
        None,
        {
            "next": "/",
            "error": None,
            "notice": None,
            "csrf": session.doc.csrf if session else request.state.presession,
            **values,
        },
        status,
    )


# password ---------------------------------------------------------------------------
@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str = "/", ended: bool = False) -> Response:
    who: Principal | None = request.state.principal
    if who is not None and who.stage == "full":
        return RedirectResponse(safe_next(next), status_code=303)
    notice = _ENDED if ended and who is None else None
    return _form(request, "signin.html", next=safe_next(next), username="", notice=notice)


@router.post("/signin")
def signin(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next_page: NextField = "/",
) -> Response:
    try:
        signed = _access(request).auth.login(
            username,
            password,
            client=client_of(request),
            agent=_agent(request),
            replacing=request.cookies.get(COOKIE),
        )
    except (AuthFailed, LockedOut) as exc:
        return _form(
            request,
            "signin.html",
            401,
            next=safe_next(next_page),
            username=username,
            error=_failure(exc),
        )
    return _after(request, signed, safe_next(next_page))


# second factor ----------------------------------------------------------------------
@router.get("/signin/code", response_class=HTMLResponse)
def code_form(request: Request, next: str = "/") -> Response:
    _signing_in(request, "second_factor")
    return _form(request, "signin_code.html", next=safe_next(next), recovery=False)


@router.post("/signin/code")
def code(request: Request, code: Annotated[str, Form()], next_page: NextField = "/") -> Response:
    session = _signing_in(request, "second_factor")
    try:
        signed = _access(request).auth.verify_code(
            session, code.strip(), client=client_of(request), agent=_agent(request)
        )
    except (AuthFailed, LockedOut) as exc:
        return _form(
            request,
            "signin_code.html",
            401,
            next=safe_next(next_page),
            recovery=False,
            error=_failure(exc),
        )
    return _after(request, signed, safe_next(next_page))


@router.get("/signin/recovery", response_class=HTMLResponse)
def recovery_form(request: Request, next: str = "/") -> Response:
    _signing_in(request, "second_factor")
    return _form(request, "signin_code.html", next=safe_next(next), recovery=True)


@router.post("/signin/recovery")
def recovery(
    request: Request, code: Annotated[str, Form()], next_page: NextField = "/"
) -> Response:
    session = _signing_in(request, "second_factor")
    try:
        signed = _access(request).auth.use_recovery_code(
            session, code.strip(), client=client_of(request), agent=_agent(request)
        )
    except (AuthFailed, LockedOut) as exc:
        return _form(
            request,
            "signin_code.html",
            401,
            next=safe_next(next_page),
            recovery=True,
            error=_failure(exc),
        )
    response = _form(
        request,
        "signin_recovered.html",
        next=safe_next(next_page),
        left=signed.recovery_codes_left,
    )
    set_session_cookie(request, response, signed.secret)
    return response


# enrolment --------------------------------------------------------------------------
@router.get("/signin/enrol", response_class=HTMLResponse)
def enrol_form(request: Request, next: str = "/") -> Response:
    """The QR code and the secret, shown while the enrolment waits for its first code."""
    session = _signing_in(request, "enrol", "full")
    access = _access(request)
    if session.doc.stage == "full" and access.users.show(session.doc.user).two_factor:
        return RedirectResponse("/account/sessions", status_code=303)
    auth = access.auth
    try:
        enrolment = auth.pending_enrolment(session) or auth.start_enrolment(session)
    except WrongStage:
        raise SignInFirst("/signin") from None
    return _form(
        request,
        "signin_enrol.html",
        next=safe_next(next),
        qr=Markup(enrolment.svg),  # segno's SVG of our own otpauth URI, no outside text
        secret=enrolment.secret,
        required=session.doc.stage == "enrol",
    )


@router.post("/signin/enrol")
def enrol(request: Request, code: Annotated[str, Form()], next_page: NextField = "/") -> Response:
    """The first code confirms it; the ten recovery codes are shown this once."""
    session = _signing_in(request, "enrol", "full")
    auth = _access(request).auth
    try:
        signed = auth.confirm_enrolment(
            session, code.strip(), client=client_of(request), agent=_agent(request)
        )
    except (AuthFailed, LockedOut) as exc:
        pending = auth.pending_enrolment(session)
        if pending is None:
            raise SignInFirst("/signin/enrol") from None
        return _form(
            request,
            "signin_enrol.html",
            401,
            next=safe_next(next_page),
            qr=Markup(pending.svg),
            secret=pending.secret,
            required=session.doc.stage == "enrol",
            error=_failure(exc),
        )
    response = _form(
        request,
        "signin_codes.html",
        next=safe_next(next_page),
        codes=signed.recovery_codes,
        csrf=signed.session.doc.csrf,
    )
    response.headers["Cache-Control"] = "no-store"
    set_session_cookie(request, response, signed.secret)
    return response


# signing out, sessions --------------------------------------------------------------
@router.post("/signout")
def signout(request: Request) -> Response:
    session: Session | None = request.state.session
    if session is not None:
        _access(request).auth.logout(session)
    response = RedirectResponse("/signin", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/account/sessions", response_class=HTMLResponse)
def my_sessions(request: Request, user: User) -> Response:
    access = _access(request)
    found = access.sessions.of_user(user.username)
    found.sort(key=lambda s: s.doc.last_seen, reverse=True)
    current = user.session.id if user.session else None
    profile = access.users.show(user.username)
    return render(
        request,
        "account_sessions.html",
        user,
        {"sessions": found, "current": current, "two_factor": profile.two_factor},
    )


@router.post("/account/sessions/end")
def end_session(request: Request, user: User, handle: Annotated[str, Form()]) -> Response:
    access = _access(request)
    found = access.sessions.by_handle(user.username, handle)
    if found is not None:
        access.sessions.delete(found.id)
        auditing.record(
            access.store,
            access.clock,
            user.principal,
            "auth.session_ended_by_user",
            f"user:{user.username}",
            {"ended": handle},
        )
    return RedirectResponse("/account/sessions", status_code=303)


@router.post("/account/sessions/end-all")
def end_everywhere(request: Request, user: User) -> Response:
    _access(request).auth.logout_everywhere(user.username, user.principal)
    response = RedirectResponse("/signin", status_code=303)
    clear_session_cookie(response)
    return response
