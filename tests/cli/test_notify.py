"""`sentinel notify list|deliver|retry|test`, run through Typer's test runner."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner, Result

from sentinel.cli import notify as notify_cli
from sentinel.notify import outbox
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock
from tests.notify.conftest import queue_alert

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> Path:
    """Settings with a Slack channel on the local test server and one where nothing listens."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    path = tmp_path / "sentinel.toml"
    path.write_text(
        f"""
store_url = "sqlite:///{tmp_path / "sentinel.db"}"
base_url = "https://sentinel.example.nl"
default_channels = ["slack", "down"]

[[channels]]
kind = "slack"
name = "slack"
url = "{httpserver.url_for("/hooks/slack")}"

[[channels]]
kind = "webhook"
name = "down"
url = "http://127.0.0.1:9/never"
secret = "k"
timeout = "2s"
"""
    )
    return path


@pytest.fixture
def store(config: Path) -> SQLiteStore:
    store = SQLiteStore(f"sqlite:///{config.parent / 'sentinel.db'}")
    store.init()
    return store


def run(config: Path, *args: str, code: int = 0) -> Result:
    result = runner.invoke(notify_cli.app, [*args, "--config", str(config)])
    assert result.exit_code == code, result.output
    return result


def said(result: Result) -> str:
    return " ".join(result.output.split())


def test_deliver_then_list_shows_each_channel(
    config: Path, store: SQLiteStore, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hooks/slack").respond_with_data("ok")
    clock = ManualClock(datetime.now(UTC))
    note = queue_alert(store, clock)

    delivered = said(run(config, "deliver", code=1))
    assert f"{note.id} via slack: sent — HTTP 200" in delivered
    assert f"{note.id} via down: retry — could not reach 127.0.0.1:9" in delivered
    assert "sent 1, retrying 1, gave up 0" in delivered
    assert len(httpserver.log) == 1

    listed = said(run(config, "list"))  # a table folded to the terminal's width
    assert listed.startswith("1 notification(s)")
    assert "pending" in listed and "attempt 1/8" in listed
    rows: list[dict[str, Any]] = orjson.loads(run(config, "list", "--json").stdout)
    assert [r["id"] for r in rows] == [note.id]
    assert rows[0]["deliveries"]["slack"]["status"] == "sent"
    assert orjson.loads(run(config, "list", "--status", "sent", "--json").stdout) == []
    run(config, "list", "--status", "lost", code=2)


def test_retry_only_takes_failed_notifications(config: Path, store: SQLiteStore) -> None:
    clock = ManualClock(datetime.now(UTC))
    note = queue_alert(store, clock)
    assert "is pending" in said(run(config, "retry", note.id, code=1))
    rec = store.get_record(outbox.KIND, note.id)
    assert rec is not None
    store.update_record(outbox.KIND, note.id, {**rec.data, "status": "failed"}, rec.version)
    assert f"{note.id} queued again" in said(run(config, "retry", note.id))
    run(config, "retry", "alert:AL-nope", code=4)


def test_test_message_reaches_the_channel(config: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hooks/slack").respond_with_data("ok")
    assert "test message sent to slack (slack): HTTP 200" in said(run(config, "test", "slack"))
    body = httpserver.log[0][0].get_json()
    assert body["text"] == "Sentinel test message for channel slack"


def test_test_message_failure_and_unknown_channel(config: Path) -> None:
    failed = said(run(config, "test", "down", code=1))
    assert "channel down: could not reach 127.0.0.1:9" in failed
    assert "never" not in failed
    assert "no channel named 'pager' (channels: down, slack)" in said(
        run(config, "test", "pager", code=4)
    )
