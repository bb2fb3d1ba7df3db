"""The breach register of GDPR Art. 33(5): every incident the actor may see, notified or not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, TextIO

from sentinel.access.need_to_know import may_see
from sentinel.incidents.model import Incident
from sentinel.incidents.register import Controller, write_csv, write_json
from sentinel.incidents.service import Incidents
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext

Format = Literal["csv", "json"]


class _Visible:
    """The incidents as the register reads them, without those the actor may not see."""

    def __init__(self, incidents: Incidents, actor: Actor) -> None:
        self.incidents = incidents
        self.actor = actor

    def iter_all(self) -> Iterator[Incident]:
        return (i for i in self.incidents.iter_all() if may_see(self.actor, i))


class RegisterService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def controller(
        self, name: str | None = None, address: str | None = None, dpo: str | None = None
    ) -> Controller:
        """Who keeps the register: from settings (organisation.*) unless given."""
        org = self.ctx.settings.organisation
        contact = ", ".join(p for p in (org.dpo_name, org.dpo_email, org.dpo_phone) if p)
        return Controller(
            org.name if name is None else name,
            org.address if address is None else address,
            contact if dpo is None else dpo,
        )

    def export(
        self, actor: Actor, out: TextIO, fmt: Format, controller: Controller | None = None
    ) -> int:
        """Write the register as CSV (local times) or JSON (UTC); returns how many incidents."""
        require(actor, "register:export")
        incidents = _Visible(Incidents(self.ctx.store, self.ctx.clock), actor)
        if fmt == "csv":
            return write_csv(out, incidents, self.ctx.zone)  # type: ignore[arg-type]
        who = controller or self.controller()
        return write_json(out, incidents, who, self.ctx.clock.now())  # type: ignore[arg-type]
