"""Audit entries for sign-in, second factor, tokens, refusals and user changes.

The actor is the Sentinel user when the change came through the API, and the
operating-system user when someone ran the command line against the store
directly; ``via`` in the details says which, so nobody mistakes one for the other.

Each entry binds the state of the access records it is about (the user or token its
subject names, the sessions it started or stepped up), so ``sentinel audit verify``
finds a user, session or token edited or added in the store behind Sentinel's back.
When a session was last seen and a token last used change without an entry; a
session may also end by itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sentinel import audit
from sentinel.access.model import SESSION_KIND, TOKEN_KIND, USER_KIND, Principal
from sentinel.clock import Clock
from sentinel.store.base import Store

KINDS = (USER_KIND, SESSION_KIND, TOKEN_KIND)
"""Every record of these kinds must be described by the trail: they grant access."""
_SUBJECTS = {"user": USER_KIND, "token": TOKEN_KIND}
_VOLATILE = {SESSION_KIND: ("last_seen",), TOKEN_KIND: ("last_used",)}

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
    *,
    sessions: Sequence[str] = (),
) -> None:
    """One entry; ``who`` is a principal, or the name someone typed when there is none yet.

    The user or token named by ``subject`` and the sessions with the ids in ``sessions``
    are bound as they are now in the store."""
    if isinstance(who, Principal):
        actor, extra = who.username, actor_details(who)
    else:
        actor, extra = who, {"via": "api"}
    audit.append(
        store,
        clock,
        actor,
        action,
        subject,
        {**(details or {}), **extra},
        records=bindings(store, subject, sessions),
    )


def bindings(store: Store, subject: str, sessions: Sequence[str] = ()) -> list[audit.Binding]:
    prefix, _, name = subject.partition(":")
    wanted = [(SESSION_KIND, sid) for sid in sessions]
    if prefix in _SUBJECTS and name:
        wanted.insert(0, (_SUBJECTS[prefix], name))
    found = []
    for kind, record_id in wanted:
        rec = store.get_record(kind, record_id)
        if rec is not None:
            found.append(audit.Binding(rec, _VOLATILE.get(kind, ()), may_end=kind == SESSION_KIND))
    return found
