"""`sentinel ingest`, `import` and `dead-letters list`, on real files and a real SQLite store."""

from __future__ import annotations

import gzip
import os
import pty
import random
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from typer.testing import CliRunner, Result

from sentinel.cli import events as events_cli
from sentinel.cli import ingest as ingest_cli

runner = CliRunner()

# `ingest` and `import` are top-level commands: give them an app of their own, as the CLI does.
app = typer.Typer()
app.command("ingest")(ingest_cli.ingest_command)
app.command("import")(ingest_cli.import_command)
app.add_typer(ingest_cli.dead_letters_app, name="dead-letters")

APP_LINES = [
    '{"@timestamp":"2026-11-24T12:00:09.990Z","event":{"action":"member.export",'
    '"outcome":"success"},"user":{"name":"m.jansen"},"source":{"ip":"145.97.10.33"},'
    '"sentinel":{"records":500}}',
    '{"@timestamp":"2026-11-24T12:05:00.000Z","event":{"action":"member.view",'
    '"outcome":"success"},"user":{"name":"j.devries"},"sentinel":{"member":{"id":"M200145"}}}',
]
SSHD_LINES = [
    "Nov 23 10:14:02 gw1 sshd[4711]: Failed password for root from 45.134.26.10 port 2 ssh2",
    "Nov 23 10:14:05 gw1 sshd[4712]: Accepted publickey for deploy from 10.0.0.5 port 51515 "
    "ssh2: ED25519 SHA256:abc",
]
COMBINED_LINES = [
    '10.0.0.7 - - [23/Nov/2026:13:55:36 +0100] "GET /portal/members/M200145 HTTP/1.1" '
    '200 2326 "-" "curl/8.5"',
    '10.0.0.7 - - [23/Nov/2026:13:55:40 +0100] "GET /robots.txt HTTP/1.1" 404 12 "-" "curl/8.5"',
]
CSV_LINES = [
    "@timestamp,user.name,event.action,sentinel.member.id",
    "2026-11-23T10:14:02+01:00,k.smit,member.view,M200145",
    "2026-11-23T10:15:00+01:00,k.smit,member.export,",
]


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # away from the checkout's sentinel.toml
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    return f"sqlite:///{tmp_path / 'sentinel.db'}"


