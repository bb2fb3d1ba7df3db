"""`sentinel store …`: create what the store needs, check it, drop old events.

Exit codes: 0 done (or nothing wrong), 1 problems found or the store refused,
2 bad arguments or settings, 3 the store could not be reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from sentinel.cli.common import (
    ConfigOption,
    Exit,
    JsonOption,
    StoreOption,
    console,
    context,
    emit,
    fail,
    refusals,
    styled,
)
from sentinel.localtime import show
from sentinel.services.actor import command_line
from sentinel.services.context import ServiceContext

if TYPE_CHECKING:
    from sentinel.services.store import StoreService
from sentinel.store import StoreError, StoreUnavailable, open_store

app = typer.Typer(help="Create, check and prune the store.", no_args_is_help=True)


@contextmanager
def _service(config: ConfigOption, store_url: StoreOption) -> Iterator[StoreService]:
    """The configured store as it is (no init); failures end the command with their exit code."""
    from sentinel.services.store import StoreService

    ctx = context(config, store_url)
    try:
        store = open_store(ctx.settings.store_url, ctx.settings.elasticsearch)
    except StoreError as exc:
        fail(f"{exc} (setting store_url / SENTINEL_STORE_URL)")
    try:
        with refusals():
            yield StoreService(ServiceContext(ctx.settings, store, ctx.clock))
    except StoreUnavailable as exc:
        fail(f"store unavailable: {exc}", Exit.UNAVAILABLE)
    except StoreError as exc:
        fail(str(exc), Exit.FAILED)
    finally:
        store.close()


@app.command()
def init(
    as_json: JsonOption = False, config: ConfigOption = None, store_url: StoreOption = None
) -> None:
    """Create what is missing (tables, or index templates and indices); safe to run again."""
    with _service(config, store_url) as service:
        done = service.init(command_line())
    if as_json:
        emit(done)
        return
    console.print(done.store, style="bold")
    for line in done.done:
        console.print(f"  {line}")


@app.command()
def check(
    as_json: JsonOption = False, config: ConfigOption = None, store_url: StoreOption = None
) -> None:
    """Say what is missing or wrong in the store; exit 1 when anything is."""
    with _service(config, store_url) as service:
        checked = service.check(command_line())
    if as_json:
        emit(checked)
    elif checked.problems:
        console.print(
            styled((f"{len(checked.problems)} problems", "bold red"), f" in {checked.store}:")
        )
        for line in checked.problems:
            console.print(f"  {line}")
    else:
        console.print(f"{checked.store}: all in place")
    if checked.problems:
        raise typer.Exit(int(Exit.FAILED))


@app.command()
def purge(
    older_than: Annotated[
        str, typer.Option("--older-than", help="Age of what goes: '180d', '26w'.")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Delete events and dead letters older than the given age (whole indices where possible).

    Incidents, alerts, the audit trail and the breach register are records and are never
    purged by this.
    """
    with _service(config, store_url) as service:
        zone = service.ctx.zone
        before = service.cutoff(older_than)
        when = show(before, zone)
        if not yes and not typer.confirm(f"Delete events and dead letters from before {when}?"):
            fail("nothing deleted", Exit.FAILED)
        result = service.purge(command_line(), before)
    if as_json:
        emit(result)
        return
    console.print(
        f"deleted {result.events} events and {result.dead_letters} dead letters from before {when}"
    )
    for index in result.indices:
        console.print(f"  dropped index {index}")
