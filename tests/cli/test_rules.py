"""`sentinel rules validate|list|test|status` and `sentinel detect`, on the shipped rule pack."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
import typer
from typer.testing import CliRunner, Result

from sentinel.alerts import Alerts
from sentinel.cli import alerts as alerts_cli
from sentinel.cli import demo as demo_cli
from sentinel.cli import ingest as ingest_cli
from sentinel.cli import rules as rules_cli
from sentinel.cli.common import context, opened_store
from sentinel.detection.engine import STATE, Engine
from sentinel.events import format_timestamp
from sentinel.store.sqlite import SQLiteStore

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEMO_END = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SETTINGS = f"""
data_map = "{REPO / "config" / "datamap.yaml"}"
directory = "{REPO / "config" / "directory.csv"}"

[detection]
rules_dir = "{RULES}"

[[sources]]
name = "app"
kind = "file"
path = "app.jsonl"
format = "jsonl"
"""
TYPO_RULE = """\
title: Exports, with a misspelt field
name: typo_rule
id: 11111111-2222-3333-4444-555555555555
status: test
logsource:
  product: sentinel
detection:
  selection:
    event.acton: member.export
  condition: selection
level: high
sentinel:
  group-by: [user.name]
  window: 1h
"""

runner = CliRunner()

# `detect` is a top-level command: give it an app of its own, as the CLI does.
app = typer.Typer()
app.add_typer(rules_cli.app, name="rules")
app.command("detect")(rules_cli.detect_command)
app.command("ingest")(ingest_cli.ingest_command)
app.add_typer(demo_cli.app, name="demo")


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Settings naming the shipped rules, data map and directory; one empty "app" source."""
    monkeypatch.chdir(tmp_path)  # away from the checkout's sentinel.toml
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    (tmp_path / "sentinel.toml").write_text(SETTINGS)
    (tmp_path / "app.jsonl").write_text("")
    return f"sqlite:///{tmp_path / 'sentinel.db'}"