def run(app: typer.Typer, store_url: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, [*args, "--store", store_url], env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    return result


def as_json(result: Result) -> Any:
    return orjson.loads(result.stdout)


def said(result: Result) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def syslog_file(path: Path, lines: list[str]) -> Path:
    """Syslog lines carry no year: the parser takes it from the file's last write."""
    write_lines(path, lines)
    written = datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp()
    os.utime(path, (written, written))
    return path


def configure_sources(tmp_path: Path) -> None:
    write_lines(tmp_path / "app.jsonl", APP_LINES)
    syslog_file(tmp_path / "auth.log", SSHD_LINES)
    (tmp_path / "sentinel.toml").write_text(
        '[[sources]]\nname = "app"\nkind = "file"\npath = "app.jsonl"\nformat = "jsonl"\n\n'
        '[[sources]]\nname = "gateway-ssh"\nkind = "file"\npath = "auth.log*"\nformat = "sshd"\n'
    )


def stored_per_source(store_url: str) -> dict[str, int]:
    rows = as_json(run(events_cli.app, store_url, "stats", "--json"))
    return {r["source"]: r["events"] for r in rows}


def test_ingest_pulls_every_source_once_and_the_next_pull_resumes_after_it(
    store_url: str, tmp_path: Path
) -> None:
    configure_sources(tmp_path)

    first = as_json(run(app, store_url, "ingest", "--json"))
    assert {r["source"]: (r["read"], r["stored"], r["error"]) for r in first} == {
        "app": (2, 2, None),
        "gateway-ssh": (2, 2, None),
    }
    again = as_json(run(app, store_url, "ingest", "--json"))
    assert {r["source"]: r["read"] for r in again} == {"app": 0, "gateway-ssh": 0}

    with (tmp_path / "app.jsonl").open("a", encoding="utf-8") as log:
        log.write(APP_LINES[0].replace("12:00:09.990", "12:30:00.000") + "\n")
    table = run(app, store_url, "ingest")
    assert "app" in said(table) and "ok" in said(table)
    assert stored_per_source(store_url) == {"app": 3, "gateway-ssh": 2}


def test_ingest_source_pulls_only_that_source(store_url: str, tmp_path: Path) -> None:
    configure_sources(tmp_path)

    reports = as_json(run(app, store_url, "ingest", "--source", "gateway-ssh", "--json"))

    assert [(r["source"], r["stored"]) for r in reports] == [("gateway-ssh", 2)]
    assert stored_per_source(store_url) == {"app": 0, "gateway-ssh": 2}


def test_ingest_of_an_unknown_source_names_the_configured_ones(
    store_url: str, tmp_path: Path
) -> None:
    configure_sources(tmp_path)

    refused = run(app, store_url, "ingest", "--source", "portal", code=2)

    assert "no source named 'portal' (sources: app, gateway-ssh)" in said(refused)
    assert stored_per_source(store_url) == {"app": 0, "gateway-ssh": 0}


def test_ingest_without_sources_says_how_to_add_one(store_url: str) -> None:
    refused = run(app, store_url, "ingest", code=2)
    assert "no sources configured" in said(refused)


def test_ingest_into_an_unreachable_store_exits_unavailable(tmp_path: Path, store_url: str) -> None:
    configure_sources(tmp_path)
    (tmp_path / "not-a-folder").write_text("")

    failed = run(app, f"sqlite:///{tmp_path / 'not-a-folder' / 'x.db'}", "ingest", code=3)

    assert "store unavailable" in said(failed)


@pytest.mark.parametrize(
    ("fmt", "lines", "expect"),
    [
        (
            "jsonl",
            APP_LINES,
            {"@timestamp": "2026-11-24T12:00:09.990Z", "event.action": "member.export"},
        ),
        (
            "combined",
            COMBINED_LINES,
            {"@timestamp": "2026-11-23T12:55:36.000Z", "url.path": "/portal/members/M200145"},
        ),
        (
            "sshd",
            SSHD_LINES,
            {"@timestamp": "2026-11-23T09:14:02.000Z", "user.name": "root"},
        ),
        (
            "csv",
            CSV_LINES,
            {"@timestamp": "2026-11-23T09:14:02.000Z", "sentinel.member.id": "M200145"},
        ),
    ],
)
def test_import_reads_a_file_once_and_a_second_import_stores_nothing_twice(
    store_url: str, tmp_path: Path, fmt: str, lines: list[str], expect: dict[str, Any]
) -> None:
    path = syslog_file(tmp_path / f"sample.{fmt}", lines)
    events = len(lines) - (fmt == "csv")  # a CSV header is no event

    first = as_json(run(app, store_url, "import", str(path), "--format", fmt, "--json"))
    assert (first["source"], first["stored"], first["dead_letters"]) == ("import-sample", events, 0)
    again = as_json(run(app, store_url, "import", str(path), "--format", fmt, "--json"))
    assert (again["stored"], again["duplicates"]) == (0, events)

    found = as_json(run(events_cli.app, store_url, "search", "--oldest-first", "--json"))
    assert len(found["events"]) == events
    assert {k: found["events"][0].get(k) for k in expect} == expect
    assert {e["source"] for e in found["events"]} == {"import-sample"}


def test_import_shows_a_table_of_what_it_stored(store_url: str, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "app.jsonl", APP_LINES)

    shown = said(run(app, store_url, "import", str(path), "-f", "jsonl", "--source-name", "app"))

    assert "│ app │ 2 │ 2 │ 0 │ 0 │ 0 │ ok │" in shown


def test_import_names_per_program_the_lines_a_format_understood_and_did_not_keep(
    store_url: str, tmp_path: Path
) -> None:
    cron = "Nov 23 10:15:01 gw1 CRON[9]: pam_unix(cron:session): session closed for user root"
    path = syslog_file(tmp_path / "auth.log", [*SSHD_LINES, cron, cron])

    shown = said(run(app, store_url, "import", str(path), "-f", "sshd", "--source-name", "gw"))
    report = as_json(run(app, store_url, "import", str(path), "-f", "sshd", "--json"))

    assert "│ gw │ 4 │ 2 │ 0 │ 2 (cron 2) │ 0 │ ok │" in shown
    assert report["skipped"] == {"cron": 2}


def test_import_year_places_syslog_lines_in_that_year(store_url: str, tmp_path: Path) -> None:
    path = syslog_file(tmp_path / "messages", ["Jun 14 15:16:01 combo kernel: Linux version 2.6"])

    run(app, store_url, "import", str(path), "-f", "syslog", "--year", "2005", "--json")
    found = as_json(run(events_cli.app, store_url, "search", "--from", "2005-01-01", "--json"))

    assert [e["@timestamp"] for e in found["events"]] == ["2005-06-14T13:16:01.000Z"]
    assert found["events"][0]["process.name"] == "kernel"


def test_import_refuses_a_year_for_a_format_whose_lines_carry_one(
    store_url: str, tmp_path: Path
) -> None:
    path = write_lines(tmp_path / "app.jsonl", APP_LINES)

    result = run(app, store_url, "import", str(path), "-f", "jsonl", "--year", "2005", code=2)

    assert "year applies to syslog and sshd sources" in said(result)


def test_a_malformed_line_becomes_a_dead_letter_naming_source_position_and_reason(
    store_url: str, tmp_path: Path
) -> None:
    bad = '{"@timestamp": "2026-11-24T12:10:00Z", "user": '
    path = write_lines(tmp_path / "app.jsonl", [APP_LINES[0], bad, APP_LINES[1]])
    offset = len((APP_LINES[0] + "\n").encode())

    command = ("import", str(path), "-f", "jsonl", "--source-name", "app", "--json")
    for _ in range(2):
        report = as_json(run(app, store_url, *command))
        assert report["error"] is None  # one bad line does not stop the import

    assert report["read"] == 3 and report["dead_letters"] == 1
    letters = as_json(run(app, store_url, "dead-letters", "list", "--json"))
    assert len(letters) == 1  # importing again does not store the same letter twice
    [letter] = letters
    assert letter["source"] == "app"
    assert letter["position"] == f"{path}:{offset}"
    assert letter["reason"].startswith("not JSON")
    assert letter["raw"] == bad
    assert stored_per_source(store_url) == {"app": 2}

    table = said(run(app, store_url, "dead-letters", "list", "--source", "app"))
    assert "1 dead letters" in table and "not JSON" in table
    assert run(app, store_url, "dead-letters", "list", "--source", "other", "--json").stdout == (
        "[]\n"
    )


def test_importing_a_missing_file_names_it_and_changes_nothing(
    store_url: str, tmp_path: Path
) -> None:
    missing = tmp_path / "gone.jsonl"

    refused = run(app, store_url, "import", str(missing), "--format", "jsonl", code=2)

    assert f"'{missing}' does not exist" in said(refused)
    assert not (tmp_path / "sentinel.db").exists()


def test_import_of_an_unknown_format_lists_the_known_ones(store_url: str, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "app.jsonl", APP_LINES)

    refused = run(app, store_url, "import", str(path), "--format", "xml", code=2)

    assert all(fmt in said(refused) for fmt in ("jsonl", "combined", "sshd", "csv"))


def test_a_long_ingest_shows_its_progress_on_a_terminal(tmp_path: Path) -> None:
    """Run in a pseudo-terminal, as a person would: a line per source counts up while it reads."""
    (tmp_path / "sentinel.toml").write_text(
        'batch_size = 500\n[[sources]]\nname = "app"\nkind = "file"\npath = "app.jsonl"\n'
        'format = "jsonl"\n'
    )
    (tmp_path / "app.jsonl").write_text("".join(APP_LINES[1] + "\n" for _ in range(20_000)))
    sentinel = str(Path(sys.executable).parent / "sentinel")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")}
    pid, fd = pty.fork()
    if pid == 0:  # the child: run the command with the terminal as its output
        os.chdir(tmp_path)
        os.execve(sentinel, [sentinel, "ingest"], {**env, "COLUMNS": "100"})
    output = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    shown = output.decode(errors="replace")

    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)
    assert os.waitstatus_to_exitcode(status) == 0, plain
    counts = [int(n.replace(",", "")) for n in re.findall(r"app ([\d,]+) read, \1 stored", plain)]
    assert counts and all(0 < n < 20_000 for n in counts), plain[:2000]  # counted up while read
    assert "20,000" in plain  # the table at the end


