"""What every command shares: options, settings and store loading, output, exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import orjson
import typer
from pydantic import BaseModel
from rich.console import Console
from rich.style import Style
from rich.text import Text

from sentinel.clock import Clock, SystemClock
from sentinel.config import Settings, SettingsError, load_settings
from sentinel.plaintext import printable
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden, Invalid, NotFound, Refused, Stale
from sentinel.store import Store, StoreError, StoreUnavailable, open_store


class Exit(IntEnum):
    """Exit codes scripts can rely on (README, 'Exit codes')."""

    OK = 0
    FAILED = 1
    """The command ran but what it checked or did failed (problems found, a run errored)."""
    USAGE = 2
    """Bad arguments or settings: nothing was done."""
    UNAVAILABLE = 3
    """The store or a source could not be reached."""
    NOT_FOUND = 4


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Settings file (default: ./sentinel.toml when present)."),
]
StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Store URL, overriding settings (sqlite:///… or https://…)."),
]
UnusedStoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store URL, checked like every command's; this command does not use the store.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


class TextConsole(Console):
    """A Rich console that shows every string as the text it is.

    Log lines, user names, facts and settings may contain ``[bold]``, ``[/]``,
    ``:emoji:`` or terminal escapes; none of them is interpreted. Styling comes only
    from ``styled`` (or a ``style=``), never from inside a string.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs.update(markup=False, emoji=False, highlight=False)
        return super().render_str(printable(text), **kwargs)


console = TextConsole()
errors = TextConsole(stderr=True)


def styled(*parts: str | tuple[str, str | Style]) -> Text:
    """Text from plain parts and ``(text, style)`` pairs; no part is read as markup."""
    text = Text()
    for part in parts:
        if isinstance(part, str):
            text.append(printable(part))
        else:
            text.append(printable(part[0]), style=part[1])
    return text


def fail(message: str, code: Exit = Exit.USAGE) -> NoReturn:
    errors.print(styled(("error:", "bold red"), " ", message), soft_wrap=True)
    raise typer.Exit(int(code))


@dataclass
class Context:
    settings: Settings
    clock: Clock

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone


def context(config: Path | None, store_url: str | None = None) -> Context:
    try:
        settings = load_settings(config, store_url=store_url)
    except SettingsError as exc:
        fail(str(exc))
    return Context(settings=settings, clock=SystemClock())


@contextmanager
def opened_store(ctx: Context) -> Iterator[Store]:
    """The configured store, with its schema in place; unreachable → exit 3 with the reason."""
    try:
        store = open_store(ctx.settings.store_url, ctx.settings.elasticsearch)
    except StoreError as exc:
        fail(f"{exc} (setting store_url / SENTINEL_STORE_URL)")
    try:
        store.init()
        yield store
    except StoreUnavailable as exc:
        fail(f"store unavailable: {exc}", Exit.UNAVAILABLE)
    finally:
        store.close()


def emit_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")


@contextmanager
def refusals() -> Iterator[None]:
    """A service's refusal becomes its message and exit code; nothing half-done is left."""
    try:
        yield
    except NotFound as exc:
        fail(str(exc), Exit.NOT_FOUND)
    except Invalid as exc:
        fail(str(exc), Exit.USAGE)
    except (Refused, Stale, Forbidden) as exc:
        fail(str(exc), Exit.FAILED)


@contextmanager
def services(config: Path | None, store_url: str | None) -> Iterator[ServiceContext]:
    """Settings, the opened store and the clock for the services, with refusals handled."""
    ctx = context(config, store_url)
    with opened_store(ctx) as store, refusals():
        yield ServiceContext(ctx.settings, store, ctx.clock)


def emit(data: BaseModel | Sequence[BaseModel]) -> None:
    """A read model (or a list of them) as JSON, the same shape the API answers with."""
    if isinstance(data, BaseModel):
        emit_json(data.model_dump(mode="json", by_alias=True))
    else:
        emit_json([item.model_dump(mode="json", by_alias=True) for item in data])
