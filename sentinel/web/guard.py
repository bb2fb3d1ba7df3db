"""Declaring who may call a route: every API route says so when it is registered.

Resource routes are added on an ``ApiRouter``; each route must name exactly one of

- ``permission="alerts:read"`` (a string from ``sentinel.access.permissions``), with
  ``step_up=True`` when it also needs a second factor given within ``access.step_up``;
- ``access="signed_in"``: anyone fully signed in (their own sessions and tokens);
- ``access="signing_in"``: a session still short of its second factor (the 2FA steps);
- ``access="public"``: no one needs to be signed in (only signing in itself).

A route that names none, or two, is refused when the module is imported, so no
route can be added without a decision about who may call it. The choice is kept
in the OpenAPI document under ``x-access``, where ``routes(app)`` reads it back
for the permission-matrix test.

Inside a route, ``Who`` is the principal and ``AsActor`` the same person as a
service ``Actor``::

    router = ApiRouter(prefix="/alerts", tags=["alerts"])

    @router.get("", permission="alerts:read")
    def alert_queue(actor: AsActor, status: str | None = None) -> AlertPage:
        return AlertService(...).queue(actor, status=status)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request

from sentinel.access.model import Principal
from sentinel.access.permissions import PERMISSIONS
from sentinel.access.sessions import Session
from sentinel.services.actor import Actor
from sentinel.web.problems import PROBLEM_RESPONSES, ApiError
from sentinel.web.refusals import record_refusal

Kind = Literal["permission", "signed_in", "signing_in", "public"]
EXTRA = "x-access"


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may call one route."""

    kind: Kind
    permission: str | None = None
    step_up: bool = False

    def as_extra(self) -> dict[str, Any]:
        return {"kind": self.kind, "permission": self.permission, "step_up": self.step_up}


def principal(request: Request) -> Principal:
    """The principal the middleware found; 401 when there is none."""
    found: Principal | None = getattr(request.state, "principal", None)
    if found is None:
        raise ApiError(401, "sign in first", code="not_signed_in")
    return found


def session(request: Request) -> Session:
    """The session behind a cookie-signed-in request (the sign-in steps need it)."""
    found: Session | None = getattr(request.state, "session", None)
    if found is None:
        raise ApiError(401, "this step needs the session cookie from signing in")
    return found


def actor_of(who: Principal) -> Actor:
    """The same person as the services know them: a principal has a name and permissions."""
    return who


def check_rule(rule: Rule) -> Callable[[Request], Principal | None]:
    def check(request: Request) -> Principal | None:
        if rule.kind == "public":
            return getattr(request.state, "principal", None)
        who = principal(request)
        if rule.kind == "signing_in":
            return who
        if who.stage != "full":
            raise ApiError(
                401,
                "finish signing in: give the code from your authenticator"
                if who.stage == "second_factor"
                else "finish signing in: set up the second factor your role requires",
                code="second_factor_required" if who.stage == "second_factor" else "enrol_required",
            )
        if rule.permission is not None and not who.can(rule.permission):
            record_refusal(request, f"needs {rule.permission}", "forbidden")
            raise ApiError(
                403, f"{who.username} ({who.role}) may not do this: it needs {rule.permission}"
            )
        if rule.step_up:
            access = request.app.state.access
            if not who.fresh_second_factor(access.clock.now(), access.settings.step_up):
                record_refusal(request, "needs a fresh second factor", "step_up_required")
                minutes = int(access.settings.step_up.total_seconds() // 60)
                how = (
                    "a token cannot give one: do this signed in as a person"
                    if who.via == "token"
                    else "POST /api/auth/step-up with a code, then try again"
                )
                raise ApiError(
                    403,
                    f"this needs a second factor given in the last {minutes} minutes; {how}",
                    code="step_up_required",
                )
        return who

    return check


Who = Annotated[Principal, Depends(principal)]
"""The signed-in principal, in a route whose guard has already let it through."""


def _actor(request: Request) -> Actor:
    return actor_of(principal(request))


AsActor = Annotated[Actor, Depends(_actor)]
"""The principal as a service ``Actor``."""


def rule_for(permission: str | None, step_up: bool, access: Kind | None) -> Rule:
    if (permission is None) == (access is None):
        raise TypeError("an API route names exactly one of permission=… or access=…")
    if permission is not None:
        if permission not in PERMISSIONS:
            raise TypeError(f"unknown permission {permission!r}; see sentinel.access.permissions")
        return Rule("permission", permission, step_up)
    if step_up and access != "signed_in":
        raise TypeError("step_up applies to signed-in routes only")
    return Rule(access, None, step_up)  # type: ignore[arg-type]


class ApiRouter(APIRouter):
    """An APIRouter whose routes must say who may call them (see the module docstring)."""

    def add_api_route(  # type: ignore[override]
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        permission: str | None = None,
        step_up: bool = False,
        access: Kind | None = None,
        **kwargs: Any,
    ) -> None:
        extra = kwargs.get("openapi_extra") or {}
        if permission is None and access is None and EXTRA in extra:
            super().add_api_route(path, endpoint, **kwargs)  # a guarded route, included again
            return
        rule = rule_for(permission, step_up, access)
        if rule.kind == "public" and "{" in path:
            raise TypeError("a public route takes no path parameters")
        kwargs["dependencies"] = [Depends(check_rule(rule)), *(kwargs.get("dependencies") or [])]
        kwargs["openapi_extra"] = {**(kwargs.get("openapi_extra") or {}), EXTRA: rule.as_extra()}
        kwargs["responses"] = {**PROBLEM_RESPONSES, **(kwargs.get("responses") or {})}
        super().add_api_route(path, endpoint, **kwargs)

    def api_route(  # type: ignore[override]
        self,
        path: str,
        *,
        permission: str | None = None,
        step_up: bool = False,
        access: Kind | None = None,
        **kwargs: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_api_route(
                path, func, permission=permission, step_up=step_up, access=access, **kwargs
            )
            return func

        return register

    def get(self, path: str, **kwargs: Any) -> Callable[..., Any]:  # type: ignore[override]
        return self.api_route(path, methods=["GET"], **kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[..., Any]:  # type: ignore[override]
        return self.api_route(path, methods=["POST"], **kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[..., Any]:  # type: ignore[override]
        return self.api_route(path, methods=["PUT"], **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[..., Any]:  # type: ignore[override]
        return self.api_route(path, methods=["PATCH"], **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[..., Any]:  # type: ignore[override]
        return self.api_route(path, methods=["DELETE"], **kwargs)


@dataclass(frozen=True, slots=True)
class RouteAccess:
    method: str
    path: str
    rule: Rule | None
    """None: the route was added without a rule (only the OpenAPI document may be)."""


def routes(app: FastAPI, prefix: str = "/api") -> list[RouteAccess]:
    """Every route under ``prefix`` with who may call it: what the matrix test walks.

    Read from the OpenAPI document, where every API route appears with its ``x-access``.
    """
    found: list[RouteAccess] = []
    for path, operations in app.openapi().get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            extra = operation.get(EXTRA)
            rule = (
                Rule(extra["kind"], extra.get("permission"), bool(extra.get("step_up")))
                if extra
                else None
            )
            found.append(RouteAccess(method.upper(), path, rule))
    return found
