"""What the README promises of every command: it takes --config and --store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer

from sentinel.cli import app


def leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            if not sub.hidden:
                yield from leaves(sub, (*path, name))
    else:
        yield " ".join(path), command


def options(command: Any) -> set[str]:
    return {o for p in command.params for o in getattr(p, "opts", [])}


def test_every_command_takes_config_and_store() -> None:
    commands = dict(leaves(typer.main.get_command(app)))
    assert {"playbooks list", "demo generate", "notify test", "rules test", "assess"} <= set(
        commands
    )
    lacking = sorted(
        name for name, cmd in commands.items() if not {"--config", "--store"} <= options(cmd)
    )
    assert lacking == []
