"""`sentinel alerts list|show|ack|close` on alerts `sentinel detect` raised from real events."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from typer.testing import CliRunner, Result

from sentinel.cli import alerts as alerts_cli
from sentinel.cli import ingest as ingest_cli
from sentinel.cli import rules as rules_cli

REPO = Path(__file__).resolve().parents[2]
SETTINGS = f"""
data_map = "{REPO / "config" / "datamap.yaml"}"
directory = "{REPO / "config" / "directory.csv"}"

[detection]
rules_dir = "{REPO / "rules"}"

[[sources]]
name = "app"
kind = "file"
path = "app.jsonl"
format = "jsonl"
"""
# m.jansen left on 2026-09-30 (config/directory.csv) and still exports members in November.
LINES = [
    '{"@timestamp":"2026-11-24T12:00:09.990Z","event":{"action":"member.export",'
    '"outcome":"success"},"user":{"name":"m.jansen"},"source":{"ip":"145.97.10.33"},'
    '"sentinel":{"records":500}}',
    '{"@timestamp":"2026-11-24T12:20:00Z","event":{"action":"member.view","outcome":"success"},'
    '"user":{"name":"m.jansen"},"source":{"ip":"145.97.10.33"},'
    '"sentinel":{"member":{"id":"M200145"}}}',
    '{"@timestamp":"2026-11-24T12:30:00Z","event":{"action":"member.view","outcome":"success"},'
    '"user":{"name":"j.devries"},"sentinel":{"member":{"id":"M200146"}}}',
]
INACTIVE = "inactive_account_activity"

runner = CliRunner()
app = typer.Typer()
app.add_typer(alerts_cli.app, name="alerts")
app.command("ingest")(ingest_cli.ingest_command)
app.command("detect")(rules_cli.detect_command)


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """m.jansen's events ingested and the rule pack run over their day."""
    monkeypatch.chdir(tmp_path)  # away from the checkout's sentinel.toml
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    (tmp_path / "sentinel.toml").write_text(SETTINGS)
    (tmp_path / "app.jsonl").write_text("".join(line + "\n" for line in LINES))
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    run(url, "ingest")
    window = ("--from", "2026-11-24T00:00:00Z", "--to", "2026-11-25T00:00:00Z")
    run(url, "detect", *window, "--rule", INACTIVE, "--rule", "member_export_large")
    return url


