"""The README's section on the audit trail names commands, options and settings that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("\n## The audit trail\n", 1)[1].split("\n## ", 1)[0]


def commands() -> list[str]:
    """Every `sentinel …` in the section, as it is written (options and all)."""
    return [" ".join(c.split()) for c in re.findall(r"`(sentinel [^`]+)`", section())]


def test_the_section_names_the_commands_a_reader_needs() -> None:
    named = {" ".join(c.split()[:3]) for c in commands()}
    assert {
        "sentinel audit verify",
        "sentinel audit list",
        "sentinel audit checkpoint",
        "sentinel register export",
    } <= named


@pytest.mark.parametrize("command", commands())
def test_each_command_and_option_it_names_exists(command: str) -> None:
    words = command.split()[1:]
    path = [w for w in words if re.fullmatch(r"[a-z-]+", w)][:2]
    shown = CliRunner().invoke(app, [*path, "--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    for option in re.findall(r"--[a-z-]+", command):
        assert option in shown.output, f"{command}: {option} is not an option of {path}"


def test_the_settings_it_names_exist() -> None:
    audit = Settings.model_fields["audit"].annotation
    assert audit is not None
    for name in re.findall(r"`audit\.([a-z_]+)`|`([a-z_]+_file)`", section()):
        field = next(n for n in name if n)
        assert field in audit.model_fields, field  # type: ignore[union-attr]