def test_a_file_of_nothing_but_noise_is_not_reported_ok(store_url: str, tmp_path: Path) -> None:
    noise = tmp_path / "noise.bin"
    noise.write_bytes(random.Random(7).randbytes(200_000))

    refused = run(app, store_url, "import", str(noise), "--format", "jsonl", code=1)

    report = as_json(
        run(app, store_url, "import", str(noise), "--format", "jsonl", "--json", code=1)
    )
    assert report["read"] > 500 and report["dead_letters"] == report["read"]
    assert report["error"].startswith(f"every record read ({report['read']:,}) was refused")
    assert "is the source's format right?" in said(refused)
    letters = as_json(run(app, store_url, "dead-letters", "list", "--limit", "10000", "--json"))
    assert len(letters) == report["read"]
    assert sum(d["reason"].startswith("not UTF-8: byte 0x") for d in letters) > len(letters) // 2


def test_a_line_too_long_is_one_dead_letter_kept_whole(store_url: str, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    long_line = orjson.loads(APP_LINES[1])
    long_line["user"]["name"] = "x" * (3 << 20)
    line = orjson.dumps(long_line)
    log.write_bytes(line + b"\n" + APP_LINES[0].encode() + b"\n")

    report = as_json(run(app, store_url, "import", str(log), "--format", "jsonl", "--json"))

    assert (report["read"], report["stored"], report["dead_letters"]) == (2, 1, 1)
    [letter] = as_json(run(app, store_url, "dead-letters", "list", "--json"))
    assert letter["reason"] == (
        f"line too long: {len(line):,} bytes, over the 1,048,576-byte limit; not parsed"
    )
    assert orjson.loads(letter["raw"]) == long_line  # whole, so it can be fed in again


def test_a_cut_gz_import_says_so_and_exits_1(store_url: str, tmp_path: Path) -> None:
    body = "".join(
        APP_LINES[1].replace("12:05:00", f"12:{i // 60:02d}:{i % 60:02d}") + "\n"
        for i in range(3000)
    )
    whole = gzip.compress(body.encode())
    cut = tmp_path / "app.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])

    report = as_json(run(app, store_url, "import", str(cut), "--format", "jsonl", "--json", code=1))

    assert report["error"].startswith(f"source damaged: {cut}: the compressed data is cut short")
    assert 0 < report["stored"] == report["read"] < 3000  # what came before the cut is in
    again = as_json(run(app, store_url, "import", str(cut), "--format", "jsonl", "--json", code=1))
    assert (again["stored"], again["duplicates"]) == (0, report["read"])


def test_import_of_a_cloudtrail_log_file_as_aws_delivers_it(store_url: str, tmp_path: Path) -> None:
    def trail(i: int) -> dict[str, Any]:
        return {
            "eventID": f"e-{i}",
            "eventName": "GetObject",
            "eventTime": f"2026-11-23T10:{i % 60:02d}:00Z",
            "sourceIPAddress": "203.0.113.9",
            "requestParameters": {"bucketName": "members", "key": f"export/{i}.csv"},
        }

    bad = {"eventID": "no-name", "eventTime": "2026-11-23T10:00:00Z"}
    path = tmp_path / "123456789012_CloudTrail_eu-west-1_20261123T1000Z_a1.json.gz"
    with gzip.open(path, "wb") as f:
        f.write(orjson.dumps({"Records": [trail(i) for i in range(3000)] + [bad]}))

    report = as_json(run(app, store_url, "import", str(path), "-f", "cloudtrail", "--json"))
    (letter,) = as_json(run(app, store_url, "dead-letters", "list", "--json"))

    assert (report["read"], report["stored"], report["dead_letters"]) == (3001, 3000, 1)
    assert letter["position"] == f"{path}: record 3000"
    assert orjson.loads(letter["raw"]) == bad
