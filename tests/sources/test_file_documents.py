"""CloudTrail log files as AWS delivers them: one JSON document per file, streamed."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.config import FileSourceConfig
from sentinel.sources.file import MAX_LINE, FileReader, open_file_reader
from tests.conftest import ManualClock
from tests.sources.test_file import put, read, saved


def record(i: int, pad: int = 0) -> dict[str, Any]:
    return {
        "eventID": f"e-{i}",
        "eventName": "GetObject",
        "eventTime": "2026-03-10T10:00:00Z",
        "requestParameters": {"bucketName": "members", "key": f"k{i}", "pad": "x" * pad},
    }


def ids(records: list[Any]) -> list[str]:
    return [r.data["eventID"] for r in records]


def test_a_delivered_log_file_longer_than_a_line_may_be_gives_each_record(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "111_CloudTrail_eu-west-1_20260310T1000Z_x.json"
    body = json.dumps({"Records": [record(i, pad=4096) for i in range(400)]}).encode()
    assert len(body) > MAX_LINE
    put(log, body, clock.now() - timedelta(hours=1), mode="wb")

    records, _ = read(log, None, clock, json_documents=True)

    assert ids(records) == [f"e-{i}" for i in range(400)]
    assert records[7].label == f"{log}: record 7"
    assert len({r.position for r in records}) == 400
    assert not any(r.refused for r in records)


@pytest.mark.parametrize(
    "document",
    [
        {"Records": [record(0), record(1), record(2)]},
        [record(0), record(1), record(2)],
    ],
    ids=["records", "array"],
)
def test_a_pretty_printed_document_is_read_whole(
    tmp_path: Path, clock: ManualClock, document: Any
) -> None:
    log = tmp_path / "trail.json"
    put(log, json.dumps(document, indent=4).encode(), clock.now(), mode="wb")

    records, _ = read(log, None, clock, json_documents=True)

    assert ids(records) == ["e-0", "e-1", "e-2"]
    assert records[1].data["requestParameters"]["key"] == "k1"


def test_a_compressed_delivered_file_is_read_and_not_opened_again(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "trail.json.gz"
    with gzip.open(log, "wb") as f:
        f.write(json.dumps({"Records": [record(i) for i in range(5)]}).encode())

    records, cursor = read(log, None, clock, json_documents=True)
    again, _ = read(log, cursor, clock, json_documents=True)

    assert ids(records) == [f"e-{i}" for i in range(5)]
    assert again == []


def test_a_document_read_in_part_resumes_after_its_last_record(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "trail.json"
    put(log, json.dumps({"Records": [record(i) for i in range(6)]}).encode(), clock.now())

    first, cursor = read(log, None, clock, limit=4, json_documents=True)
    rest, cursor = read(log, cursor, clock, json_documents=True)
    nothing, _ = read(log, cursor, clock, json_documents=True)

    assert ids(first) + ids(rest) == [f"e-{i}" for i in range(6)]
    assert [r.position for r in first + rest] == [f"{first[0].stream}:#{i}" for i in range(6)]
    assert nothing == []


def test_a_document_still_being_written_waits_for_its_end(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "trail.json"
    whole = json.dumps({"Records": [record(i) for i in range(3)]}).encode()
    put(log, whole[:-30], clock.now())

    early, cursor = read(log, None, clock, json_documents=True)
    put(log, whole[-30:], clock.now())
    later, _ = read(log, cursor, clock, json_documents=True)

    assert ids(early) == ["e-0", "e-1"]
    assert ids(later) == ["e-2"]


def test_a_broken_document_gives_what_came_before_and_a_dead_letter_with_the_rest(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "trail.json"
    good = json.dumps(record(0))
    put(log, f'{{"Records": [{good}, {{"eventID": "e-1", oops}}]}}'.encode(), clock.now())

    reader = FileReader(str(log), None, clock=clock, final=True, json_documents=True)
    records = list(reader.records())

    assert ids(records[:1]) == ["e-0"]
    (refused,) = records[1:]
    assert refused.refused is not None
    assert refused.refused.startswith("not JSON after record 1")
    assert "oops" in refused.data
    assert saved(reader)["files"][0]["records"] == 1


def test_json_lines_stay_a_record_per_line(tmp_path: Path, clock: ManualClock) -> None:
    log = tmp_path / "trail.jsonl"
    put(log, b"".join(json.dumps(record(i)).encode() + b"\n" for i in range(3)), clock.now())
    config = FileSourceConfig(name="aws", path=str(log), format="cloudtrail")

    records = list(open_file_reader(config, None, clock=clock).records())

    assert [json.loads(r.data)["eventID"] for r in records] == ["e-0", "e-1", "e-2"]
    assert records[1].label == f"{log}:{len(lines_of(log)[0]) + 1}"


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def test_only_json_formats_read_documents(tmp_path: Path, clock: ManualClock) -> None:
    log = tmp_path / "trail.json"
    put(log, json.dumps([record(0)], indent=2).encode(), clock.now())
    as_lines = FileSourceConfig(name="x", path=str(log), format="jsonl")
    as_trail = FileSourceConfig(name="y", path=str(log), format="cloudtrail")

    assert len(list(open_file_reader(as_lines, None, clock=clock).records())) > 1
    assert ids(list(open_file_reader(as_trail, None, clock=clock).records())) == ["e-0"]
