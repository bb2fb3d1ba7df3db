"""`sentinel store …`: create what the store needs, check it, drop old events.

Exit codes: 0 done (or nothing wrong), 1 problems found or the store refused,
2 bad arguments or settings, 3 the store could not be reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

import typer

from sentinel.cli.common import (
    ConfigOption,
    Context,
    Exit,
    JsonOption,
    StoreOption,
    console,
    context,
    emit_json,
    fail,
    styled,
)
from sentinel.config import parse_duration
from sentinel.localtime import show
from sentinel.store import Store, StoreError, StoreUnavailable, open_store

app = typer.Typer(help="Create, check and prune the store.", no_args_is_help=True)

MIN_AGE = timedelta(days=1)
"""Purging younger events would pull data from under detection's windows."""


def shown_url(url: str) -> str:
    """The store URL without any user name or password in it."""
    netloc = urlsplit(url).netloc
    if "@" not in netloc:
        return url
    return url.replace(netloc, netloc.rpartition("@")[2], 1)


@contextmanager
def _store(ctx: Context) -> Iterator[Store]:
    """The configured store as it is (no init); failures end the command with their exit code."""
    try:
        store = open_store(ctx.settings.store_url, ctx.settings.elasticsearch)
    except StoreError as exc:
        fail(f"{exc} (setting store_url / SENTINEL_STORE_URL)")
    try:
        yield store
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
    ctx = context(config, store_url)
    with _store(ctx) as store:
        done = store.init()
    url = shown_url(ctx.settings.store_url)
    if as_json:
        emit_json({"store": url, "done": done})
        return
    console.print(url, style="bold")
    for line in done:
        console.print(f"  {line}", highlight=False)


@app.command()
def check(
    as_json: JsonOption = False, config: ConfigOption = None, store_url: StoreOption = None
) -> None:
    """Say what is missing or wrong in the store; exit 1 when anything is."""
    ctx = context(config, store_url)
    with _store(ctx) as store:
        problems = store.check()
    url = shown_url(ctx.settings.store_url)
    if as_json:
        emit_json({"store": url, "ok": not problems, "problems": problems})
    elif problems:
        console.print(styled((f"{len(problems)} problems", "bold red"), f" in {url}:"))
        for line in problems:
            console.print(f"  {line}", highlight=False)
    else:
        console.print(f"{url}: all in place", highlight=False)
    if problems:
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
    ctx = context(config, store_url)
    try:
        age = parse_duration(older_than)
    except ValueError as exc:
        fail(f"--older-than: {exc}")
    if age < MIN_AGE:
        fail(f"--older-than {older_than} is less than a day; detection still reads those events")
    before = ctx.clock.now() - age
    when = show(before, ctx.zone)
    if not yes and not typer.confirm(f"Delete events and dead letters from before {when}?"):
        fail("nothing deleted", Exit.FAILED)
    with _store(ctx) as store:
        result = store.purge(before)
    if as_json:
        emit_json(
            {
                "before": before.isoformat(),
                "events": result.events,
                "dead_letters": result.dead_letters,
                "indices": result.indices,
            }
        )
        return
    console.print(
        f"deleted {result.events} events and {result.dead_letters} dead letters from before {when}",
        highlight=False,
    )
    for index in result.indices:
        console.print(f"  dropped index {index}", highlight=False)
