"""/api/users: who may use Sentinel and in which role (users:admin).

Giving a role, whether to a new user or an existing one, and resetting someone's
second factor ask for a fresh second factor of the admin doing it.
"""

from __future__ import annotations

from fastapi import Request

from sentinel.access.service import Access
from sentinel.web.api.models import RoleIn, UserIn, UserOut
from sentinel.web.guard import ApiRouter, Who

router = ApiRouter(prefix="/api/users", tags=["users"])


def _access(request: Request) -> Access:
    return request.app.state.access  # type: ignore[no-any-return]


@router.get("", permission="users:admin")
def list_users(request: Request) -> list[UserOut]:
    return [UserOut.of(u) for u in _access(request).users.list()]


@router.get("/{username}", permission="users:admin")
def show_user(username: str, request: Request) -> UserOut:
    return UserOut.of(_access(request).users.show(username))


@router.post("", permission="users:admin", step_up=True, status_code=201)
def add_user(body: UserIn, who: Who, request: Request) -> UserOut:
    user = _access(request).users.add(
        body.username, body.role, password=body.password, by=who, name=body.name, email=body.email
    )
    return UserOut.of(user)


@router.put("/{username}/role", permission="users:admin", step_up=True)
def set_role(username: str, body: RoleIn, who: Who, request: Request) -> UserOut:
    """A new role; the user's sessions end at once."""
    return UserOut.of(_access(request).users.set_role(username, body.role, by=who))


@router.post("/{username}/disable", permission="users:admin")
def disable(username: str, who: Who, request: Request) -> UserOut:
    """No more sign-in or tokens; the user's sessions end at once."""
    return UserOut.of(_access(request).users.set_disabled(username, True, by=who))


@router.post("/{username}/enable", permission="users:admin", step_up=True)
def enable(username: str, who: Who, request: Request) -> UserOut:
    return UserOut.of(_access(request).users.set_disabled(username, False, by=who))


@router.post("/{username}/reset-2fa", permission="users:admin", step_up=True)
def reset_second_factor(username: str, who: Who, request: Request) -> UserOut:
    """Forget the user's authenticator and recovery codes; they enrol again at sign-in."""
    return UserOut.of(_access(request).users.reset_second_factor(username, by=who))
