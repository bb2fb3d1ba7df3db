"""Hostile facts and member-directory values through incidents, drafts, letters and the register.

A value shows as the text it is in every listing, a bad directory record is reported by
line while every other letter is written, no CSV cell is a formula, and every file with
personal data is its owner's only whatever the umask.
"""

from __future__ import annotations

import csv
import email
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner, Result

from sentinel.cli import app
from sentinel.incidents.facts import TRANSLATED
from sentinel.store.sqlite import SQLiteStore
from tests.drafts.conftest import full_facts, write_touched
from tests.hostile.corpus import VALUES, shown

runner = CliRunner()
TITLE = "=cmd|' /C calc'!A0 [bold]Bulk export[/] \x1b[2J"
SUMMARY = VALUES["markup"] + " " + VALUES["slack"] + " " + VALUES["html"]
DIRECTORY = """member_id,name,email,language,partner_name
M001,"=HYPERLINK(""http://evil.example"",""x"")",anna@example.nl,nl,@Garage Jansen
M002,"Ben
Smith",ben@example.com,en,Garage Jansen
M003,Chris [bold]Peeters[/],not-an-email,nl,Autobedrijf Noord
M004,"Dirk \x1b[31mVisser",dirk@example.nl,nl,Autobedrijf Noord
M005,+31 Eva <!channel>,eva@example.nl,nl,
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SENTINEL_ORGANISATION__NAME", "Wegenwacht Leden B.V.")
    monkeypatch.setenv("SENTINEL_ORGANISATION__DPO_EMAIL", "fg@wegenwacht-leden.example")
    monkeypatch.setenv("SENTINEL_INCIDENTS__TEXT_LANGUAGE", "en")
    old = os.umask(0)  # the widest a careless service account might have
    url = f"sqlite:///{tmp_path / 'var' / 'sentinel.db'}"
    store = SQLiteStore(url)
    store.init()
    write_touched(store, datetime(2026, 11, 29, 22, 0, tzinfo=UTC))
    store.close()
    yield url
    os.umask(old)


def run(store_url: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(
        app, [*args, "--store", store_url], env={"USER": "fenna", "COLUMNS": "4000"}
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == code, result.output
    return result


def as_json(result: Result) -> Any:
    return orjson.loads(result.stdout)


def said(result: Result) -> str:
    return result.stdout + result.stderr


def open_incident(store_url: str, tmp_path: Path) -> str:
    inc = as_json(run(store_url, "incident", "open", TITLE, "--alert", "AL-1", "--json"))["id"]
    facts = {**full_facts(), "summary": SUMMARY, "cause.description": VALUES["newline"]}
    facts.update({f"{key}@nl": facts[key] for key in TRANSLATED if key in facts})
    (tmp_path / "facts.json").write_bytes(orjson.dumps(facts))
    run(store_url, "incident", "facts", inc, "--file", str(tmp_path / "facts.json"))
    return str(inc)


def test_incident_listings_show_hostile_titles_and_facts_as_text(
    store_url: str, tmp_path: Path
) -> None:
    inc = open_incident(store_url, tmp_path)

    assert as_json(run(store_url, "incident", "show", inc, "--json"))["title"] == TITLE
    for args in (("list",), ("show", inc)):
        out = said(run(store_url, "incident", *args))
        assert shown(TITLE) in out and "\x1b" not in out, args
    assert shown(VALUES["markup"]) in said(run(store_url, "incident", "facts", inc))
    # The audit trail lists each entry's details as JSON: the title as a JSON string.
    as_details = orjson.dumps(TITLE).decode()[1:-1]
    for args in (("incident", "timeline", inc), ("audit", "list")):
        out = said(run(store_url, *args))
        assert as_details in out and "\x1b" not in out, args


def test_letters_report_bad_directory_records_and_write_every_other_one_privately(
    store_url: str, tmp_path: Path
) -> None:
    inc = open_incident(store_url, tmp_path)
    (tmp_path / "members.csv").write_text(DIRECTORY, encoding="utf-8")
    letters = tmp_path / "out" / "letters"
    args = ("drafts", "members", inc, "--directory", "members.csv", "--out", str(letters))

    first = run(store_url, *args, code=1)
    told = " ".join(first.stderr.split())
    assert "3 directory record(s) not used" in told
    assert "members.csv:3: name of member M002 holds a line break or control character" in told
    assert "members.csv:5: email 'not-an-email' of member M003 is not an address" in told
    assert "members.csv:6: name of member M004 holds a line break or control character" in told
    assert "\x1b" not in told

    made = as_json(run(store_url, *args, "--json", code=1))
    assert len(made["directory_problems"]) == 3
    for letter in made["letters"]:
        run(store_url, "drafts", "approve", letter["id"])
    done = as_json(run(store_url, *args, "--json", code=1))
    assert done["eml_written"] == 2  # M001 and M005; M002-M004 are reported, not guessed at

    recipients = list(csv.DictReader((letters / "recipients.csv").open(encoding="utf-8")))
    by_id = {r["member_id"]: r for r in recipients}
    assert by_id["M001"]["name"] == "'" + '=HYPERLINK("http://evil.example","x")'
    assert by_id["M005"]["name"] == "'+31 Eva <!channel>"
    assert [by_id[m]["status"] for m in ("M002", "M003", "M004")] == ["directory_problem"] * 3
    eml = email.message_from_bytes((letters / "M001.eml").read_bytes(), policy=policy.default)
    assert eml["To"].addresses[0].display_name == '=HYPERLINK("http://evil.example","x")'
    assert shown(VALUES["markup"]) in eml.get_body().get_content()

    assert mode(tmp_path / "out") == mode(letters) == 0o700
    texts = {f"{x['id']}.txt": 0o600 for x in made["letters"]}
    assert {p.name: mode(p) for p in letters.iterdir()} == {
        "recipients.csv": 0o600,
        "M001.eml": 0o600,
        "M005.eml": 0o600,
        **texts,
    }
    assert mode(tmp_path / "var") == 0o700
    assert {p.name: mode(p) for p in (tmp_path / "var").iterdir()} == {"sentinel.db": 0o600}


def test_drafts_and_the_register_keep_hostile_text_and_are_private(
    store_url: str, tmp_path: Path
) -> None:
    inc = open_incident(store_url, tmp_path)
    ap = tmp_path / "drafts" / "ap.md"
    run(store_url, "drafts", "ap", inc, "--lang", "en", "--out", str(ap))
    assert SUMMARY in ap.read_text(encoding="utf-8")
    shown_draft = run(store_url, "drafts", "show", f"{inc}.ap_initial.en.v1").stdout
    assert SUMMARY in shown_draft and "\x1b" not in shown_draft
    for kind in ("public", "summary"):
        run(store_url, "drafts", kind, inc, "--lang", "en", "--out", str(tmp_path / kind))
    listed = said(run(store_url, "drafts", "list", inc))
    assert "ALTERED" not in listed

    register = tmp_path / "export" / "register.csv"
    run(store_url, "register", "export", "--format", "csv", "--out", str(register))
    [row] = list(csv.DictReader(register.open(encoding="utf-8")))
    assert row["title"] == "'" + TITLE
    assert all(not v.startswith(("=", "+", "-", "@")) for v in row.values())
    exported = tmp_path / "export" / "register.json"
    run(store_url, "register", "export", "--format", "json", "--out", str(exported))
    assert orjson.dumps(TITLE).decode() in exported.read_text(encoding="utf-8")
    html = run(store_url, "drafts", "ap", inc, "--lang", "en", "--format", "html").stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html

    assert mode(tmp_path / "drafts") == mode(tmp_path / "export") == 0o700
    files = [ap, tmp_path / "public", tmp_path / "summary", register, exported]
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
