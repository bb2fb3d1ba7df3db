"""`sentinel drafts …` through Typer's runner, on a real SQLite store."""

from __future__ import annotations

import csv
import email
import os
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from typer.testing import CliRunner, Result

from sentinel.cli import drafts as drafts_cli
from sentinel.cli import incidents as incident_cli
from sentinel.drafts.ap_form import questions
from sentinel.store.sqlite import SQLiteStore
from tests.drafts.conftest import full_facts, write_touched

runner = CliRunner()


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # away from the checkout's sentinel.toml
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SENTINEL_ORGANISATION__NAME", "Wegenwacht Leden B.V.")
    monkeypatch.setenv("SENTINEL_ORGANISATION__DPO_EMAIL", "fg@wegenwacht-leden.example")
    return f"sqlite:///{tmp_path / 'sentinel.db'}"


def run(app: typer.Typer, store_url: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, [*args, "--store", store_url], env={"USER": "fenna"})
    assert result.exit_code == code, result.output
    return result


def as_json(result: Result) -> Any:
    return orjson.loads(result.stdout)


def _incident(store_url: str, tmp_path: Path, facts: dict[str, Any]) -> str:
    opened = as_json(run(incident_cli.app, store_url, "open", "Bulk export", "--json"))
    facts_file = tmp_path / "facts.json"
    facts_file.write_bytes(orjson.dumps(facts))
    run(incident_cli.app, store_url, "facts", opened["id"], "--file", str(facts_file))
    return str(opened["id"])


def test_ap_draft_list_approve_and_show(store_url: str, tmp_path: Path) -> None:
    inc = _incident(store_url, tmp_path, {"subjects": {"people": "380-420"}})
    made = as_json(run(drafts_cli.app, store_url, "ap", inc, "--lang", "en", "--json"))
    assert made["id"] == f"{inc}.ap_initial.en.v1" and made["new_version"] is True
    assert "\n380 to 420\n" in made["content"]
    assert "Organisation: Wegenwacht Leden B.V." in made["content"]
    assert "- the DPO's email: fg@wegenwacht-leden.example" in made["content"]  # from settings
    assert {q["key"] for q in made["open_questions"]} >= {"summary", "subjects.records"}

    out = tmp_path / "ap.md"
    printed = run(drafts_cli.app, store_url, "ap", inc, "--out", str(out))
    assert out.read_text(encoding="utf-8").startswith("# Concept-melding datalek")
    told = " ".join(printed.stderr.split())  # undo Rich's line wrapping
    assert f"{inc}.ap_initial.nl.v1 (new version) written to" in told
    assert "still to complete" in told

    plain = run(drafts_cli.app, store_url, "ap", inc, "--format", "txt")
    assert plain.stdout.startswith("CONCEPT-MELDING DATALEK AAN DE AUTORITEIT PERSOONSGEGEVENS")
    assert "**" not in plain.stdout and "\n7.3 Aantal betrokkenen" in plain.stdout
    assert f"{inc}.ap_initial.nl.txt.v1 (new version)" in " ".join(plain.stderr.split())

    approved = run(drafts_cli.app, store_url, "approve", f"{inc}.ap_initial.nl.v1", "--by", "fg")
    assert f"{inc}.ap_initial.nl.v1 approved by fg" in approved.stdout
    run(drafts_cli.app, store_url, "approve", f"{inc}.ap_initial.nl.v1", code=2)

    listed = as_json(run(drafts_cli.app, store_url, "list", inc, "--json"))
    assert [(d["id"], d["approved"] is not None, d["current"]) for d in listed] == [
        (f"{inc}.ap_initial.en.v1", False, True),
        (f"{inc}.ap_initial.nl.v1", True, True),
        (f"{inc}.ap_initial.nl.txt.v1", False, True),
    ]
    shown = run(drafts_cli.app, store_url, "show", f"{inc}.ap_initial.nl.v1")
    assert shown.stdout == out.read_text(encoding="utf-8")

    run(incident_cli.app, store_url, "facts", inc, "--set", "subjects.records=1200")
    listed = as_json(run(drafts_cli.app, store_url, "list", inc, "--json"))
    assert [d["current"] for d in listed] == [False, False, False]  # facts moved on since


