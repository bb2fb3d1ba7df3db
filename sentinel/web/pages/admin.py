"""Admin: users and their roles, API tokens, and how the rules and sources are doing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sentinel.access.permissions import ROLE_PERMISSIONS
from sentinel.access.users import UserError
from sentinel.services.actor import require
from sentinel.services.errors import Invalid
from sentinel.services.rules import RuleService
from sentinel.services.sources import SourceService
from sentinel.web.pages.deps import PageRoute, PageUser, service_context, signed_in
from sentinel.web.pages.render import render
from sentinel.web.pages.stepup import require_fresh_factor

router = APIRouter(include_in_schema=False, route_class=PageRoute)
User = Annotated[PageUser, Depends(signed_in)]


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, user: User) -> Response:
    ctx = service_context(request)
    access = request.app.state.access
    manage = user.can("users:admin")
    return render(
        request,
        "admin.html",
        user,
        {
            "nav": "admin",
            "users": access.users.list() if manage else None,
            "tokens": access.tokens.of_user(None) if manage else None,
            "roles": list(ROLE_PERMISSIONS),
            "rules": RuleService(ctx).status(user.actor) if user.can("rules:read") else None,
            "sources": SourceService(ctx).health(user.actor) if user.can("sources:read") else None,
            "fresh": user.principal.fresh_second_factor(
                access.clock.now(), access.settings.step_up
            ),
            "message": request.query_params.get("done", ""),
        },
    )


def _done(message: str) -> Response:
    from urllib.parse import quote

    return RedirectResponse(f"/admin?done={quote(message)}", status_code=303)


@router.post("/admin/users/{username}/role")
def change_role(
    request: Request,
    user: User,
    username: str,
    role: Annotated[str, Form()],
    code: Annotated[str, Form()] = "",
) -> Response:
    """Changing a role ends that user's sessions; it asks for a fresh second factor."""
    require(user.actor, "users:admin")
    require_fresh_factor(request, user, code)
    try:
        request.app.state.access.users.set_role(username, role, by=user.principal)
    except UserError as exc:
        raise Invalid(str(exc)) from None
    return _done(f"{username} is now {role}; their sessions have ended.")


@router.post("/admin/users/{username}/disable")
def disable(
    request: Request, user: User, username: str, disabled: Annotated[str, Form()]
) -> Response:
    require(user.actor, "users:admin")
    off = disabled == "yes"
    try:
        request.app.state.access.users.set_disabled(username, off, by=user.principal)
    except UserError as exc:
        raise Invalid(str(exc)) from None
    return _done(f"{username} {'disabled' if off else 'enabled'}.")


@router.post("/admin/tokens/{token_id}/revoke")
def revoke(request: Request, user: User, token_id: str) -> Response:
    require(user.actor, "users:admin")
    request.app.state.access.revoke_token(token_id, by=user.principal)
    return _done(f"Token {token_id} revoked.")
