"""`sentinel register export`: the breach register (GDPR Art. 33(5)) as CSV or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from sentinel.cli.common import ConfigOption, StoreOption, errors, fail, services
from sentinel.private_files import open_private
from sentinel.services.actor import command_line

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
    from sentinel.services.register import RegisterService

    with services(config, store_url) as ctx:
        service = RegisterService(ctx)
        who = service.controller(controller, address, dpo)
        try:
            handle = open_private(out, "w", encoding="utf-8", newline="") if out else sys.stdout
        except OSError as exc:
            fail(f"cannot write {out}: {exc.strerror}")
        try:
            count = service.export(command_line(), handle, fmt, who)
        finally:
            if out:
                handle.close()
    if out:
        errors.print(f"{count} incident(s) written to {out}", highlight=False)
    if service.anchor:
        errors.print(
            f"audit anchor {service.anchor}: keep it with the export; "
            f"`sentinel audit verify --anchor {service.anchor}` shows a later rewrite",
            soft_wrap=True,
        )