def run(store_url: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(
        app,
        [*args, "--store", store_url],
        env={"USER": "tester", "LOGNAME": "tester", "COLUMNS": "200"},
    )
    assert result.exit_code == code, result.output
    return result


def as_json(result: Result) -> Any:
    return orjson.loads(result.stdout)


def said(result: Result) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def alert_of(store_url: str, rule: str) -> dict[str, Any]:
    [alert] = [
        a for a in as_json(run(store_url, "alerts", "list", "--json")) if a["rule_name"] == rule
    ]
    return alert


def test_list_shows_the_raised_alerts_with_their_figures(store_url: str) -> None:
    alerts = as_json(run(store_url, "alerts", "list", "--json"))

    assert sorted((a["rule_name"], a["severity"], a["status"]) for a in alerts) == [
        (INACTIVE, "critical", "new"),
        ("member_export_large", "high", "new"),
    ]
    inactive = alert_of(store_url, INACTIVE)
    assert inactive["id"].startswith("AL-")
    assert inactive["group"] == {"user.name": "m.jansen"}
    assert inactive["count"] == 2
    assert (inactive["first_seen"], inactive["last_seen"]) == (
        "2026-11-24T12:00:09.990Z",
        "2026-11-24T12:20:00.000Z",
    )

    only_rule = as_json(run(store_url, "alerts", "list", "--rule", inactive["rule"], "--json"))
    assert [a["id"] for a in only_rule] == [inactive["id"]]
    by_name = as_json(run(store_url, "alerts", "list", "--rule", INACTIVE, "--json"))
    assert [a["id"] for a in by_name] == [inactive["id"]]
    table = said(run(store_url, "alerts", "list"))
    assert "2 alert(s)" in table
    assert "2026-11-24 13:20:00 CET" in table  # last seen, in Amsterdam time


def test_list_of_an_unknown_status_is_refused(store_url: str) -> None:
    refused = run(store_url, "alerts", "list", "--status", "open", code=2)
    assert "--status must be one of new, acknowledged, escalated, closed" in said(refused)


def test_show_lists_the_evidence_events(store_url: str) -> None:
    alert = alert_of(store_url, INACTIVE)

    shown = as_json(run(store_url, "alerts", "show", alert["id"], "--json"))

    assert shown["evidence_total"] == 2
    assert [
        (e["@timestamp"], e["user.name"], e["event.action"]) for e in shown["evidence_events"]
    ] == [
        ("2026-11-24T12:00:09.990Z", "m.jansen", "member.export"),
        ("2026-11-24T12:20:00.000Z", "m.jansen", "member.view"),
    ]
    assert all(e["sentinel.account.status"] == "terminated" for e in shown["evidence_events"])

    table = said(run(store_url, "alerts", "show", alert["id"]))
    assert "evidence: 2 of 2 event(s)" in table
    assert "2026-11-24 13:00:09 CET │ member.export │ success │ m.jansen │ 145.97.10.33" in table
    assert "M200145" in table
    assert "j.devries" not in table

    limited = as_json(run(store_url, "alerts", "show", alert["id"], "--limit", "1", "--json"))
    assert (len(limited["evidence_events"]), limited["evidence_total"]) == (1, 2)


def test_show_of_an_unknown_alert_exits_not_found(store_url: str) -> None:
    refused = run(store_url, "alerts", "show", "AL-0000000000000000", code=4)
    assert "no alert AL-0000000000000000" in said(refused)


def test_acknowledge_then_close_with_a_reason(store_url: str) -> None:
    alert = alert_of(store_url, INACTIVE)["id"]

    assert f"{alert} acknowledged" in said(run(store_url, "alerts", "ack", alert))
    again = run(store_url, "alerts", "ack", alert, code=1)
    assert "is acknowledged; it cannot become acknowledged" in said(again)
    closed = run(
        store_url, "alerts", "close", alert, "--reason", "handled: access revoked", "--by", "irene"
    )
    assert f"{alert} closed" in said(closed)

    shown = as_json(run(store_url, "alerts", "show", alert, "--json"))
    assert (shown["status"], shown["open"], shown["close_reason"]) == (
        "closed",
        False,
        "handled: access revoked",
    )
    assert [(h["by"], h["action"], h["reason"]) for h in shown["history"]][1:] == [
        ("tester", "acknowledged", None),
        ("irene", "closed", "handled: access revoked"),
    ]
    assert "irene: closed — handled: access revoked" in said(
        run(store_url, "alerts", "show", alert)
    )
    closed_only = as_json(run(store_url, "alerts", "list", "--status", "closed", "--json"))
    assert [a["id"] for a in closed_only] == [alert]


def test_closing_without_a_reason_is_refused(store_url: str) -> None:
    alert = alert_of(store_url, INACTIVE)["id"]

    missing = run(store_url, "alerts", "close", alert, code=2)
    assert "Missing option '--reason'" in said(missing)
    blank = run(store_url, "alerts", "close", alert, "--reason", "  ", code=2)
    assert "closing an alert needs a reason" in said(blank)

    assert alert_of(store_url, INACTIVE)["status"] == "new"


@pytest.mark.parametrize(
    "args",
    [["ack", "AL-0000000000000000"], ["close", "AL-0000000000000000", "--reason", "typo"]],
)
def test_changing_an_unknown_alert_exits_not_found(store_url: str, args: list[str]) -> None:
    refused = run(store_url, "alerts", *args, code=4)
    assert "no alert AL-0000000000000000" in said(refused)


def test_alert_ids_stay_whole_in_an_80_column_table(store_url: str) -> None:
    ids = [a["id"] for a in as_json(run(store_url, "alerts", "list", "--json"))]
    narrow = runner.invoke(app, ["alerts", "list", "--store", store_url], env={"COLUMNS": "80"})

    assert max(len(line) for line in narrow.output.splitlines()) <= 80
    assert all(any(i in line for line in narrow.output.splitlines()) for i in ids)
