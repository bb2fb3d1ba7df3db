"""The README's walk from alert to notification, run as written, in its order, on the demo.

The commands are read from README.md itself, so the walk cannot drift from what Sentinel
does: each must exit 0, and what the README says they give is checked. Only the alert id
(``AL-…``, which the reader copies from ``alerts list``) is filled in.
"""

from __future__ import annotations

import email
import os
import shlex
from email import policy
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner, Result

from sentinel.cli import app

REPO = Path(__file__).resolve().parents[1]
HEADING = "## From alert to notification of the AP: the demo's insider"
runner = CliRunner()


def walk() -> list[list[str]]:
    """The sentinel commands of the README's walk, continuation lines joined, comments cut."""
    text = REPO.joinpath("README.md").read_text(encoding="utf-8")
    block = text.split(HEADING, 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if not line.lstrip().startswith("#")]
    commands = " \n".join(lines).replace("\\ \n", " ").splitlines()
    return [shlex.split(c, comments=True)[1:] for c in commands if c.strip()]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout as the README reader has it: its settings, rules, config and docs."""
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    (tmp_path / "sentinel.toml").write_text((REPO / "sentinel.toml").read_text())
    for folder in ("config", "rules", "docs"):
        (tmp_path / folder).symlink_to(REPO / folder)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def sentinel(*args: str) -> Result:
    result = runner.invoke(app, list(args), env={"USER": "fenna", "COLUMNS": "160"})
    assert result.exit_code == 0, f"sentinel {shlex.join(args)}:\n{result.output}"
    return result


def test_the_readme_walk_runs_as_written(project: Path) -> None:
    commands = walk()
    assert commands[0][:2] == ["demo", "generate"] and commands[-1] == ["audit", "verify"]
    said: dict[str, str] = {}
    alert = ""
    for args in commands:
        if args[:2] == ["alerts", "list"]:
            [found] = orjson.loads(sentinel(*args, "--json").stdout)
            alert = found["id"]
            assert found["group"] == {"user.name": "s.visser"}
        args = [alert if a == "AL-…" else a for a in args]
        result = sentinel(*args)
        said[" ".join(args[:2])] = " ".join(result.output.split())

    assert "150 distinct" in said["alerts list"]
    assert "INC-2026-0001 opened" in said["incident open"]
    assert "playbook insider_misuse" in said["incident open"]
    assert "150 member(s) in the evidence of INC-2026-0001" in said["incident members"]
    assert "19 approved, 0 approved before, 0 not approved" in said["drafts approve"]
    assert "150 .eml file(s) written to var/letters" in said["drafts members"]
    assert "playbook step notify_ap done" in said["incident notified"]
    assert said["audit verify"].startswith("audit trail intact")

    letters = project / "var" / "letters"
    languages = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)["Content-Language"]
        for p in letters.glob("*.eml")
    ]
    assert (languages.count("nl"), languages.count("en")) == (138, 12)  # as the README says
    assert len(list(letters.glob("INC-2026-0001.member_letters.*.v2.txt"))) == 19
