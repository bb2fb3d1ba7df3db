"""`sentinel demo generate`: the same seed and end write the same logs and say the same."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from typer.testing import CliRunner, Result

from sentinel.cli import demo as demo_cli

runner = CliRunner()
app = typer.Typer()
app.add_typer(demo_cli.app, name="demo")
END = "2026-11-25T12:00:00Z"


@pytest.fixture(autouse=True)
def away_from_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)


def generate(folder: Path, *args: str, code: int = 0) -> Result:
    result = runner.invoke(
        app,
        [
            "demo",
            "generate",
            "--out",
            str(folder / "access.jsonl"),
            "--sshd",
            str(folder / "auth.log"),
            "--combined",
            str(folder / "web.log"),
            "--days",
            "1",
            *args,
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == code, result.output
    return result


def summary(folder: Path, *args: str) -> dict[str, Any]:
    return orjson.loads(generate(folder, *args, "--json").stdout)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_and_end_give_the_same_summary_and_the_same_bytes(tmp_path: Path) -> None:
    first = summary(tmp_path / "a", "--seed", "7", "--end", END)
    second = summary(tmp_path / "b", "--seed", "7", "--end", END)

    assert {k: v for k, v in first.items() if k != "path"} == {
        k: v for k, v in second.items() if k != "path"
    }
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert set(files(tmp_path / "a")) == {"access.jsonl", "auth.log", "web.log"}


def test_another_seed_gives_other_logs(tmp_path: Path) -> None:
    summary(tmp_path / "a", "--seed", "7", "--end", END)
    summary(tmp_path / "b", "--seed", "8", "--end", END)

    assert files(tmp_path / "a")["access.jsonl"] != files(tmp_path / "b")["access.jsonl"]


def test_the_summary_counts_what_was_written_and_names_the_planted_incidents(
    tmp_path: Path,
) -> None:
    said = summary(tmp_path, "--end", END)

    assert (said["start"], said["end"]) == (
        "2026-11-24T12:00:00+00:00",
        "2026-11-25T12:00:00+00:00",
    )
    lines = {name: data.count(b"\n") for name, data in files(tmp_path).items()}
    assert (said["events"], said["sshd_lines"], said["combined_lines"]) == (
        lines["access.jsonl"],
        lines["auth.log"],
        lines["web.log"],
    )
    assert said["path"] == str(tmp_path / "access.jsonl")
    planted = {p["name"]: p for p in said["planted"]}
    assert planted["inactive_account_activity"]["expect"] == {"user.name": "m.jansen"}
    start, end = datetime.fromisoformat(said["start"]), datetime.fromisoformat(said["end"])
    assert all(
        start <= datetime.fromisoformat(p["start"]) <= datetime.fromisoformat(p["end"]) <= end
        for p in said["planted"]
    )
    assert said["quiet"] and not set(said["quiet"]) & {p["user"] for p in said["planted"]}


def test_an_end_without_offset_is_amsterdam_time(tmp_path: Path) -> None:
    said = summary(tmp_path, "--end", "2026-11-25T13:00")  # CET, UTC+1
    assert said["end"] == "2026-11-25T12:00:00+00:00"


def test_the_table_shows_planted_incidents_in_amsterdam_time(tmp_path: Path) -> None:
    said = summary(tmp_path / "json", "--end", END)
    inactive = next(p for p in said["planted"] if p["name"] == "inactive_account_activity")

    shown = " ".join(generate(tmp_path / "table", "--end", END).output.split())

    assert f"wrote {said['events']:,} events to {tmp_path / 'table' / 'access.jsonl'}" in shown
    assert "(2026-11-24 13:00 CET to 2026-11-25 13:00 CET)" in shown
    assert f"{len(said['planted'])} planted incidents" in shown
    assert inactive["description"] in shown
    assert f"quiet accounts (normal work only): {', '.join(said['quiet'])}" in shown


def test_an_end_that_is_no_time_is_refused(tmp_path: Path) -> None:
    refused = generate(tmp_path, "--end", "tomorrow", code=2)

    assert "--end 'tomorrow' is not an ISO-8601 time" in " ".join(refused.output.split())
    assert not (tmp_path / "access.jsonl").exists()
