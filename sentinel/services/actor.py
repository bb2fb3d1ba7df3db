"""Who is asking: every service call names its actor, so access checks and the audit can hook in.

Any object with a ``name`` and ``can(permission)`` is an actor: a signed-in
user or an API token's principal, or the person at the command line, who has the
store open and so may do everything.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Protocol

from sentinel.services.errors import Forbidden


class Actor(Protocol):
    @property
    def name(self) -> str:
        """The name recorded in histories and the audit trail."""

    def can(self, permission: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Caller:
    """An actor with a fixed set of permissions (``None``: all of them)."""

    name: str
    permissions: frozenset[str] | None = None
    via: str = "cli"

    def can(self, permission: str) -> bool:
        return self.permissions is None or permission in self.permissions


def command_line(by: str = "") -> Caller:
    """The operating-system user (or whom ``--by`` names) acting on the store directly."""
    return Caller(name=by or getpass.getuser())


def require(actor: Actor, permission: str) -> None:
    if not actor.can(permission):
        raise Forbidden(f"{actor.name} may not do this: it needs the permission {permission}")
