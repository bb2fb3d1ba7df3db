"""Hostile log values through ingest, detection and every listing command, human and --json."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from typer.testing import CliRunner, Result

from sentinel.cli import app
from sentinel.cli.service import _log_handler
from tests.hostile.corpus import RAW_LINES, VALUES, shown

REPO = Path(__file__).resolve().parents[2]
SETTINGS = f"""
[detection]
rules_dir = "{REPO / "rules"}"

[[sources]]
name = "app"
kind = "file"
path = "app.jsonl"
format = "jsonl"
"""
WINDOW = ("--from", "2026-11-24T00:00:00Z", "--to", "2026-11-25T00:00:00Z")
runner = CliRunner()


def export_line(n: int, user: str) -> bytes:
    """A large member export by ``user``: member_export_large raises one alert per account."""
    return orjson.dumps(
        {
            "@timestamp": f"2026-11-24T12:{n:02d}:00Z",
            "event": {"action": "member.export", "outcome": "success"},
            "user": {"name": user},
            "url": {"path": f"/export/{user}"},
            "sentinel": {"records": 500},
        }
    )


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    (tmp_path / "sentinel.toml").write_text(SETTINGS)
    lines = [export_line(n, v) for n, v in enumerate(VALUES.values())]
    lines += list(RAW_LINES.values())
    (tmp_path / "app.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return f"sqlite:///{tmp_path / 'sentinel.db'}"


def run(store_url: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(
        app, [*args, "--store", store_url], env={"USER": "tester", "COLUMNS": "6000"}
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == code, result.output
    return result


def as_json(result: Result) -> Any:
    return orjson.loads(result.stdout)


def assert_shown(output: str, values: list[str]) -> None:
    for value in values:
        for line in shown(value).splitlines():
            assert line in output, f"{line!r} not shown as text"
    assert "\x1b" not in output and "\r" not in output and "\u202e" not in output


def test_hostile_values_are_stored_alerted_and_listed_as_text(store_url: str) -> None:
    ingested = as_json(run(store_url, "ingest", "--json", code=0))
    assert (ingested[0]["stored"], ingested[0]["dead_letters"]) == (len(VALUES), len(RAW_LINES))
    run(store_url, "detect", *WINDOW, "--rule", "member_export_large")

    alerts = as_json(run(store_url, "alerts", "list", "--json", "--limit", "100"))
    assert sorted(a["group"]["user.name"] for a in alerts) == sorted(VALUES.values())
    table = run(store_url, "alerts", "list", "--limit", "100").stdout
    assert_shown(table, [v for k, v in VALUES.items() if k != "long"])

    for alert in alerts:
        user = alert["group"]["user.name"]
        detail = as_json(run(store_url, "alerts", "show", alert["id"], "--json"))
        assert [e["user.name"] for e in detail["evidence_events"]] == [user]
        assert_shown(run(store_url, "alerts", "show", alert["id"]).stdout, [user])

    found = as_json(run(store_url, "events", "search", *WINDOW, "--json", "--limit", "100"))[
        "events"
    ]
    assert sorted(e["user.name"] for e in found) == sorted(VALUES.values())
    events_table = run(store_url, "events", "search", *WINDOW, "--limit", "100").stdout
    assert_shown(events_table, [v for k, v in VALUES.items() if k != "long"])


def test_dead_letters_are_listed_as_text(store_url: str) -> None:
    run(store_url, "ingest")
    letters = as_json(run(store_url, "dead-letters", "list", "--json"))
    assert len(letters) == len(RAW_LINES)
    table = run(store_url, "dead-letters", "list").stdout
    assert_shown(table, [letter["raw"][:100] for letter in letters])
    # Invalid UTF-8 and binary are said to be so, whatever the parser then made of them.
    reasons = [letter["reason"] for letter in letters]
    assert sum(r.startswith("not UTF-8: byte 0x") for r in reasons) == 2, reasons


def test_an_error_message_keeps_its_brackets(store_url: str, tmp_path: Path) -> None:
    (tmp_path / "sentinel.toml").write_text("")
    refused = run(store_url, "ingest", code=2)
    assert "add [[sources]] to sentinel.toml" in " ".join(refused.output.split())


def test_a_log_record_of_sentinel_run_is_one_line_of_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logger = logging.getLogger("tests.hostile.run")
    logger.propagate = False
    logger.addHandler(_log_handler(ZoneInfo("Europe/Amsterdam")))
    try:
        logger.warning("source %s: %s", VALUES["newline"], VALUES["ansi"])
    finally:
        logger.handlers.clear()
    [line] = capsys.readouterr().out.splitlines()
    assert line.endswith(f"WARNING source first line\\nsecond line: {shown(VALUES['ansi'])}")


@pytest.mark.parametrize(
    "command",
    [
        ("notify", "list"),
        ("events", "stats"),
        ("checkpoints", "list"),
        ("rules", "status"),
        ("incident", "list"),
        ("audit", "list"),
    ],
)
def test_every_other_listing_runs_on_hostile_data_as_text_and_json(
    store_url: str, command: tuple[str, ...]
) -> None:
    run(store_url, "ingest")
    run(store_url, "detect", *WINDOW, "--rule", "member_export_large")
    alerts = as_json(run(store_url, "alerts", "list", "--json", "--limit", "100"))
    markup = next(a for a in alerts if a["group"]["user.name"] == VALUES["markup"])
    run(store_url, "incident", "open", "--alert", markup["id"])

    human = run(store_url, *command).stdout
    assert "\x1b" not in human and "Traceback" not in human
    as_json(run(store_url, *command, "--json"))  # well-formed JSON
    if command[0] in ("incident", "audit"):
        assert shown(markup["title"]) in human
