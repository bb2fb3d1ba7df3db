"""A store on a disk that fills up or turns read-only, made by the test itself.

Where the tests may mount (root, as in CI containers) the store lives on a tmpfs of a
few hundred kilobytes that ``fill`` leaves full, ``free`` grows again and
``read_only`` remounts read-only. Elsewhere SQLite's ``max_page_count`` caps the file
(SQLite then reports the same "database or disk is full") and a read-only store is a
file and folder without write permission.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from sentinel.store import sqlite as sqlite_store

SMALL = 896 * 1024
ROOMY = 64 * 1024 * 1024


class SmallDisk:
    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.mounted = False
        self._pages: int | None = None
        folder.mkdir()
        if os.geteuid() == 0 and self._mount(f"size={ROOMY}"):
            self.mounted = True
        else:
            self._cap_pages(monkeypatch)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.folder / 'sentinel.db'}"

    def _mount(self, options: str, remount: bool = False) -> bool:
        args = ["mount", "-o", f"remount,{options}" if remount else options]
        if not remount:
            args += ["-t", "tmpfs", "sentinel-test"]
        done = subprocess.run([*args, str(self.folder)], capture_output=True, check=False)
        return done.returncode == 0

    def _cap_pages(self, monkeypatch: pytest.MonkeyPatch) -> None:
        connect = sqlite3.connect
        folder = str(self.folder)

        def capped(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
            conn = connect(database, *args, **kwargs)
            if self._pages is not None and str(database).startswith(folder):
                conn.execute(f"PRAGMA max_page_count = {self._pages}")
            return conn

        monkeypatch.setattr(sqlite_store.sqlite3, "connect", capped)

    def fill(self) -> None:
        """From now on the disk has room for about SMALL bytes in all."""
        if self.mounted:
            used = sum(p.stat().st_size for p in self.folder.iterdir())
            assert self._mount(f"size={max(SMALL, used + 64 * 1024)}", remount=True)
        else:
            self._pages = SMALL // 4096

    def free(self) -> None:
        if self.mounted:
            assert self._mount(f"size={ROOMY}", remount=True)
        else:
            self._pages = None

    def read_only(self) -> None:
        if self.mounted:
            assert self._mount("ro", remount=True)
        else:
            for p in self.folder.iterdir():
                p.chmod(0o444)
            self.folder.chmod(0o555)

    def writable(self) -> None:
        if self.mounted:
            assert self._mount("rw", remount=True)
        else:
            self.folder.chmod(0o700)
            for p in self.folder.iterdir():
                p.chmod(0o600)

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.folder)], capture_output=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmallDisk]:
    disk = SmallDisk(tmp_path / "disk", monkeypatch)
    yield disk
    disk.close()


def write_app_log(path: Path, lines: int) -> None:
    """``lines`` member views, one a second from midnight, enough to fill a small disk."""
    with path.open("wb") as out:
        for i in range(lines):
            event = {
                "@timestamp": f"2026-11-24T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                "event": {"action": "member.view", "outcome": "success"},
                "user": {"name": f"user{i % 37}"},
                "url": {"path": f"/portal/members/M{i:06d}/overview"},
                "sentinel": {"member": {"id": f"M{i:06d}"}},
            }
            out.write(orjson.dumps(event) + b"\n")
