"""Who is asking: every service call names its actor, so access checks and the audit can hook in."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Literal

from sentinel.services.errors import Forbidden

Via = Literal["cli", "web", "token", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    """The name recorded in histories and the audit trail."""
    via: Via = "cli"
    permissions: frozenset[str] | None = None
    """What the actor may do; None for the command line on the store itself, which may do
    everything (whoever can open the store can change it anyway)."""
    sees_restricted: bool = False
    """May see restricted incidents without being a participant (the privacy officer)."""

    @classmethod
    def cli(cls, by: str = "") -> Actor:
        """The operating-system user (or whom ``--by`` names) acting on the store directly."""
        return cls(name=by or getpass.getuser(), via="cli")

    def can(self, permission: str) -> bool:
        return self.permissions is None or permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(f"{self.name} may not do this: it needs the permission {permission}")

    def sees_all_incidents(self) -> bool:
        return self.permissions is None or self.sees_restricted