def invoke(*args: str, code: int = 0, target: typer.Typer = app) -> Result:
    result = runner.invoke(target, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    return result


def as_json(result: Result) -> Any:
    return orjson.loads(result.stdout)


def said(text: str) -> str:
    """Text with Rich's line wrapping undone."""
    return " ".join(text.split())


def broken_pack(tmp_path: Path) -> Path:
    """One good rule, one naming a field events never carry, one that is not YAML."""
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(RULES / "member_export_large.yml", folder)
    shutil.copy(RULES / "member_export_large.examples.yml", folder)
    (folder / "typo.yml").write_text(TYPO_RULE)
    (folder / "broken.yml").write_text("title: [unclosed\n")
    return folder


def test_validate_the_shipped_pack(store_url: str) -> None:
    invoke("rules", "validate")
    checked = as_json(invoke("rules", "validate", "--json"))
    assert checked["errors"] == []
    assert checked["files"] == len(list(RULES.rglob("*.yml"))) - len(
        list(RULES.rglob("*.examples.yml"))
    )
    assert {"member_export_large", "inactive_account_activity"} <= set(checked["rules"])


def test_validate_names_file_line_and_reason_of_each_refused_rule(
    store_url: str, tmp_path: Path
) -> None:
    folder = broken_pack(tmp_path)

    checked = as_json(invoke("rules", "validate", "--rules", str(folder), "--json", code=1))

    assert checked["rules"] == ["member_export_large"]
    errors = {Path(e["file"]).name: e for e in checked["errors"]}
    assert errors["typo.yml"]["line"] == 9
    assert errors["typo.yml"]["rule"] == "typo_rule"
    assert "'event.acton' is never carried by events" in errors["typo.yml"]["reason"]
    assert errors["broken.yml"]["reason"].startswith("broken YAML")

    shown = said(invoke("rules", "validate", "--rules", str(folder), code=1).output)
    assert f"refused {folder / 'typo.yml'}:9: typo_rule: field 'event.acton'" in shown
    assert "1 rule(s) loaded from 3 file(s), 2 refused" in shown


def test_validate_refuses_actions_the_data_map_does_not_know(
    store_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "action.yml").write_text(
        TYPO_RULE.replace("event.acton: member.export", "event.action: member.exprot")
    )

    checked = as_json(invoke("rules", "validate", "--rules", str(folder), "--json", code=1))

    [error] = checked["errors"]
    assert "member.exprot" in error["reason"]


def test_a_column_name_with_a_space_is_refused_not_a_traceback(
    store_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "spaced.yml").write_text(
        TYPO_RULE.replace("event.acton: member.export", "labels.Request Parameters: x")
    )

    checked = as_json(invoke("rules", "validate", "--rules", str(folder), "--json", code=1))
    refused = invoke("detect", "--from", "-1d", "--rules", str(folder), code=2)

    [error] = checked["errors"]
    assert (error["line"], error["rule"]) == (9, "typo_rule")
    assert "'labels.Request Parameters' cannot be used in a rule" in error["reason"]
    assert "Traceback" not in refused.output
    assert "cannot be used in a rule: it has a space" in said(refused.output)


SIGMA_WEB = """\
title: Traversal in a web request
id: 5e1a2b3c-0000-4000-8000-00000000000a
status: test
logsource:
    category: webserver
detection:
    selection:
        cs-uri-query|contains: '../../'
    condition: selection
level: high
"""


def test_import_converts_sigma_rules_and_names_what_it_refused(
    store_url: str, tmp_path: Path
) -> None:
    sigma = tmp_path / "sigma" / "web"
    sigma.mkdir(parents=True)
    (sigma / "traversal.yml").write_text(SIGMA_WEB)
    (sigma / "keywords.yml").write_text(
        SIGMA_WEB.replace("    selection:\n        cs-uri-query|contains: '../../'\n", "")
        .replace("condition: selection", "condition: words")
        .replace("detection:\n", "detection:\n    words:\n        - whoami\n")
    )
    out = tmp_path / "imported"

    shown = said(
        invoke("rules", "import", str(tmp_path / "sigma"), "--out", str(out), code=1).output
    )
    report = as_json(
        invoke("rules", "import", str(tmp_path / "sigma"), "--out", str(out), "--json", code=1)
    )

    assert "keywords.yml: Traversal in a web request: keyword searches" in shown
    assert "1 rule(s) imported into 1 file(s)" in shown
    assert [r["rule"] for r in report["imported"]] == ["Traversal in a web request"]
    assert [Path(p).name for p in report["written"]] == ["traversal.yml"]
    checked = as_json(invoke("rules", "validate", "--rules", str(out), "--json"))
    assert checked["rules"] == ["traversal_in_a_web_request"]
    assert "url.original|contains" in (out / "traversal.yml").read_text()


def test_validate_of_a_missing_folder_is_a_usage_error(store_url: str, tmp_path: Path) -> None:
    refused = invoke("rules", "validate", "--rules", str(tmp_path / "nowhere"), code=2)
    assert "nowhere does not exist" in said(refused.output)


def test_list_the_pack_as_json(store_url: str) -> None:
    rules = {r["name"]: r for r in as_json(invoke("rules", "list", "--json"))}

    inactive = rules["inactive_account_activity"]
    assert (inactive["kind"], inactive["severity"], inactive["alerting"]) == (
        "match",
        "critical",
        True,
    )
    assert inactive["window_seconds"] == 3600
    assert inactive["categories"] == ["contact", "identity"]
    assert inactive["playbook"] == "insider_misuse"
    assert Path(inactive["file"]).name == "inactive_account_activity.yml"
    assert list(rules) == sorted(rules)
    assert any(not r["alerting"] for r in rules.values())  # parts of correlations

    table = said(invoke("rules", "list").output)
    assert "inactive_account_activity │ match │ critical │ 1h" in table


def test_list_refuses_a_broken_pack_on_stderr_leaving_stdout_clean(
    store_url: str, tmp_path: Path
) -> None:
    folder = broken_pack(tmp_path)

    refused = invoke("rules", "list", "--rules", str(folder), "--json", code=2)

    assert refused.stdout == ""
    assert f"{folder / 'typo.yml'}:9" in said(refused.stderr)
    assert "2 rule(s) refused" in said(refused.stderr)


def test_every_rule_of_the_pack_passes_its_examples(store_url: str) -> None:
    tested = as_json(invoke("rules", "test", "--json"))

    assert [r["rule"] for r in tested["results"] if not r["passed"]] == []
    assert tested["rules_without_examples"] == []
    assert tested["refused"] == []
    assert {"inactive_account_activity", "ssh_bruteforce"} <= {r["rule"] for r in tested["results"]}
    assert all(r["fired"] > 0 and r["quiet_fired"] == 0 for r in tested["results"])
    assert "pass" in invoke("rules", "test").output


def test_test_one_rule(store_url: str) -> None:
    tested = as_json(invoke("rules", "test", "--rule", "inactive_account_activity", "--json"))
    assert [(r["rule"], r["passed"]) for r in tested["results"]] == [
        ("inactive_account_activity", True)
    ]


def test_test_of_an_unknown_rule_is_refused(store_url: str) -> None:
    refused = invoke("rules", "test", "--rule", "no_such_rule", "--json", code=2)
    assert "no_such_rule" in said(refused.stderr)


def test_test_says_which_rules_were_refused(store_url: str, tmp_path: Path) -> None:
    folder = broken_pack(tmp_path)

    tested = invoke("rules", "test", "--rules", str(folder), code=1)

    assert f"{folder / 'typo.yml'}:9" in said(tested.output)


def alerts(store_url: str) -> list[dict[str, Any]]:
    found = invoke("list", "--json", "--limit", "1000", "--store", store_url, target=alerts_cli.app)
    return as_json(found)


def ingest_demo(tmp_path: Path) -> list[dict[str, Any]]:
    """A day of the demo's application log, ingested; the planted incidents."""
    summary = as_json(
        invoke(
            "demo",
            "generate",
            "--out",
            str(tmp_path / "app.jsonl"),
            "--days",
            "1",
            "--end",
            DEMO_END.isoformat(),
            "--json",
        )
    )
    [report] = as_json(invoke("ingest", "--json", "--store", f"sqlite:///{tmp_path}/sentinel.db"))
    assert (report["stored"], report["dead_letters"]) == (summary["events"], 0)
    return summary["planted"]


def test_detect_over_an_ingested_demo_day_finds_the_planted_incidents(
    store_url: str, tmp_path: Path
) -> None:
    planted = ingest_demo(tmp_path)
    window = ("--from", (DEMO_END - timedelta(days=1)).isoformat(), "--to", DEMO_END.isoformat())
    # a baseline compares a group with its own past weeks: one day is too little history
    baselines = {
        r["name"] for r in as_json(invoke("rules", "list", "--json")) if r["kind"] == "baseline"
    }

    found = as_json(invoke("detect", *window, "--json", "--store", store_url))

    assert [r["error"] for r in found["runs"] if r["error"]] == []
    detections = found["detections"]
    missing = [
        p["name"]
        for p in planted
        if p["name"] not in baselines
        and not any(
            d["rule"] == p["name"] and p["expect"].items() <= d["group"].items() for d in detections
        )
    ]
    assert missing == []
    stored = alerts(store_url)
    assert {a["rule_name"] for a in stored} == {d["rule"] for d in detections}

    again = as_json(invoke("detect", *window, "--json", "--store", store_url))
    assert [r["new_alerts"] for r in again["runs"] if r["new_alerts"]] == []
    assert len(alerts(store_url)) == len(stored)


def test_detect_dry_run_stores_no_alerts(store_url: str, tmp_path: Path) -> None:
    ingest_demo(tmp_path)

    found = as_json(
        invoke(
            "detect",
            "--from",
            (DEMO_END - timedelta(hours=6)).isoformat(),
            "--to",
            DEMO_END.isoformat(),
            "--rule",
            "inactive_account_activity",
            "--dry-run",
            "--json",
            "--store",
            store_url,
        )
    )

    assert [d["group"] for d in found["detections"]] == [{"user.name": "m.jansen"}]
    assert [r["rule"] for r in found["runs"]] == ["inactive_account_activity"]
    assert alerts(store_url) == []


def ingest_one_large_export(tmp_path: Path, store_url: str) -> None:
    """r.bos exports 900 member records on 24 November at 09:00 local time."""
    (tmp_path / "app.jsonl").write_text(
        '{"@timestamp":"2026-11-24T08:00:00Z","event":{"action":"member.export"},'
        '"user":{"name":"r.bos"},"sentinel":{"records":900}}\n'
    )
    invoke("ingest", "--store", store_url)


def test_detect_prints_each_detection_once_when_its_window_spans_catch_up_windows(
    store_url: str, tmp_path: Path
) -> None:
    # a member_export_large window is a day: the 6-hour catch-up windows of this day
    # after the export all see it again
    ingest_one_large_export(tmp_path, store_url)

    found = as_json(
        invoke(
            "detect",
            "--from",
            "2026-11-24T00:00:00Z",
            "--to",
            "2026-11-25T00:00:00Z",
            "--rule",
            "member_export_large",
            "--json",
            "--store",
            store_url,
        )
    )

    assert [(d["rule"], d["group"], d["start"]) for d in found["detections"]] == [
        ("member_export_large", {"user.name": "r.bos"}, "2026-11-24T00:00:00.000Z")
    ]
    table = said(
        invoke(
            "detect",
            "--from",
            "2026-11-24T00:00:00Z",
            "--to",
            "2026-11-25T00:00:00Z",
            "--rule",
            "member_export_large",
            "--store",
            store_url,
        ).output
    )
    assert "1 detection(s) from 2026-11-24 01:00:00 CET to 2026-11-25 01:00:00 CET" in table


def test_a_script_timing_rules_one_by_one_finds_what_detect_prints(
    store_url: str, tmp_path: Path
) -> None:
    """The engine driven rule by rule through `loaded_rules` and `_once`, as bench scripts do."""
    ingest_one_large_export(tmp_path, store_url)
    start, end = datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)
    ctx = context(None, store_url)
    pack = rules_cli.loaded_rules(ctx, None)

    with opened_store(ctx) as store:
        engine = Engine(
            store, pack.ruleset, Alerts(store, ctx.clock), ctx.clock, max_window=timedelta(hours=6)
        )
        found, _ = engine.backfill(
            start, end, [pack.ruleset.get("member_export_large")], store_alerts=False
        )

    assert [(d.rule.name, d.group) for d in rules_cli._once(found)] == [
        ("member_export_large", {"user.name": "r.bos"})
    ]
    assert alerts(store_url) == []


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--from", "2026-11-25", "--to", "2026-11-24"], "must be before --to"),
        (["--from", "-1d", "--rule", "no_such_rule"], "unknown rule"),
        (["--from", "someday"], "is not a time"),
    ],
)
def test_detect_refuses_bad_arguments(store_url: str, args: list[str], reason: str) -> None:
    refused = invoke("detect", *args, "--store", store_url, code=2)
    assert reason in said(refused.output)


