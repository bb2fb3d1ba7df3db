"""Playbook files: every shipped one loads; a broken one is refused with file, line and reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from textwrap import dedent

import pytest

from sentinel.incidents.facts import FACTS, parse_facts
from sentinel.incidents.model import DecisionSummary
from sentinel.incidents.playbooks import (
    DRAFTS,
    PlaybookError,
    evaluate,
    load_playbook,
    load_playbooks,
    waiting_on,
)

SHIPPED = Path(__file__).resolve().parents[2] / "playbooks"
REQUIRED = {
    "general_breach",
    "account_takeover",
    "insider_misuse",
    "misdirected_communication",
    "lost_device",
    "ransomware",
}


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.yml")), ids=lambda p: p.stem)
def test_every_shipped_playbook_loads(path: Path) -> None:
    book = load_playbook(path)
    assert book.id == path.stem
    assert book.steps
    for step in book.steps:
        assert step.guidance or step.asks or step.actions, step.id
        assert all(name in FACTS for name in step.asks)


def test_the_required_playbooks_are_shipped() -> None:
    books, errors = load_playbooks(SHIPPED)
    assert errors == []
    assert set(books) >= REQUIRED
    general = books["general_breach"]
    steps = [s.id for s in general.steps]
    for needed in (
        "triage",
        "contain",
        "evidence",
        "scope",
        "assess",
        "notify_ap",
        "inform_members",
        "follow_up",
        "lessons_learned",
    ):
        assert needed in steps
    notify = general.step("notify_ap")
    assert notify.due is not None and notify.due.after == "awareness"
    assert notify.due.within == timedelta(hours=72)
    drafts = {a.value for b in books.values() for s in b.steps for a in s.actions}
    assert set(DRAFTS) <= drafts


def test_rules_name_playbooks_that_exist() -> None:
    """The detection rules open these playbooks by name."""
    books, _errors = load_playbooks(SHIPPED)
    rules = Path(__file__).resolve().parents[2] / "rules"
    named = set()
    for rule in rules.glob("*.yml"):
        for line in rule.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("playbook:"):
                named.add(line.split(":", 1)[1].strip())
    assert named <= set(books)


VALID = """\
title: Test
steps:
  - id: first
    title: First
    owner: analyst
    asks: [summary]
  - id: second
    title: Second
    owner: privacy_officer
    due: {after: step:first, in: 4h}
