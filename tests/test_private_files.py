"""Files with personal data are the owner's only (0600 in 0700 folders), whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.private_files import keep_private, open_private, private_dir, write_private
from sentinel.store.sqlite import SQLiteStore


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The widest umask a careless service account might run with."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_new_files_and_the_folders_made_for_them_are_private(tmp_path: Path) -> None:
    write_private(tmp_path / "a" / "b" / "letter.eml", b"Dear member")
    with open_private(tmp_path / "a" / "recipients.csv", "w", encoding="utf-8") as handle:
        handle.write("member_id\n")

    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
    assert mode(tmp_path / "a" / "b" / "letter.eml") == 0o600
    assert mode(tmp_path / "a" / "recipients.csv") == 0o600


def test_an_existing_file_is_narrowed_when_written_again(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text("old")
    path.chmod(0o644)

    write_private(path, "new")

    assert (path.read_text(), mode(path)) == ("new", 0o600)


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = private_dir(tmp_path / "shared")
    shared.chmod(0o755)
    write_private(shared / "x.txt", "x")
    assert mode(shared) == 0o755 and mode(shared / "x.txt") == 0o600


def test_the_sqlite_store_and_its_wal_are_private(tmp_path: Path) -> None:
    store = SQLiteStore(f"sqlite:///{tmp_path / 'var' / 'sentinel.db'}")
    store.init()
    store.put_record("note", "n1", {"text": "personal"})
    db = tmp_path / "var" / "sentinel.db"
    assert mode(tmp_path / "var") == 0o700
    assert {p.name: mode(p) for p in (tmp_path / "var").iterdir()} == {
        "sentinel.db": 0o600,
        "sentinel.db-wal": 0o600,
        "sentinel.db-shm": 0o600,
    }
    store.close()

    db.chmod(0o644)  # made before Sentinel kept it private
    keep_private(db)
    assert mode(db) == 0o600