def test_status_shows_each_rule_last_run_lag_and_failures(store_url: str) -> None:
    rows = {
        r["rule"]: r for r in as_json(invoke("rules", "status", "--json", "--store", store_url))
    }
    assert {r["status"] for r in rows.values()} == {"never run"}
    alerting = {r["name"] for r in as_json(invoke("rules", "list", "--json")) if r["alerting"]}
    assert set(rows) == alerting

    covered = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    stamp = format_timestamp(covered)
    store = SQLiteStore(store_url)
    try:
        rules = {r["name"]: r["id"] for r in as_json(invoke("rules", "list", "--json"))}
        store.put_record(
            STATE,
            rules["ssh_bruteforce"],
            {
                "last_end": stamp,
                "last_run": stamp,
                "status": "ok",
                "budget": {"requests": 3, "buckets": 41, "hits": 0, "bytes": 0, "took_ms": 12},
            },
        )
        store.put_record(
            STATE,
            rules["web_scanning"],
            {"last_run": stamp, "status": "failing", "error": "StoreError: boom"},
        )
    finally:
        store.close()

    rows = {
        r["rule"]: r
        for r in as_json(invoke("rules", "status", "--json", "--store", store_url, code=1))
    }
    ssh = rows["ssh_bruteforce"]
    assert ssh["status"] == "ok"
    assert ssh["lag_seconds"] == pytest.approx(3600, abs=60)
    assert ssh["budget"]["requests"] == 3 and ssh["budget"]["buckets"] == 41
    assert rows["web_scanning"]["budget"] is None
    assert (rows["web_scanning"]["status"], rows["web_scanning"]["error"]) == (
        "failing",
        "StoreError: boom",
    )
    table = said(invoke("rules", "status", "--store", store_url, code=1).output)
    assert covered.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M:%S %Z") in table
    assert "StoreError: boom" in table
    assert "3 req, 41 buckets, 12 ms" in table
