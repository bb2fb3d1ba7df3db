"""Step-up on a page: deciding, approving and exporting take a second factor given lately.

The form carries a code field; when the session's second factor is older than
``access.step_up``, the code is checked (and counted towards the lockout like any
other) before the action runs. A fresh session needs no code.
"""

from __future__ import annotations

from fastapi import Request

from sentinel.access.authn import AuthFailed, WrongStage
from sentinel.access.throttle import LockedOut
from sentinel.services.errors import Forbidden
from sentinel.web.pages.deps import PageUser
from sentinel.web.security import client_of


def require_fresh_factor(request: Request, user: PageUser, code: str) -> None:
    access = request.app.state.access
    if user.principal.fresh_second_factor(access.clock.now(), access.settings.step_up):
        return
    minutes = int(access.settings.step_up.total_seconds() // 60)
    if not code.strip():
        raise Forbidden(
            f"this needs a second factor given in the last {minutes} minutes: "
            "enter the code from your authenticator with it"
        )
    if user.session is None:
        raise Forbidden("a second factor can only be given signed in with a session")
    try:
        access.auth.step_up(user.session, code.strip(), client=client_of(request))
    except (AuthFailed, LockedOut, WrongStage) as exc:
        raise Forbidden(f"second factor not accepted: {exc}") from None
