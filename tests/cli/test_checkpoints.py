"""`sentinel checkpoints list|reset`, against a real SQLite store."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from sentinel.cli import checkpoints
from sentinel.ingest import CHECKPOINT, load_cursor
from sentinel.store.sqlite import SQLiteStore

runner = CliRunner()


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    store = SQLiteStore(url)
    store.init()
    store.put_record(
        CHECKPOINT,
        "app",
        {"cursor": {"file": "abc", "offset": 4096}, "updated": "2026-11-30T10:00:00+00:00"},
    )
    store.close()
    return url


def test_list_shows_each_source_cursor_and_local_time(store_url: str) -> None:
    result = runner.invoke(checkpoints.app, ["list", "--json", "--store", store_url])
    assert result.exit_code == 0, result.output
    (row,) = orjson.loads(result.stdout)
    assert row["source"] == "app"
    assert row["cursor"] == {"file": "abc", "offset": 4096}
    assert row["configured"] is False

    table = runner.invoke(checkpoints.app, ["list", "--store", store_url])
    assert "11:00" in table.output  # 10:00 UTC shown in Amsterdam winter time
    assert "offset=4096" in table.output


def test_reset_forgets_the_cursor_so_the_next_pull_starts_over(store_url: str) -> None:
    refused = runner.invoke(checkpoints.app, ["reset", "app", "--store", store_url], input="n\n")
    assert refused.exit_code == 1
    result = runner.invoke(checkpoints.app, ["reset", "app", "--yes", "--store", store_url])
    assert result.exit_code == 0, result.output
    store = SQLiteStore(store_url)
    try:
        assert load_cursor(store, "app") is None
    finally:
        store.close()


def test_reset_of_an_unknown_source_exits_not_found(store_url: str) -> None:
    result = runner.invoke(checkpoints.app, ["reset", "nope", "--yes", "--store", store_url])
    assert result.exit_code == 4
    assert "no checkpoint" in result.output
