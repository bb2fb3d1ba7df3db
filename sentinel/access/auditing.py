"""Audit entries for sign-in, second factor, tokens, refusals and user changes.

The actor is the Sentinel user when the change came through the API, and the
operating-system user when someone ran the command line against the store
directly; ``via`` in the details says which, so nobody mistakes one for the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sentinel import audit
from sentinel.access.model import Principal
from sentinel.clock import Clock
from sentinel.store.base import Store

CLI_NOTE = "command line on the store directly: the actor is the operating-system user"


def actor_details(who: Principal) -> dict[str, Any]:
    details: dict[str, Any] = {"via": who.via}
    if who.via == "cli":
        details["note"] = CLI_NOTE
    elif who.via == "token":
        details["token"] = who.credential
    elif who.credential:
        details["session"] = who.credential
    return details


def record(
    store: Store,
    clock: Clock,
    who: Principal | str,
    action: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
) -> None:
    """One entry; ``who`` is a principal, or the name someone typed when there is none yet."""
    if isinstance(who, Principal):
        actor, extra = who.username, actor_details(who)
    else:
        actor, extra = who, {"via": "api"}
    audit.append(store, clock, actor, action, subject, {**(details or {}), **extra})
