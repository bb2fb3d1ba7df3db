"""`sentinel register export`: the breach register (GDPR Art. 33(5)) as CSV or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from sentinel.cli.common import ConfigOption, StoreOption, context, errors, fail, opened_store
from sentinel.incidents.register import Controller, write_csv, write_json
from sentinel.incidents.service import Incidents

app = typer.Typer(help="The breach register.", no_args_is_help=True)


@app.callback()
def register() -> None:
    """The breach register (GDPR Art. 33(5))."""


@app.command()
def export(
    fmt: Annotated[Literal["csv", "json"], typer.Option("--format", help="csv or json.")],
    out: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
    controller: Annotated[
        str | None, typer.Option(help="The controller's name (default: organisation.name).")
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="The controller's address (default: organisation.address).")
    ] = None,
    dpo: Annotated[
        str | None, typer.Option(help="The DPO's contact (default: organisation.dpo_*).")
    ] = None,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Every incident, notified or not, with facts, effects, measures, decisions and reasons."""
    ctx = context(config, store_url)
    org = ctx.settings.organisation
    dpo_contact = ", ".join(p for p in (org.dpo_name, org.dpo_email, org.dpo_phone) if p)
    who = Controller(
        org.name if controller is None else controller,
        org.address if address is None else address,
        dpo_contact if dpo is None else dpo,
    )
    with opened_store(ctx) as store:
        incidents = Incidents(store, ctx.clock)
        try:
            handle = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
        except OSError as exc:
            fail(f"cannot write {out}: {exc.strerror}")
        try:
            if fmt == "csv":
                count = write_csv(handle, incidents, ctx.zone)
            else:
                count = write_json(handle, incidents, who, ctx.clock.now())
        finally:
            if out:
                handle.close()
    if out:
        errors.print(f"{count} incident(s) written to {out}", highlight=False)
