"""The incident, assess, audit, register and playbooks commands, run through Typer's test runner."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from typer.testing import CliRunner, Result

from sentinel import audit
from sentinel.cli import assess as assess_cli
from sentinel.cli import audit as audit_cli
from sentinel.cli import incidents as incident_cli
from sentinel.cli import playbooks as playbooks_cli
from sentinel.cli import register as register_cli
from sentinel.events import format_timestamp
from sentinel.store.query import EventQuery, Match
from sentinel.store.sqlite import SQLiteStore, path_from_url

PLAYBOOKS = str(Path(__file__).resolve().parents[2] / "playbooks")
runner = CliRunner()


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # away from the checkout's sentinel.toml
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    return f"sqlite:///{tmp_path / 'sentinel.db'}"


def run(app: typer.Typer, store_url: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(
        app, [*args, "--store", store_url], env={"USER": "tester", "LOGNAME": "tester"}
    )
    assert result.exit_code == code, result.output
    return result


def said(result: Result) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def as_json(result: Result) -> Any:
    return orjson.loads(result.stdout)


def test_the_incident_workflow(store_url: str, tmp_path: Path) -> None:
    opened = as_json(
        run(
            incident_cli.app,
            store_url,
            "open",
            "Laptop with member exports stolen",
            "--playbook",
            "lost_device",
            "--playbooks",
            PLAYBOOKS,
            "--commander",
            "frank",
            "--json",
        )
    )
    inc = opened["id"]
    assert inc.startswith("INC-")
    assert opened["created_by"] == "tester"
    assert opened["clock"]["seconds_left"] == pytest.approx(72 * 3600, abs=60)
    assert opened["clock"]["deadline_local"].endswith(("CET", "CEST"))
    assert [s["id"] for s in opened["steps"]][:2] == ["triage", "contain"]

    run(
        incident_cli.app,
        store_url,
        "facts",
        inc,
        "--set",
        "cause.kind=stolen_device",
        "--set",
        "subjects.people=120-150",
        "--set",
        "data.categories=contact,identity",
    )
    facts_file = tmp_path / "facts.json"
    facts_file.write_bytes(
        orjson.dumps({"encryption": {"state": "none"}, "disclosure": {"recipients": "unknown"}})
    )
    shown = as_json(
        run(incident_cli.app, store_url, "facts", inc, "--file", str(facts_file), "--json")
    )
    assert shown["facts"]["subjects"]["people"] == {"min": 120, "max": 150}
    assert shown["facts"]["encryption"]["state"] == "none"
    assert "availability.backup" in shown["unknown"]

    refused = run(incident_cli.app, store_url, "facts", inc, "--set", "cause.kind=aliens", code=2)
    assert "cause.kind" in said(refused)

    advice = as_json(run(incident_cli.app, store_url, "assess", inc, "--json"))
    assert (advice["notify_authority"], advice["notify_subjects"]) == (True, "yes")
    assert "availability.backup" in advice["assumed"]

    decided = as_json(
        run(
            incident_cli.app,
            store_url,
            "decide",
            inc,
            "--authority",
            "yes",
            "--members",
            "yes",
            "--reason",
            "unencrypted, 150 members",
            "--by",
            "irene",
            "--json",
        )
    )
    assert decided["follows_recommendation"] is True

    run(
        incident_cli.app,
        store_url,
        "step",
        inc,
        "triage",
        "--done",
        "--note",
        "police report",
        "--playbooks",
        PLAYBOOKS,
    )
    step = as_json(
        run(incident_cli.app, store_url, "step", inc, "triage", "--json", "--playbooks", PLAYBOOKS)
    )
    assert (step["state"], step["by"], step["note"]) == ("done", "tester", "police report")
    steps = as_json(
        run(incident_cli.app, store_url, "step", inc, "--json", "--playbooks", PLAYBOOKS)
    )
    assert {s["id"]: s["state"] for s in steps}["notify_ap"] == "open"

    noted = run(
        incident_cli.app, store_url, "notified", inc, "--kind", "initial", "--reference", "AP-123"
    )
    assert "reference AP-123" in said(noted)
    assert f"{inc}: playbook step notify_ap done" in said(noted)  # done_when: notified authority
    steps = as_json(run(incident_cli.app, store_url, "step", inc, "--json"))
    assert {s["id"]: (s["state"], s["by"]) for s in steps}["notify_ap"] == ("done", "tester")

    detail = as_json(
        run(incident_cli.app, store_url, "show", inc, "--json", "--playbooks", PLAYBOOKS)
    )
    assert detail["status"] == "notified"
    assert detail["clock"]["late"] is False
    assert detail["decision"]["by"] == "irene"

    timeline = as_json(run(incident_cli.app, store_url, "timeline", inc, "--json"))
    actions = [e["action"] for e in timeline]
    assert actions[0] == "incident.opened"
    for needed in (
        "playbook.started",
        "incident.facts",
        "incident.decision",
        "playbook.step",
        "incident.notification",
    ):
        assert needed in actions

    human = run(incident_cli.app, store_url, "show", inc, "--playbooks", PLAYBOOKS)
    assert "72-hour clock: AP notified" in said(human)
    listed = as_json(run(incident_cli.app, store_url, "list", "--json"))
    assert [i["id"] for i in listed] == [inc]

    run(incident_cli.app, store_url, "close", inc, "--reason", "handled", "--by", "frank")
    assert as_json(run(incident_cli.app, store_url, "list", "--json")) == []
    assert len(as_json(run(incident_cli.app, store_url, "list", "--all", "--json"))) == 1


def test_open_from_an_alert(store_url: str) -> None:
    store = SQLiteStore(store_url)
    store.init()
    start = datetime.now(UTC) - timedelta(hours=2)
    store.create_record(
        "alert",
        "AL-77",
        {
            "rule": "bulk_member_views",
            "rule_name": "bulk_member_views",
            "title": "Bulk member views by a partner user",
            "severity": "high",
            "status": "new",
            "open": True,
            "evidence": EventQuery(Match("user.name", "eq", "p7"), start, start).to_dict(),
            "group": {"user.name": "p7"},
            "window": {"start": format_timestamp(start), "end": format_timestamp(start)},
            "categories": ["contact", "vehicle"],
            "playbook": "insider_misuse",
            "history": [],
            "created": format_timestamp(start),
            "updated": format_timestamp(start),
        },
    )
    store.close()
    opened = as_json(
        run(
            incident_cli.app,
            store_url,
            "open",
            "--alert",
            "AL-77",
            "--playbooks",
            PLAYBOOKS,
            "--json",
        )
    )
    assert opened["title"] == "Bulk member views by a partner user"
    assert opened["evidence"][0]["alert"] == "AL-77"
    assert opened["playbook"] == "insider_misuse"
    assert opened["steps"][0]["id"] == "triage"
    store = SQLiteStore(store_url)
    alert = store.get_record("alert", "AL-77")
    store.close()
    assert alert is not None
    assert (alert.data["status"], alert.data["incident"]) == ("escalated", opened["id"])
    members = as_json(run(incident_cli.app, store_url, "members", opened["id"], "--json"))
    assert members == []


def test_late_notification_is_refused_without_a_reason(store_url: str) -> None:
    inc = as_json(
        run(
            incident_cli.app,
            store_url,
            "open",
            "Letter to the wrong garage",
            "--aware-at",
            "-80h",
            "--aware-reason",
            "garage phoned on Monday",
            "--playbooks",
            PLAYBOOKS,
            "--json",
        )
    )["id"]
    refused = run(incident_cli.app, store_url, "notified", inc, "--kind", "initial", code=2)
    assert "past the 72-hour deadline" in said(refused)
    assert "--delay-reason" in said(refused)
    accepted = run(
        incident_cli.app,
        store_url,
        "notified",
        inc,
        "--kind",
        "initial",
        "--delay-reason",
        "scope unclear until the partner replied",
    )
    assert "late: scope unclear until the partner replied" in said(accepted)


def test_unknown_incident_exits_4(store_url: str) -> None:
    result = run(incident_cli.app, store_url, "show", "INC-2026-9999", code=4)
    assert "no incident INC-2026-9999" in said(result)


def test_reminders_command_queues_due_reminders_once(store_url: str) -> None:
    run(
        incident_cli.app,
        store_url,
        "open",
        "x",
        "--aware-at",
        "-25h",
        "--aware-reason",
        "r",
        "--playbooks",
        PLAYBOOKS,
    )
    first = run(incident_cli.app, store_url, "reminders")
    assert "1 reminder(s) queued" in said(first)
    assert "0 reminder(s) queued" in said(run(incident_cli.app, store_url, "reminders"))


def test_audit_verify_names_the_tampered_entry(store_url: str) -> None:
    inc = as_json(
        run(incident_cli.app, store_url, "open", "x", "--playbooks", PLAYBOOKS, "--json")
    )["id"]
    run(incident_cli.app, store_url, "note", inc, "first")
    run(incident_cli.app, store_url, "note", inc, "second")
    ok = as_json(run(audit_cli.app, store_url, "verify", "--json"))
    assert ok["ok"] and ok["entries"] == 3
    with sqlite3.connect(path_from_url(store_url)) as conn:
        conn.execute(
            "UPDATE records SET data = json_set(data, '$.details.text', 'nothing') "
            "WHERE kind = 'audit' AND id = ?",
            (audit.seq_id(2),),
        )
    broken = run(audit_cli.app, store_url, "verify", code=1)
    assert "entry 2" in said(broken) and "edited" in said(broken)
    listed = as_json(run(audit_cli.app, store_url, "list", "--subject", inc, "--json"))
    assert [e["seq"] for e in listed] == [1, 2, 3]


def test_register_export(store_url: str, tmp_path: Path) -> None:
    inc = as_json(
        run(incident_cli.app, store_url, "open", "x", "--playbooks", PLAYBOOKS, "--json")
    )["id"]
    out = run(register_cli.app, store_url, "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["id"] for r in rows] == [inc]
    target = tmp_path / "register.json"
    run(
        register_cli.app,
        store_url,
        "export",
        "--format",
        "json",
        "--out",
        str(target),
        "--controller",
        "Garage Connect B.V.",
    )
    doc = orjson.loads(target.read_bytes())
    assert doc["controller"]["name"] == "Garage Connect B.V."
    assert [e["id"] for e in doc["incidents"]] == [inc]


def _single(command: Any) -> typer.Typer:
    app = typer.Typer()
    app.command()(command)
    return app


def test_assess_a_facts_file(tmp_path: Path) -> None:
    facts = tmp_path / "case.json"
    facts.write_bytes(
        orjson.dumps(
            {
                "breach": {"confidentiality": True, "integrity": False, "availability": False},
                "cause": {"kind": "misdirected_mail", "malicious": False},
                "data": {"categories": ["contact"]},
                "subjects": {"people": 2},
                "disclosure": {"recipients": "known", "contained": "returned"},
            }
        )
    )
    app = _single(assess_cli.assess_command)
    result = runner.invoke(app, ["--facts", str(facts), "--json"])
    assert result.exit_code == 0, result.output
    out = orjson.loads(result.stdout)
    assert set(out) == {"severity", "score", "notify_authority", "notify_subjects", "reasons"}
    assert (out["notify_authority"], out["notify_subjects"]) == (False, "no")
    human = runner.invoke(app, ["--facts", str(facts)])
    assert "risk unlikely: notify the AP no" in said(human)

    facts.write_bytes(orjson.dumps({"subjects": {"people": "many"}}))
    bad = runner.invoke(app, ["--facts", str(facts)])
    assert bad.exit_code == 2
    assert "subjects.people" in said(bad)


def test_playbooks_check(tmp_path: Path) -> None:
    assert runner.invoke(playbooks_cli.app, ["check", PLAYBOOKS]).exit_code == 0
    (tmp_path / "bad.yml").write_text(
        "title: x\nsteps:\n  - id: a\n    title: A\n    owner: cook\n"
    )
    result = runner.invoke(playbooks_cli.app, ["check", str(tmp_path), "--json"])
    assert result.exit_code == 1
    refused = orjson.loads(result.stdout)["refused"]
    assert refused[0]["file"].endswith("bad.yml") and refused[0]["line"] == 5
    shown = runner.invoke(playbooks_cli.app, ["show", "ransomware", "--playbooks", PLAYBOOKS])
    assert shown.exit_code == 0 and "exfiltration" in said(shown)


def test_the_fact_list_says_which_facts_take_a_translation(store_url: str) -> None:
    listed = {
        f["name"]: f for f in as_json(run(incident_cli.app, store_url, "facts", "--list", "--json"))
    }
    assert listed["summary"]["translated"] and listed["measures.taken"]["translated"]
    assert not listed["dpo.name"]["translated"] and not listed["subjects.people"]["translated"]
    table = run(incident_cli.app, store_url, "facts", "--list")
    assert "NAME@nl or NAME@en" in " ".join(table.output.split())


def test_facts_that_contradict_each_other_are_reported(store_url: str) -> None:
    inc = as_json(run(incident_cli.app, store_url, "open", "Export mailed out", "--json"))["id"]
    dates = ("--set", "dates.started=2026-03-10T10:00", "--set", "dates.ended=2026-03-09T10:00")
    shown = run(incident_cli.app, store_url, "facts", inc, *dates)
    assert (
        "contradiction: when the breach started (2026-03-10 10:00 CET) is after when the "
        "breach ended (2026-03-09 10:00 CET)" in " ".join(shown.output.split())
    )
    listed = as_json(run(incident_cli.app, store_url, "facts", inc, "--json"))
    assert [c["facts"] for c in listed["contradictions"]] == [["dates.started", "dates.ended"]]
    fixed = run(incident_cli.app, store_url, "facts", inc, "--set", "dates.ended=unknown", "--json")
    assert as_json(fixed)["contradictions"] == []


def test_outside_the_project_folder_the_shipped_playbooks_are_used(store_url: str) -> None:
    # The fixture runs in an empty folder: no sentinel.toml, no ./playbooks.
    opened = as_json(
        run(
            incident_cli.app, store_url, "open", "Insider", "--playbook", "insider_misuse", "--json"
        )
    )
    shown = run(incident_cli.app, store_url, "show", opened["id"])
    assert "playbook steps" in said(shown) and "notify_ap" in said(shown)
    assert "warning" not in said(shown)
    listed = as_json(run(playbooks_cli.app, store_url, "list", "--json"))
    assert "insider_misuse" in [b["id"] for b in listed]


def test_opening_from_an_alert_that_does_not_exist_is_not_found(store_url: str) -> None:
    refused = run(incident_cli.app, store_url, "open", "--alert", "AL-nope", code=4)
    assert "no alert AL-nope" in said(refused)
