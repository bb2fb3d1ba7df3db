"""Who is asking, before anything else: the session cookie or the bearer token, and CSRF.

For every request the middleware resolves an ``Authorization: Bearer snt_…`` token
or the session cookie into ``request.state.principal`` (and ``.session``). Under
``/api`` a request without a live credential is answered 401 at once, before any
routing, validation or lookup, so an unknown id and a known one look the same;
only the public routes (the OpenAPI document, signing in) are let through. Pages
read ``request.state.principal`` and send people to the sign-in form themselves.

A write made with the session cookie must carry the session's CSRF token in the
``X-CSRF-Token`` header (HTMX: ``hx-headers``) or a ``csrf`` form field; a bearer
token needs none (a browser never sends it by itself). After the route has run,
every write through the API, and every use of a token, is an audit entry.

A page's form posted after its session ended (idle or too old) cannot carry a token
that still counts; rather than a bare refusal, the browser is sent to the sign-in
form with a word on why. The write is not made either way.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware

from sentinel.access import auditing, codes
from sentinel.access.authn import NotSignedIn
from sentinel.access.model import Principal
from sentinel.access.sessions import Session
from sentinel.web.guard import routes
from sentinel.web.problems import problem, unauthorized
from sentinel.web.refusals import record_refusal

COOKIE = "sentinel_session"
PRESESSION = "sentinel_presession"
"""Before signing in, a page's form carries this cookie's value as its CSRF token
(double submit), so another site cannot sign someone into an account of its choosing."""
_PRESESSION_FORM = re.compile(r"^[A-Za-z0-9_-]{43}$")
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORM = "application/x-www-form-urlencoded"
_MAX_FORM = 1 << 20


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    """HttpOnly, SameSite=Lax, Secure when served over TLS (or ``access.cookie_secure``)."""
    _set_cookie(request, response, COOKIE, secret)


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    secure = request.app.state.access.settings.cookie_secure
    if secure is None:
        secure = request.url.scheme == "https"
    response.set_cookie(name, value, httponly=True, samesite="lax", secure=secure, path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def public_paths(app: FastAPI) -> frozenset[str]:
    """The API paths anyone may call: the OpenAPI document and routes marked public."""
    cached: frozenset[str] | None = getattr(app.state, "public_paths", None)
    if cached is None:
        found = {app.openapi_url} if app.openapi_url else set()
        found |= {r.path for r in routes(app) if r.rule is not None and r.rule.kind == "public"}
        cached = frozenset(found)
        app.state.public_paths = cached
    return cached


class Authenticate(BaseHTTPMiddleware):
    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.principal = None
        request.state.session = None
        app: FastAPI = request.app
        path = request.url.path
        guarded = is_api(path) and path not in public_paths(app)
        ended = False
        try:
            principal, session = await run_in_threadpool(_resolve, request)
        except NotSignedIn as exc:
            if guarded:
                return unauthorized(_say(exc.reason))
            principal, session = None, None
            ended = True
        except _BadHeader as exc:
            return unauthorized(str(exc))
        if guarded and principal is None:
            return unauthorized()
        request.state.principal = principal
        request.state.session = session
        sent_presession = request.cookies.get(PRESESSION, "")
        fresh_presession = None
        if not is_api(path) and not _PRESESSION_FORM.match(sent_presession):
            fresh_presession = codes.random_token()
        request.state.presession = fresh_presession or sent_presession
        if request.method in UNSAFE and path not in app.state.csrf_exempt:
            expected = _expected_csrf(principal, session, path, sent_presession)
            if expected is not None:
                form = await _form(request)
                given = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
                if not given or not hmac.compare_digest(given, expected):
                    await run_in_threadpool(
                        record_refusal, request, "CSRF token missing or wrong", "csrf"
                    )
                    if ended and not is_api(path):
                        redirect = _sign_in_again(request, form)
                        if fresh_presession is not None:
                            _set_cookie(request, redirect, PRESESSION, fresh_presession)
                        return redirect
                    return problem(
                        403,
                        f"a write signed in by cookie needs the session's CSRF token in the "
                        f"{CSRF_HEADER} header or the {CSRF_FIELD!r} form field",
                        code="csrf",
                    )
        response = await call_next(request)
        if fresh_presession is not None:
            _set_cookie(request, response, PRESESSION, fresh_presession)
        if principal is not None and is_api(path):
            if request.method in UNSAFE:
                await run_in_threadpool(_audit_write, request, principal, response.status_code)
            elif principal.via == "token":
                await run_in_threadpool(_audit_token_use, request, principal, response.status_code)
        return response


class _BadHeader(Exception):
    pass


def _expected_csrf(
    principal: Principal | None, session: Session | None, path: str, presession: str
) -> str | None:
    """The token a write must carry: the session's; for a page posted before there is a
    session (signing in), the pre-session cookie's; none for a bearer token."""
    if session is not None:
        return session.doc.csrf
    if principal is None and not is_api(path):
        return presession
    return None


def _resolve(request: Request) -> tuple[Principal | None, Session | None]:
    access = request.app.state.access
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _BadHeader("use 'Authorization: Bearer <token>' with a Sentinel API token")
        return access.auth.token_principal(value.strip(), client=client_of(request)), None
    secret = request.cookies.get(COOKIE)
    if not secret:
        return None, None
    principal, session = access.auth.session_principal(secret)
    return principal, session


async def _form(request: Request) -> dict[str, str]:
    """The first value of each field of an urlencoded form (empty for anything else)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != _FORM:
        return {}
    body = await request.body()
    if len(body) > _MAX_FORM:
        return {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items() if v}


def _sign_in_again(request: Request, form: dict[str, str]) -> Response:
    """To the sign-in form, back to where the person was: the form's ``next`` (sign-in
    forms carry one) or the page the form was on (the sign-in page checks either)."""
    back = form.get("next")
    if back is None:
        referer = urlsplit(request.headers.get("referer", ""))
        same = referer.netloc == request.url.netloc
        back = (referer.path + (f"?{referer.query}" if referer.query else "")) if same else "/"
    if not back.startswith("/") or back.startswith("/signin"):
        back = "/"
    response = RedirectResponse(f"/signin?ended=1&next={quote(back, safe='/')}", 303)
    clear_session_cookie(response)
    return response


def _audit_write(request: Request, who: Principal, status: int) -> None:
    auditing.record(
        request.app.state.store,
        request.app.state.clock,
        who,
        "api.write",
        f"{request.method} {request.url.path}",
        {"status": status},
    )


def _audit_token_use(request: Request, who: Principal, status: int) -> None:
    auditing.record(
        request.app.state.store,
        request.app.state.clock,
        who,
        "token.used",
        f"{request.method} {request.url.path}",
        {"status": status},
    )


def _say(reason: str) -> str:
    if "timeout" in reason or "idle" in reason:
        return "your session has ended; sign in again"
    if reason.startswith("token"):
        return "this token is no longer valid (expired or revoked); make a new one"
    return "sign in first"