def test_member_letters_and_the_recipient_list(store_url: str, tmp_path: Path) -> None:
    facts = {name: value for name, value in full_facts().items() if not name.startswith("dpo.")}
    nested: dict[str, Any] = {}
    for name, value in facts.items():
        group, _, leaf = name.partition(".")
        if leaf:
            nested.setdefault(group, {})[leaf] = value
        else:
            nested[group] = value
    inc = _incident(store_url, tmp_path, nested)
    directory = tmp_path / "members.csv"
    directory.write_text("member_id,name,email,language\nM1,Anna,anna@example.nl,nl\n")
    recipients = tmp_path / "recipients.csv"
    result = as_json(
        run(
            drafts_cli.app,
            store_url,
            "members",
            inc,
            "--directory",
            str(directory),
            "--recipients",
            str(recipients),
            "--json",
        )
    )
    # Opened by hand: no evidence, so one general letter and an empty list.
    assert result["members"] == 0
    assert [(x["segment"], x["lang"]) for x in result["letters"]] == [("all", "en"), ("all", "nl")]
    assert next(iter(csv.reader(recipients.open())))[0] == "member_id"
    letter = result["letters"][1]["content"]
    assert "- naam: [AANVULLEN: naam van de functionaris gegevensbescherming" in letter
    refused = run(drafts_cli.app, store_url, "members", inc, "--eml", str(tmp_path / "eml"), code=2)
    assert "is not approved" in " ".join(refused.output.split())
    folder = tmp_path / "letters"
    waiting = run(
        drafts_cli.app,
        store_url,
        "members",
        inc,
        "--directory",
        str(directory),
        "--out",
        str(folder),
    )
    # no .eml before approval; each letter's text to read, named after its draft
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{inc}.member_letters.all.en.v1.txt",
        f"{inc}.member_letters.all.nl.v1.txt",
        "recipients.csv",
    ]
    assert (folder / f"{inc}.member_letters.all.nl.v1.txt").read_text().startswith("Onderwerp:")
    assert (
        "no .eml files yet: 2 of 2 letter(s) not approved, 2 of 2 letter(s) with open"
        in " ".join(waiting.output.split())
    )
    assert "sentinel drafts approve" in waiting.output


def test_refusals_have_their_exit_codes(store_url: str, tmp_path: Path) -> None:
    inc = _incident(store_url, tmp_path, {})
    assert "nl and en" in run(drafts_cli.app, store_url, "ap", inc, "--lang", "de", code=2).output
    run(drafts_cli.app, store_url, "ap", inc, "--kind", "later", code=2)
    run(drafts_cli.app, store_url, "ap", inc, "--kind", "follow-up", code=2)
    run(drafts_cli.app, store_url, "ap", "INC-2026-9999", code=4)
    run(drafts_cli.app, store_url, "show", "INC-2026-9999.ap_initial.nl.v1", code=4)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n")
    failed = run(drafts_cli.app, store_url, "members", inc, "--directory", str(bad), code=2)
    assert "no member_id column" in failed.output
    assert "no draft requested" in run(drafts_cli.app, store_url, "pending").stdout


