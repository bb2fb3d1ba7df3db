"""A full disk or a read-only store: one line naming store and cause, exit 3, nothing lost."""

from __future__ import annotations

import os
import re
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner, Result

from sentinel.cli import app
from sentinel.store.query import EventQuery
from sentinel.store.sqlite import SQLiteStore
from tests.store.small_disk import SmallDisk, small_disk, write_app_log

LINES = 6000
SETTINGS = """
batch_size = 500

[[sources]]
name = "app"
kind = "file"
path = "app.jsonl"
format = "jsonl"
"""
runner = CliRunner()
__all__ = ["small_disk"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    (tmp_path / "sentinel.toml").write_text(SETTINGS)
    write_app_log(tmp_path / "app.jsonl", LINES)
    return tmp_path


def run(disk: SmallDisk, *args: str, code: int) -> Result:
    result = runner.invoke(app, [*args, "--store", disk.url], env={"COLUMNS": "80"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def stored(disk: SmallDisk) -> tuple[int, int]:
    store = SQLiteStore(disk.url)
    try:
        return store.count_events(EventQuery()), sum(store.count_dead_letters().values())
    finally:
        store.close()


def test_a_full_disk_stops_ingest_with_one_line_and_exit_3_and_loses_nothing(
    project: Path, small_disk: SmallDisk
) -> None:
    run(small_disk, "store", "init", code=0)
    small_disk.fill()

    full = run(small_disk, "ingest", code=3)

    [line] = error_lines(full)
    assert re.fullmatch(
        rf"error: app: store unavailable: SQLite store {re.escape(str(small_disk.folder))}"
        r"/sentinel\.db: its disk is full \(database or disk is full\); free space on it\. "
        r"Nothing was lost: the next ingest resumes from the checkpoint\.",
        line,
    ), line
    kept, dead = stored(small_disk)
    assert 0 < kept < LINES and dead == 0  # the batches before the disk filled are in
    as_json = orjson.loads(run(small_disk, "ingest", "--json", code=3).stdout)
    assert as_json[0]["error"].startswith("store unavailable: SQLite store")

    small_disk.free()
    resumed = orjson.loads(run(small_disk, "ingest", "--json", code=0).stdout)

    assert resumed[0]["read"] == LINES - kept  # from the checkpoint, not from the start
    assert stored(small_disk) == (LINES, 0)  # every line once: none lost, none doubled


def test_a_read_only_store_says_so_in_one_line_with_exit_3(
    project: Path, small_disk: SmallDisk
) -> None:
    run(small_disk, "ingest", code=0)
    late = (project / "app.jsonl").read_bytes().splitlines()[0].replace(b"T00:", b"T23:")
    with (project / "app.jsonl").open("ab") as out:
        out.write(late + b"\n")  # something new to store
    small_disk.read_only()

    for args in (("ingest",), ("incident", "open", "Laptop stolen"), ("alerts", "list")):
        refused = run(small_disk, *args, code=3)
        [line] = error_lines(refused)
        assert str(small_disk.folder / "sentinel.db") in line, line
        assert re.search(
            r": (its filesystem is mounted read-only|its folder .* is not writable for this "
            r"user|the file is read-only for this user) \(",
            line,
        ), line
        assert "make the file and its folder writable for this user" in line

    small_disk.writable()
    run(small_disk, "incident", "open", "Laptop stolen", code=0)
    assert orjson.loads(run(small_disk, "ingest", "--json", code=0).stdout)[0]["stored"] == 1
    assert stored(small_disk) == (LINES + 1, 0)
