"""What every page handler starts from: who is asking, the services' context, page errors.

The security middleware has already resolved the session cookie into
``request.state.principal``; a page sends whoever is not fully signed in to the
step of signing in they are at. Service refusals become pages, not JSON: a
restricted incident someone may not see is "not found", as in the API.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from sentinel.access.model import Principal
from sentinel.access.sessions import Session
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden, Invalid, NotFound, Refused, ServiceError, Stale


@dataclass(frozen=True, slots=True)
class PageUser:
    """The signed-in person as pages need them: the principal, its session, the CSRF token."""

    principal: Principal
    session: Session | None

    @property
    def username(self) -> str:
        return self.principal.username

    @property
    def name(self) -> str:
        return self.principal.username

    @property
    def role(self) -> str:
        return self.principal.role

    @property
    def actor(self) -> Principal:
        """Who the services see: the principal itself (a name and its permissions)."""
        return self.principal

    @property
    def csrf(self) -> str:
        return self.session.doc.csrf if self.session else ""

    def can(self, permission: str) -> bool:
        return self.principal.can(permission)


class SignInFirst(Exception):
    """Not (fully) signed in: go to ``location``."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def safe_next(target: str | None) -> str:
    """A local path to return to after signing in; anything else goes home."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def signed_in(request: Request) -> PageUser:
    """The person behind the request's session, fully signed in; otherwise to sign-in."""
    who: Principal | None = getattr(request.state, "principal", None)
    session: Session | None = getattr(request.state, "session", None)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if who is None:
        raise SignInFirst(f"/signin?next={quote(here, safe='')}")
    if who.stage == "second_factor":
        raise SignInFirst(f"/signin/code?next={quote(here, safe='')}")
    if who.stage == "enrol":
        raise SignInFirst(f"/signin/enrol?next={quote(here, safe='')}")
    return PageUser(who, session)


def service_context(request: Request) -> ServiceContext:
    state = request.app.state
    return ServiceContext(state.settings, state.store, state.clock)


_STATUS: tuple[tuple[type[ServiceError], int, str], ...] = (
    (NotFound, 404, "Not found"),
    (Forbidden, 403, "Not allowed"),
    (Invalid, 400, "Cannot do that"),
    (Stale, 409, "Changed meanwhile"),
    (Refused, 409, "Cannot do that now"),
)


class PageRoute(APIRoute):
    """A page: signing in is a redirect, and a refusal is a page that says why."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handle(request)
            except SignInFirst as exc:
                if request.headers.get("HX-Request") == "true":
                    # a part updating in place: send the whole page to sign-in, not the part
                    return Response(status_code=204, headers={"HX-Redirect": exc.location})
                return RedirectResponse(exc.location, status_code=303)
            except RequestValidationError as exc:
                detail = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
                )
                return _refusal(request, 400, "Cannot do that", detail)
            except ServiceError as exc:
                for kind, status, title in _STATUS:
                    if isinstance(exc, kind):
                        return _refusal(request, status, title, str(exc))
                raise

        return page


def _refusal(request: Request, status: int, title: str, detail: str) -> Response:
    who: Principal | None = getattr(request.state, "principal", None)
    user = PageUser(who, request.state.session) if who and who.stage == "full" else None
    return request.app.state.pages.render(
        request,
        "refused.html",
        {"title": title, "detail": detail, "user": user, "csrf": user.csrf if user else ""},
        status,
    )
