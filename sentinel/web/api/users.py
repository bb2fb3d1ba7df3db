"""/api/users: who may use Sentinel and in which role (users:admin).

Giving a role, whether to a new user or an existing one, and resetting someone's
second factor ask for a fresh second factor of the admin doing it. A user is shown
with its version as ETag; a change sent with it in If-Match applies to that version
only (409 when someone changed the user meanwhile).
"""

from __future__ import annotations

from fastapi import Request, Response

from sentinel.access.model import User
from sentinel.access.service import Access
from sentinel.web.api.deps import IfMatch, etag
from sentinel.web.api.models import RoleIn, UserIn, UserOut
from sentinel.web.guard import ApiRouter, Who

router = ApiRouter(prefix="/api/users", tags=["users"])


def _access(request: Request) -> Access:
    return request.app.state.access  # type: ignore[no-any-return]


@router.get("", permission="users:admin")
def list_users(request: Request) -> list[UserOut]:
    return [UserOut.of(u) for u in _access(request).users.list()]


def _shown(request: Request, response: Response, user: User) -> UserOut:
    """The user with its version as ETag (send it back in If-Match to change them)."""
    etag(response, _access(request).records.get(user.username).version)
    return UserOut.of(user)


@router.get("/{username}", permission="users:admin")
def show_user(username: str, request: Request, response: Response) -> UserOut:
    return _shown(request, response, _access(request).users.show(username))


@router.post("", permission="users:admin", step_up=True, status_code=201)
def add_user(body: UserIn, who: Who, request: Request) -> UserOut:
    user = _access(request).users.add(
        body.username, body.role, password=body.password, by=who, name=body.name, email=body.email
    )
    return UserOut.of(user)


@router.put("/{username}/role", permission="users:admin", step_up=True)
def set_role(
    username: str, body: RoleIn, who: Who, request: Request, response: Response, version: IfMatch
) -> UserOut:
    """A new role; the user's sessions end at once."""
    user = _access(request).users.set_role(username, body.role, by=who, version=version)
    return _shown(request, response, user)


@router.post("/{username}/disable", permission="users:admin")
def disable(
    username: str, who: Who, request: Request, response: Response, version: IfMatch
) -> UserOut:
    """No more sign-in or tokens; the user's sessions end at once."""
    user = _access(request).users.set_disabled(username, True, by=who, version=version)
    return _shown(request, response, user)


@router.post("/{username}/enable", permission="users:admin", step_up=True)
def enable(
    username: str, who: Who, request: Request, response: Response, version: IfMatch
) -> UserOut:
    user = _access(request).users.set_disabled(username, False, by=who, version=version)
    return _shown(request, response, user)


@router.post("/{username}/reset-2fa", permission="users:admin", step_up=True)
def reset_second_factor(
    username: str, who: Who, request: Request, response: Response, version: IfMatch
) -> UserOut:
    """Forget the user's authenticator and recovery codes; they enrol again at sign-in."""
    user = _access(request).users.reset_second_factor(username, by=who, version=version)
    return _shown(request, response, user)
