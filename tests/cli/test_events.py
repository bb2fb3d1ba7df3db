"""`sentinel events search|stats` over events ingested from a real file into SQLite."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from typer.testing import CliRunner, Result

from sentinel.cli import events as events_cli
from sentinel.cli import ingest as ingest_cli

runner = CliRunner()

LINES = [
    # summer: 12:00 in Amsterdam (CEST)
    '{"@timestamp":"2026-07-01T10:00:00Z","event":{"action":"member.view"},'
    '"user":{"name":"k.smit"},"sentinel":{"member":{"id":"M200145"}}}',
    '{"@timestamp":"2026-11-24T12:00:09.990Z","event":{"action":"member.export"},'
    '"user":{"name":"m.jansen"},"sentinel":{"records":500}}',
    '{"@timestamp":"2026-11-24T12:05:00Z","event":{"action":"member.view"},'
    '"user":{"name":"j.devries"},"sentinel":{"member":{"id":"M200146"}}}',
    '{"@timestamp":"2026-11-24T13:00:00Z","event":{"action":"member.export"},'
    '"user":{"name":"k.smit"},"sentinel":{"records":20}}',
    "this line is no JSON",
]
SETTINGS = """
[[sources]]
name = "app"
kind = "file"
path = "app.jsonl"
format = "jsonl"

[[sources]]
name = "portal-web"
kind = "file"
path = "web.log*"
format = "combined"
"""


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store holding LINES ingested as source "app"; "portal-web" is configured but empty."""
    monkeypatch.chdir(tmp_path)  # away from the checkout's sentinel.toml
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    (tmp_path / "sentinel.toml").write_text(SETTINGS)
    (tmp_path / "app.jsonl").write_text("".join(line + "\n" for line in LINES))
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    ingest = typer.Typer()
    ingest.command()(ingest_cli.ingest_command)
    run(ingest, url)
    return url


def run(app: typer.Typer, store_url: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, [*args, "--store", store_url], env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    return result


def said(result: Result) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def search(store_url: str, *args: str) -> list[dict[str, Any]]:
    found = orjson.loads(run(events_cli.app, store_url, "search", *args, "--json").stdout)
    return found["events"]


def who(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["@timestamp"], e["user.name"]) for e in events]


def test_search_filters_on_fields_newest_first(store_url: str) -> None:
    found = search(store_url, "-w", "user.name=k.smit")

    assert who(found) == [
        ("2026-11-24T13:00:00.000Z", "k.smit"),
        ("2026-07-01T10:00:00.000Z", "k.smit"),
    ]
    assert {e["source"] for e in found} == {"app"}
    assert found[0]["sentinel.records"] == 20
    assert found[0]["id"]


def test_search_filters_combine_and_compare_numbers_wildcards_and_regexes(store_url: str) -> None:
    assert who(search(store_url, "-w", "sentinel.records>=100")) == [
        ("2026-11-24T12:00:09.990Z", "m.jansen")
    ]
    assert [u for _, u in who(search(store_url, "-w", "user.name=*.smit"))] == ["k.smit"] * 2
    assert [u for _, u in who(search(store_url, "-w", "user.name~^[jm]\\."))] == [
        "j.devries",
        "m.jansen",
    ]
    both = search(store_url, "-w", "event.action=member.export", "-w", "user.name!=m.jansen")
    assert who(both) == [("2026-11-24T13:00:00.000Z", "k.smit")]


def test_search_from_is_inclusive_and_to_exclusive(store_url: str) -> None:
    found = search(store_url, "--from", "2026-11-24T12:05:00Z", "--to", "2026-11-24T13:00:00Z")
    assert who(found) == [("2026-11-24T12:05:00.000Z", "j.devries")]


def test_search_reads_times_without_offset_as_amsterdam_time(store_url: str) -> None:
    # 13:05 in Amsterdam in November is 12:05 UTC
    found = search(store_url, "--from", "2026-11-24T13:05", "--to", "2026-11-24T14:00")
    assert who(found) == [("2026-11-24T12:05:00.000Z", "j.devries")]


def test_search_limit_says_more_match_and_oldest_first_turns_the_order(store_url: str) -> None:
    page = orjson.loads(
        run(events_cli.app, store_url, "search", "--limit", "1", "--oldest-first", "--json").stdout
    )
    assert who(page["events"]) == [("2026-07-01T10:00:00.000Z", "k.smit")]
    assert page["more"] is True


def test_search_table_shows_amsterdam_time(store_url: str) -> None:
    table = said(run(events_cli.app, store_url, "search", "-w", "user.name=k.smit"))

    assert "2 events" in table
    assert "2026-11-24 14:00:00 CET" in table
    assert "2026-07-01 12:00:00 CEST" in table
    assert "M200145" in table


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["-w", "user.name"], "is not 'FIELD OP VALUE'"),
        (["--from", "last tuesday"], "is not a time"),
        (["-w", "user.nmae=k.smit"], "'user.nmae' is never carried by events"),
        (["-w", "user.name~[jm"], "is not a regular expression"),
        (["--from", "2026-11-25", "--to", "2026-11-24"], "must be before --to"),
    ],
)
def test_search_refuses_what_it_cannot_answer_and_says_why(
    store_url: str, args: list[str], reason: str
) -> None:
    refused = run(events_cli.app, store_url, "search", *args, "--json", code=2)
    assert reason in said(refused)


def test_stats_per_source_events_newest_lag_and_dead_letters(store_url: str) -> None:
    rows = orjson.loads(run(events_cli.app, store_url, "stats", "--json").stdout)
    now = datetime.now(UTC)

    app, web = rows
    assert (app["source"], app["events"], app["dead_letters"]) == ("app", 4, 1)
    assert app["newest"] == "2026-11-24T13:00:00.000Z"  # as every time in --json
    expected_lag = (now - datetime(2026, 11, 24, 13, 0, tzinfo=UTC)).total_seconds()
    assert app["lag_seconds"] == pytest.approx(expected_lag, abs=60)
    assert web == {
        "source": "portal-web",
        "events": 0,
        "newest": None,
        "lag_seconds": None,
        "dead_letters": 0,
    }


def test_stats_table_shows_the_newest_event_in_amsterdam_time(store_url: str) -> None:
    table = said(run(events_cli.app, store_url, "stats"))

    assert "│ app │ 4 │ 2026-11-24 14:00:00 CET │" in table
    assert "│ portal-web │ 0 │ — │ — │ 0 │" in table
