"""`sentinel users …` on a real store: people and scripts, exit codes, and what the audit says."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from typer.testing import CliRunner, Result

from sentinel.access.secretbox import SecretBox
from sentinel.access.service import Access
from sentinel.cli import app
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore
from tests.access.conftest import ADMIN, Phone
from tests.conftest import ManualClock

runner = CliRunner()
PASSWORD = "correct horse battery staple"


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    return f"sqlite:///{tmp_path / 'sentinel.db'}"


def run(store_url: str, *args: str, code: int = 0, stdin: str | None = None) -> Result:
    result = runner.invoke(
        app,
        [*args, "--store", store_url],
        input=stdin,
        env={"USER": "operator", "LOGNAME": "operator", "COLUMNS": "200"},
    )
    assert result.exit_code == code, result.output
    return result


def as_json(result: Result) -> Any:
    return orjson.loads(result.stdout)


def audit_trail(store_url: str) -> list[dict[str, Any]]:
    return as_json(run(store_url, "audit", "list", "--json"))


def test_a_user_is_added_listed_and_shown(store_url: str) -> None:
    added = run(
        store_url,
        "users", "add", "A.Visser", "--role", "analyst", "--name", "Anna Visser",
        "--password-stdin", "--json", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert as_json(added)["username"] == "a.visser"
    listed = as_json(run(store_url, "users", "list", "--json"))
    assert [(u["username"], u["role"], u["two_factor"]) for u in listed] == [
        ("a.visser", "analyst", False)
    ]
    shown = as_json(run(store_url, "users", "show", "a.visser", "--json"))
    assert "alerts:triage" in shown["permissions"] and shown["sessions"] == 0
    people = run(store_url, "users", "list").stdout
    assert "Anna Visser" in people and "analyst" in people


def test_a_generated_password_is_shown_once_and_never_as_json(store_url: str) -> None:
    shown = run(store_url, "users", "add", "b.smit", "--role", "viewer", "--generate")
    assert "password for b.smit:" in shown.stderr and "shown once" in shown.stderr
    refused = run(
        store_url, "users", "add", "c.smit", "--role", "viewer", "--generate", "--json", code=2
    )
    assert "--password-stdin" in refused.stderr


def test_changes_are_audited_as_the_operating_system_user_and_say_so(store_url: str) -> None:
    run(store_url, "users", "add", "a.visser", "--role", "analyst", "--password-stdin",
        stdin=PASSWORD)  # fmt: skip
    changed = run(store_url, "users", "role", "a.visser", "viewer")
    assert "sessions have ended" in changed.stdout
    assert "operating-system user 'operator'" in changed.stderr
    run(store_url, "users", "disable", "a.visser")
    run(store_url, "users", "reset-2fa", "a.visser")

    entries = [e for e in audit_trail(store_url) if e["subject"] == "user:a.visser"]
    assert [e["action"] for e in entries] == [
        "user.added",
        "user.role",
        "user.disabled",
        "user.2fa_reset",
    ]
    assert {e["actor"] for e in entries} == {"operator"}
    assert all(e["details"]["via"] == "cli" for e in entries)
    assert "operating-system user" in entries[0]["details"]["note"]


def test_a_token_is_shown_once_and_never_again(store_url: str) -> None:
    run(store_url, "users", "add", "a.visser", "--role", "analyst", "--password-stdin",
        stdin=PASSWORD)  # fmt: skip
    made = as_json(
        run(store_url, "users", "token", "create", "a.visser", "--name", "siem",
            "--scope", "alerts:read,incidents:read", "--days", "30", "--json")
    )  # fmt: skip
    token = made["token"]
    assert token.startswith(f"snt_{made['id']}_") and made["scopes"] == [
        "alerts:read",
        "incidents:read",
    ]
    outputs = [
        run(store_url, "users", "token", "list", "--json").stdout,
        run(store_url, "users", "show", "a.visser", "--json").stdout,
        run(store_url, "users", "show", "a.visser").stdout,
        orjson.dumps(audit_trail(store_url)).decode(),
    ]
    assert all(token not in out and token.rsplit("_", 1)[1] not in out for out in outputs)
    revoked = as_json(run(store_url, "users", "token", "revoke", made["id"], "--json"))
    assert revoked["revoked"] is not None


def test_nothing_secret_is_stored_or_printed(store_url: str, tmp_path: Path) -> None:
    run(store_url, "users", "add", "a.visser", "--role", "analyst", "--password-stdin",
        stdin=PASSWORD)  # fmt: skip
    outputs = [
        run(store_url, "users", "list", "--json").stdout,
        run(store_url, "users", "show", "a.visser", "--json").stdout,
    ]
    assert all(PASSWORD not in out and "argon2" not in out for out in outputs)
    store = SQLiteStore(store_url)
    try:
        raw = orjson.dumps(store.get_record("user", "a.visser").data).decode()  # type: ignore[union-attr]
    finally:
        store.close()
    assert PASSWORD not in raw


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("users", "show", "nobody"), 4, "no user 'nobody'"),
        (("users", "role", "nobody", "viewer"), 4, "no user 'nobody'"),
        (("users", "role", "a.visser", "boss"), 2, "unknown role 'boss'"),
        (("users", "add", "x.y", "--role", "root", "--generate"), 2, "unknown role"),
        (("users", "token", "create", "a.visser", "--name", "x", "--scope", "drafts:approve"), 2,
         "does not have drafts:approve"),
        (("users", "token", "create", "a.visser", "--name", "x", "--scope", "alert:read"), 2,
         "unknown scope"),
        (("users", "token", "revoke", "0123456789ab"), 4, "no token"),
    ],
)  # fmt: skip
def test_refusals_name_the_problem_with_their_exit_code(
    store_url: str, args: tuple[str, ...], code: int, says: str
) -> None:
    run(store_url, "users", "add", "a.visser", "--role", "analyst", "--password-stdin",
        stdin=PASSWORD)  # fmt: skip
    result = run(store_url, *args, code=code)
    assert says in result.stderr


def test_a_weak_password_is_refused_and_nothing_is_added(store_url: str) -> None:
    result = run(store_url, "users", "add", "a.visser", "--role", "analyst", "--password-stdin",
                 stdin="short\n", code=2)  # fmt: skip
    assert "at least 12 characters" in result.stderr
    assert as_json(run(store_url, "users", "list", "--json")) == []


def test_rotate_key_seals_the_secrets_again_and_a_wrong_former_key_is_refused(
    store_url: str, tmp_path: Path
) -> None:
    """The key beside the store is replaced as docs/access.md says; the phone still works."""
    store = SQLiteStore(store_url)
    store.init()
    clock = ManualClock(datetime.now(UTC))
    key = tmp_path / "secret.key"

    def access() -> Access:
        settings = Settings(store_url=store_url)
        box = SecretBox.from_settings(settings.access, key, create=False)
        return Access(
            store, clock, settings.access, box, hasher=PasswordHasher.from_parameters(CHEAPEST)
        )

    key.write_text(SecretBox.generate_key() + "\n")
    before = access()
    before.users.add("c.dekker", "incident_commander", password=PASSWORD, by=ADMIN)
    signed = before.auth.login("c.dekker", PASSWORD)
    phone = Phone(before.auth.start_enrolment(signed.session).secret, clock)
    before.auth.confirm_enrolment(signed.session, phone.code())
    key.rename(tmp_path / "secret.key.old")
    key.write_text(SecretBox.generate_key() + "\n")
    wrong = tmp_path / "another.key"
    wrong.write_text(SecretBox.generate_key() + "\n")

    refused = runner.invoke(
        app,
        ["users", "rotate-key", "--store", store_url],
        env={
            "USER": "operator",
            "COLUMNS": "200",
            "SENTINEL_ACCESS__OLD_SECRET_KEY_FILE": str(wrong),
        },
    )
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())
    assert said.startswith(
        "error: the second-factor secrets of 1 user(s) (c.dekker) open neither with "
        f"access.old_secret_key_file ({wrong}) nor with access.secret_key: set "
        "access.old_secret_key_file"
    ), said
    assert said.endswith("nothing was changed")
    missing = run(store_url, "users", "rotate-key", code=2)
    assert "set access.old_secret_key_file (or SENTINEL_ACCESS__OLD_SECRET_KEY)" in " ".join(
        missing.output.split()
    )

    done = runner.invoke(
        app,
        ["users", "rotate-key", "--store", store_url, "--json"],
        env={
            "USER": "operator",
            "SENTINEL_ACCESS__OLD_SECRET_KEY_FILE": str(tmp_path / "secret.key.old"),
        },
    )
    assert done.exit_code == 0, done.output
    assert as_json(done) == {"resealed": 1, "already": 0}
    after = access()
    half = after.auth.login("c.dekker", PASSWORD)
    assert after.auth.verify_code(half.session, phone.next_code()).session.doc.stage == "full"
    assert "user.2fa_key_rotated" in [e["action"] for e in audit_trail(store_url)]
    assert run(store_url, "audit", "verify").exit_code == 0
