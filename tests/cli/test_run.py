"""`sentinel run` as a real process: it starts, pulls, says it is running, and stops on SIGTERM."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sentinel.store.query import EventQuery, Match
from sentinel.store.sqlite import SQLiteStore

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
LOG_LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d) (INFO|WARNING) (?P<message>.*\S)$"
)
REPO = Path(__file__).resolve().parents[2]
WAIT = 60.0
"""Seconds to wait for the process; only reached when something is broken."""

LINES = [
    '{"@timestamp":"2026-11-24T12:00:09.990Z","event":{"action":"member.view"},'
    '"user":{"name":"j.devries"},"sentinel":{"member":{"id":"M200145"}}}',
    '{"@timestamp":"2026-11-24T12:01:00Z","event":{"action":"member.view"},'
    '"user":{"name":"j.devries"},"sentinel":{"member":{"id":"M200146"}}}',
    '{"@timestamp":"2026-11-24T12:02:00Z","event":{"action":"login"},"user":{"name":"k.smit"}}',
]
SETTINGS = f"""
store_url = "sqlite:///sentinel.db"
timezone = "Europe/Amsterdam"
data_map = "{REPO / "config" / "datamap.yaml"}"
directory = "{REPO / "config" / "directory.csv"}"

[detection]
initial_lookback = "1h"

[[sources]]
name = "app"
kind = "file"
path = "app.jsonl"
format = "jsonl"
interval = "1m"
"""


def sentinel_command() -> str:
    beside = Path(sys.executable).parent / "sentinel"
    found = str(beside) if beside.is_file() else shutil.which("sentinel")
    if found is None:
        pytest.skip("the sentinel console script is not installed (pip install -e .)")
    return found


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "sentinel.toml").write_text(SETTINGS)
    (tmp_path / "app.jsonl").write_text("".join(line + "\n" for line in LINES))
    return tmp_path


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")}
    env["SENTINEL_DETECTION__RULES_DIR"] = str(REPO / "rules")
    env["SENTINEL_WEB__PORT"] = str(free_port())
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Output:
    """Reads a process's output on a thread, so a test can wait for a line with a timeout."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._proc = proc
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float = WAIT) -> bool:
        with self._changed:
            return (
                self._changed.wait_for(
                    lambda: text in self.text or self._proc.poll() is not None, timeout
                )
                and text in self.text
            )

    def finish(self) -> None:
        self._reader.join(WAIT)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def logged(line: str) -> str:
    """The message of a log line: piped output is one line per record, in Amsterdam time."""
    match = LOG_LINE.match(line)
    assert match, f"not a log line: {line!r}"
    stamp = datetime.fromisoformat(match["time"])
    assert stamp.utcoffset() == stamp.astimezone(AMSTERDAM).utcoffset()
    return match["message"]


@pytest.fixture
def started(workdir: Path) -> Iterator[tuple[subprocess.Popen[str], Output]]:
    proc = subprocess.Popen(
        [sentinel_command(), "run"],
        cwd=workdir,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(proc)
    yield proc, output
    if proc.poll() is None:
        proc.kill()
        proc.wait(WAIT)
    output.finish()


def test_run_pulls_says_it_is_running_and_stops_cleanly_on_sigterm(
    started: tuple[subprocess.Popen[str], Output], workdir: Path
) -> None:
    proc, output = started

    assert output.wait_for("Sentinel running on"), output.text
    assert output.wait_for("ingest app: read 3"), output.text
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(WAIT) == 0, output.text
    output.finish()

    messages = [logged(line) for line in output.lines]
    assert any(m.startswith("ingest app: read 3, stored 3, duplicates 0") for m in messages)
    assert any(m.startswith("Sentinel running on sqlite:///sentinel.db with") for m in messages)
    assert any(m.startswith("serving the web app on http://127.0.0.1:") for m in messages)
    assert "SIGTERM received: finishing the current batch, then stopping" in messages
    assert messages[-1] == "stopped cleanly"
    store = SQLiteStore(f"sqlite:///{workdir / 'sentinel.db'}")
    try:
        assert store.count_events(EventQuery()) == 3
        assert store.count_events(EventQuery(Match("user.name", "eq", "j.devries"))) == 2
    finally:
        store.close()


def test_a_bad_setting_stops_run_before_it_starts_naming_the_setting(workdir: Path) -> None:
    config = workdir / "sentinel.toml"
    config.write_text(config.read_text().replace("Europe/Amsterdam", "Mars/Base"))

    done = subprocess.run(
        [sentinel_command(), "run"],
        cwd=workdir,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=WAIT,
    )

    assert done.returncode == 2, done.stdout + done.stderr
    said = " ".join(done.stderr.split())
    assert "timezone: Value error, 'Mars/Base' is not an IANA time zone" in said
    assert "SENTINEL_TIMEZONE" in said
    assert not (workdir / "sentinel.db").exists()


def test_retention_shorter_than_the_rules_history_is_refused(workdir: Path) -> None:
    config = workdir / "sentinel.toml"
    config.write_text('retention = "7d"\n' + config.read_text())

    done = subprocess.run(
        [sentinel_command(), "run"],
        cwd=workdir,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=WAIT,
    )

    assert done.returncode == 2, done.stdout + done.stderr
    said = " ".join(done.stderr.split())
    assert "retention 7d is shorter than the 30d of history the rules read" in said