"""


def _broken(tmp_path: Path, text: str, name: str = "broken.yml") -> PlaybookError:
    path = tmp_path / name
    path.write_text(dedent(text), encoding="utf-8")
    with pytest.raises(PlaybookError) as err:
        load_playbook(path)
    assert err.value.file == str(path)
    assert str(err.value).startswith(f"{path}:{err.value.line}: ")
    return err.value


def test_valid_minimal_playbook(tmp_path: Path) -> None:
    path = tmp_path / "test_book.yml"
    path.write_text(VALID, encoding="utf-8")
    book = load_playbook(path)
    assert [s.id for s in book.steps] == ["first", "second"]
    assert book.steps[1].line == 7


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (
            VALID.replace("    asks: [summary]", "    asks: [summary]\n    colour: red"),
            7,
            "steps.0.colour: unknown key 'colour'",
        ),
        (
            VALID.replace("asks: [summary]", "asks: [summary, subjects.peeple]"),
            6,
            "step 'first' asks for unknown fact 'subjects.peeple'",
        ),
        (
            VALID.replace("step:first", "step:third"),
            10,
            "step 'second' is due after step 'third', which does not exist",
        ),
        (
            VALID.replace("owner: analyst", "owner: intern"),
            5,
            "steps.0.owner: Input should be 'viewer'",
        ),
        (VALID.replace("in: 4h", "in: soon"), 10, "'soon' is not a duration"),
        (
            VALID.replace("after: step:first", "after: lunch"),
            10,
            "due after must be awareness, opened or step:<id>",
        ),
        (VALID.replace("id: second", "id: first"), 7, "step id 'first' is used twice"),
        ("title: Test\nsteps: []\n", 2, "steps: List should have at least 1 item"),
        ("title: [unclosed\n", 2, "broken YAML"),
        ("id: other\n" + VALID, 1, "id 'other' must match the file name 'broken'"),
    ],
)
def test_broken_playbooks_are_refused(tmp_path: Path, text: str, line: int, reason: str) -> None:
    err = _broken(tmp_path, text)
    assert err.line == line
    assert reason in err.reason


def test_cyclic_due_references_are_refused(tmp_path: Path) -> None:
    text = VALID.replace("    asks: [summary]", "    due: {after: step:second, in: 1h}")
    err = _broken(tmp_path, text)
    assert "cyclic due references: first → second → first" in err.reason
    assert err.line == 6


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        ("{fact: encryption.key_safe, is: maybe}", "encryption.key_safe is true or false"),
        ("{fact: cause.kind, is: gremlins}", "cause.kind takes one of hacking"),
        ("{fact: no.such, is: true}", "unknown fact 'no.such' in condition"),
        ("{fact: subjects.people, is: 3}", "test it with contains, at_least or known"),
        ("{fact: cause.kind, is: phishing, in: [malware]}", "exactly one test"),
        ("{decision: notify_members, is: yes}", "unknown decision 'notify_members'"),
        ("{decision: notify_subjects, is: maybe}", "notify_subjects is one of"),
        ("{sometimes: true}", "unknown key 'sometimes' in condition"),
        ("{all: []}", "all takes a non-empty list"),
        ("{any: [{fact: data.categories, contains: dna}]}", "data.categories takes one of"),
    ],
)
def test_bad_conditions_are_refused(tmp_path: Path, when: str, reason: str) -> None:
    text = VALID.replace("    asks: [summary]", f"    when: {when}")
    err = _broken(tmp_path, text)
    assert reason in err.reason
    assert err.line == 6


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ("render_draft: ap_poem", "unknown draft 'ap_poem'"),
        ("set_status: done", "unknown status 'done'"),
        ("page: oncall", "unknown action 'page'"),
        ("notify: 'two words'", "is not a channel name"),
    ],
)
def test_bad_actions_are_refused(tmp_path: Path, action: str, reason: str) -> None:
    text = VALID.replace("    asks: [summary]", f"    actions:\n      - {action}")
    err = _broken(tmp_path, text)
    assert reason in err.reason
    assert err.line == 7


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "good.yml").write_text(VALID, encoding="utf-8")
    (tmp_path / "bad.yml").write_text("title: x\n", encoding="utf-8")
    books, errors = load_playbooks(tmp_path)
    assert list(books) == ["good"]
    assert [e.file for e in errors] == [str(tmp_path / "bad.yml")]


def _decision(authority: str, subjects: str) -> DecisionSummary:
    return DecisionSummary(
        id="D1",
        notify_authority=authority,  # type: ignore[arg-type]
        notify_subjects=subjects,  # type: ignore[arg-type]
        by="dpo",
        at=datetime(2026, 3, 10, tzinfo=UTC),
        reason="r",
        follows_recommendation=True,
    )


def test_conditions_wait_for_unknown_facts_and_pending_decisions(tmp_path: Path) -> None:
    text = VALID.replace(
        "    asks: [summary]",
        "    when: {all: [{fact: encryption.key_safe, is: false}, "
        "{any: [{decision: notify_authority, is: yes}, {fact: subjects.people, at_least: 100}]}]}",
    )
    path = tmp_path / "cond.yml"
    path.write_text(text, encoding="utf-8")
    when = load_playbook(path).steps[0].when
    assert when is not None
    assert waiting_on(when) == [
        "encryption.key_safe",
        "decision notify_authority",
        "subjects.people",
    ]
    unknown = parse_facts({})
    assert evaluate(when, unknown, None) is None
    safe_key = parse_facts({"encryption": {"key_safe": True}})
    assert evaluate(when, safe_key, None) is False
    exposed = parse_facts({"encryption": {"key_safe": False}, "subjects": {"people": "50-150"}})
    assert evaluate(when, exposed, None) is True
    few = parse_facts({"encryption": {"key_safe": False}, "subjects": {"people": 5}})
    assert evaluate(when, few, None) is None
    assert evaluate(when, few, _decision("yes", "no")) is True
    assert evaluate(when, few, _decision("no", "no")) is False