def test_out_writes_one_eml_per_reachable_member_once_every_letter_is_approved(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_INCIDENTS__TEXT_LANGUAGE", "en")  # as FULL_FACTS is written
    store = SQLiteStore(store_url)
    store.init()
    write_touched(store, datetime(2026, 11, 29, 22, 0, tzinfo=UTC))
    store.close()
    opened = as_json(run(incident_cli.app, store_url, "open", "--alert", "AL-1", "--json"))
    inc = str(opened["id"])
    facts_file = tmp_path / "facts.json"
    facts_file.write_bytes(orjson.dumps(full_facts()))
    run(incident_cli.app, store_url, "facts", inc, "--file", str(facts_file))
    directory = tmp_path / "members.csv"
    directory.write_text(
        "member_id,name,email,language\n"
        "M001,Anna de Boer,anna@example.nl,nl\n"
        "M002,Ben Smith,ben@example.com,en\n"
        "M003,Chris Peeters,chris@example.be,nl\n"
        "M004,Dirk Visser,,nl\n",
        encoding="utf-8",
    )
    folder = tmp_path / "letters"
    args = ("members", inc, "--directory", str(directory), "--out", str(folder), "--json")

    first = as_json(run(drafts_cli.app, store_url, *args))
    assert first["members"] == 5 and first["missing_from_directory"] == 1  # M005
    assert first["eml_written"] is None
    assert len(first["letters"]) == 4
    texts = sorted(f"{x['id']}.txt" for x in first["letters"])
    assert sorted(p.name for p in folder.iterdir()) == [*texts, "recipients.csv"]
    assert first["texts_written"] == [str(folder / f"{x['id']}.txt") for x in first["letters"]]
    # The descriptions are in English: the Dutch letters wait for their translation.
    dutch = [w for w in first["eml_waiting_for"] if ".nl.v1 still has open questions" in w]
    assert len(dutch) == 3 and all("wat er is gebeurd (in het Nederlands)" in w for w in dutch)
    assert not any(".en.v1 still has" in w for w in first["eml_waiting_for"])

    run(
        incident_cli.app,
        store_url,
        "facts",
        inc,
        "--set",
        "summary@nl=Een medewerker van een partnergarage heeft ledengegevens geëxporteerd.",
        "--set",
        "consequences.description@nl=Leden kunnen overtuigende phishingberichten krijgen.",
        "--set",
        "measures.taken@nl=account van de partner geblokkeerd,export bij de partner gewist",
        "--set",
        "measures.planned@nl=exports voor partners beperken tot 50 records",
    )
    translated = as_json(run(drafts_cli.app, store_url, *args))
    assert all(x["version"] == 2 for x in translated["letters"] if x["lang"] == "nl")
    assert [w for w in translated["eml_waiting_for"] if "open questions" in w] == []
    approved = run(
        drafts_cli.app, store_url, "approve", inc, "--kind", "member_letters", "--by", "fenna"
    )
    assert f"{inc} member_letters: 4 approved, 0 approved before, 0 not approved" in " ".join(
        approved.stdout.split()
    )

    second = as_json(run(drafts_cli.app, store_url, *args))
    assert second["eml_waiting_for"] == [] and second["eml_written"] == 3
    anna, ben = (
        email.message_from_bytes((folder / f"{m}.eml").read_bytes(), policy=policy.default)
        .get_body()
        .get_content()
        for m in ("M001", "M002")
    )
    assert "ledengegevens geëxporteerd" in anna and "exported member records" not in anna
    assert "exported member records" in ben and "ledengegevens" not in ben
    emls = sorted(p.name for p in folder.glob("*.eml"))
    assert emls == ["M001.eml", "M002.eml", "M003.eml"]
    rows = {r["member_id"]: r["status"] for r in csv.DictReader((folder / "recipients.csv").open())}
    assert rows == {
        "M001": "ok",
        "M002": "ok",
        "M003": "ok",
        "M004": "no_email",
        "M005": "missing_from_directory",
    }


def test_the_plain_text_ap_draft_carries_every_question_in_both_languages(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`drafts ap --format txt`: every question of the form, with the reason for not
    informing the people taken from the recorded decision and the sector from settings."""
    monkeypatch.setenv("SENTINEL_ORGANISATION__SECTOR", "Automotive: remote vehicle coding")
    inc = _incident(store_url, tmp_path, {"subjects": {"people": 12}})
    reason = "Only vehicle data of 12 members reached a partner bound to confidentiality."
    run(
        incident_cli.app,
        store_url,
        *("decide", inc, "--authority", "yes", "--members", "no", "--reason", reason),
    )
    for lang in ("nl", "en"):
        text = run(drafts_cli.app, store_url, "ap", inc, "--lang", lang, "--format", "txt").stdout
        positions = [text.index(f"\n{q.id} {q.nl if lang == 'nl' else q.en}") for q in questions()]
        assert positions == sorted(positions)
        why = text[text.index("\n10.1.x1 ") : text.index("\n10.1.x2 ")]
        assert f"\n{reason}\n" in why
        sector = text[text.index("\n3.1.2 ") : text.index("\n3.2.1 ")]
        assert "\nAutomotive: remote vehicle coding\n" in sector


def test_approving_every_letter_at_once(store_url: str, tmp_path: Path) -> None:
    inc = _incident(store_url, tmp_path, {"subjects": {"people": 3}})
    run(drafts_cli.app, store_url, "members", inc)  # the general letter, nl and en, v1
    run(drafts_cli.app, store_url, "approve", f"{inc}.member_letters.all.nl.v1")
    run(incident_cli.app, store_url, "facts", inc, "--set", "subjects.people=4")

    result = as_json(
        run(drafts_cli.app, store_url, "approve", inc, "--kind", "member_letters", "--json")
    )
    en, nl = f"{inc}.member_letters.all.en", f"{inc}.member_letters.all.nl"
    assert [d["id"] for d in result["approved"]] == [f"{en}.v1"]
    assert (result["already"], result["earlier_facts"]) == ([f"{nl}.v1"], [f"{en}.v1"])
    again = run(drafts_cli.app, store_url, "approve", inc, "--kind", "member_letters")
    assert "0 approved, 2 approved before, 0 not approved" in " ".join(again.stdout.split())

    run(incident_cli.app, store_url, "facts", inc, "--set", "summary=A laptop was stolen.")
    run(drafts_cli.app, store_url, "members", inc)  # the summary shows: v2 of both
    store = SQLiteStore(store_url)
    draft = store.get_record("draft", f"{en}.v2")
    assert draft is not None
    store.update_record("draft", draft.id, {**draft.data, "content": "edited"}, draft.version)
    store.close()
    altered = run(drafts_cli.app, store_url, "approve", inc, "--kind", "member_letters", code=1)
    told = " ".join(altered.output.split())
    assert f"{nl}.v2 approved by fenna" in told
    assert f"not approved: {en}.v2 was changed after it was stored" in told
    assert "1 approved, 0 approved before, 1 not approved" in told

    run(drafts_cli.app, store_url, "approve", "INC-2026-0099", "--kind", "member_letters", code=4)
    run(drafts_cli.app, store_url, "approve", inc, "--kind", "letters", code=2)
