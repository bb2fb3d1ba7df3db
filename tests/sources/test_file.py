"""The file source: resume, rotation, truncation, gz, partial lines, all on real files."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel.config import FileSourceConfig
from sentinel.sources.base import RawRecord, SourceDamaged, SourceError
from sentinel.sources.file import MAX_ENTRIES, MAX_LINE, FileReader, open_file_reader
from tests.conftest import ManualClock

SETTLE = timedelta(seconds=60)


def put(path: Path, data: bytes, when: datetime, *, mode: str = "ab") -> None:
    """Write (append by default) to ``path`` and give it ``when`` as its mtime."""
    with open(path, mode) as f:
        f.write(data)
    stamp(path, when)


def stamp(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def gzip_to(src: Path, dst: Path) -> None:
    """Compress like logrotate: the gz keeps the original's mtime and replaces it."""
    with open(src, "rb") as f, gzip.open(dst, "wb") as out:
        shutil.copyfileobj(f, out)
    mtime = src.stat().st_mtime
    os.utime(dst, (mtime, mtime))
    src.unlink()


def saved(reader: FileReader) -> dict[str, Any]:
    """The cursor as the store would give it back."""
    return json.loads(json.dumps(reader.cursor()))


def read(
    pattern: Path | str,
    cursor: dict[str, Any] | None,
    clock: ManualClock,
    limit: int | None = None,
    **kwargs: Any,
) -> tuple[list[RawRecord], dict[str, Any]]:
    """Up to ``limit`` records from a fresh reader, and its cursor after them."""
    reader = FileReader(str(pattern), cursor, clock=clock, **kwargs)
    records = list(itertools.islice(reader.records(), limit))
    return records, saved(reader)


def lines(records: list[RawRecord]) -> list[str]:
    return [r.data for r in records]


def test_reads_each_line_with_its_position_label_and_the_file_head(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "access.csv"
    written = clock.now() - timedelta(minutes=5)
    put(log, b"ts,user,action\n2026-03-10,ann,read\n2026-03-10,bob,write\n", written)

    records, _ = read(log, None, clock)

    assert lines(records) == ["ts,user,action", "2026-03-10,ann,read", "2026-03-10,bob,write"]
    assert [r.label for r in records] == [f"{log}:0", f"{log}:15", f"{log}:35"]
    assert {r.head for r in records} == {"ts,user,action"}
    assert {r.reference_time for r in records} == {written}
    assert len({r.stream for r in records}) == 1
    file_id, offset, line_hash = records[1].position.split(":")
    assert (file_id, offset) == (records[1].stream, "15")
    assert line_hash


def test_pattern_matching_nothing_yields_nothing_and_says_so_once(
    tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    records, cursor = read(tmp_path / "access.log*", None, clock)
    read(tmp_path / "access.log*", cursor, clock)

    assert records == []
    assert cursor == {"files": []}
    warned = [r.getMessage() for r in caplog.records if "no file matches" in r.getMessage()]
    assert warned == [
        f"no file matches {tmp_path / 'access.log*'} yet; check the source's path "
        "if its logs should be there"
    ]


def test_missing_directory_is_an_error_naming_it(tmp_path: Path, clock: ManualClock) -> None:
    missing = tmp_path / "gone" / "app"
    reader = FileReader(str(missing / "access.log*"), None, clock=clock)

    with pytest.raises(SourceError, match=str(missing)):
        list(reader.records())
    assert reader.progress() == (0, None)


def test_directory_instead_of_a_file_is_an_error_saying_so(
    tmp_path: Path, clock: ManualClock
) -> None:
    reader = FileReader(str(tmp_path), None, clock=clock)

    with pytest.raises(SourceError, match="a directory"):
        list(reader.records())


def test_resumes_from_saved_cursor_without_repeating_or_losing_lines(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "access.log"
    put(log, b"one\ntwo\n", clock.now())
    first, cursor = read(log, None, clock)
    put(log, b"three\nfour\n", clock.advance(seconds=5))

    second, cursor = read(log, cursor, clock)
    third, _ = read(log, cursor, clock)

    assert lines(first) == ["one", "two"]
    assert lines(second) == ["three", "four"]
    assert third == []


def test_cursor_taken_mid_run_continues_with_the_next_record(
    tmp_path: Path, clock: ManualClock
) -> None:
    put(tmp_path / "app.log.1", b"a1\na2\na3\n", clock.now())
    put(tmp_path / "app.log", b"b1\nb2\n", clock.advance(seconds=1))
    pattern = tmp_path / "app.log*"
    everything = lines(read(pattern, None, clock)[0])

    got: list[str] = []
    cursor = None
    for _ in range(10):
        records, cursor = read(pattern, cursor, clock, limit=2)
        got += lines(records)

    assert everything == ["a1", "a2", "a3", "b1", "b2"]
    assert got == everything


def test_rotation_by_rename_reads_lines_appended_before_the_rename(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "access.log"
    pattern = tmp_path / "access.log*"
    put(log, b"1 first\n2 second\n", clock.now())
    first, cursor = read(pattern, None, clock)
    put(log, b"3 written just before rotation\n", clock.advance(seconds=1))
    log.rename(tmp_path / "access.log.1")
    put(log, b"4 new file\n", clock.advance(seconds=1))

    second, cursor = read(pattern, cursor, clock)
    third, _ = read(pattern, cursor, clock)

    assert lines(first) == ["1 first", "2 second"]
    assert lines(second) == ["3 written just before rotation", "4 new file"]
    assert second[0].label == f"{tmp_path / 'access.log.1'}:17"
    assert second[0].stream == first[0].stream
    assert third == []


def test_copytruncate_reads_the_new_content_from_its_start(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "access.log"
    put(log, b"2026-03-10T11:00 old one\n2026-03-10T11:01 old two\n", clock.now())
    _, cursor = read(log, None, clock)
    put(log, b"2026-03-10T12:00 new\n", clock.advance(seconds=1), mode="wb")

    shrunk, cursor = read(log, cursor, clock)
    put(log, b"2026-03-10T12:01 a longer line than the ones before it\n", clock.advance(seconds=1))
    grown, _ = read(log, cursor, clock)

    assert lines(shrunk) == ["2026-03-10T12:00 new"]
    assert lines(grown) == ["2026-03-10T12:01 a longer line than the ones before it"]


def test_copytruncate_with_same_head_but_shorter_content_starts_over(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "export.csv"
    put(log, b"ts,user\n1,ann\n2,bob\n", clock.now())
    _, cursor = read(log, None, clock)
    put(log, b"ts,user\n3,cy\n", clock.advance(seconds=1), mode="wb")

    records, _ = read(log, cursor, clock)

    assert lines(records) == ["ts,user", "3,cy"]


def test_copytruncate_under_a_long_shared_header_starts_over(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "export.csv"
    header = ",".join(f"column_{i}" for i in range(120)).encode() + b"\n"
    put(log, header + b"1,ann\n2,bob\n3,cy\n", clock.now())
    _, cursor = read(log, None, clock)
    put(log, header + b"4,dan\n", clock.advance(seconds=1), mode="wb")

    records, _ = read(log, cursor, clock)

    assert len(header) > 1024
    assert lines(records) == [header.decode().strip(), "4,dan"]


def test_file_growing_while_read_is_known_by_all_that_was_read(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "export.csv"
    put(log, b"ts,user\n", clock.now())
    reader = FileReader(str(log), None, clock=clock)
    reader.progress()
    put(log, b"1,ann\n2,bob\n", clock.advance(seconds=1))
    first = lines(list(reader.records()))
    log.unlink()
    put(log, b"ts,user\n3,cy\n4,dan\n5,eve\n", clock.advance(seconds=1))

    second, _ = read(log, saved(reader), clock)

    assert first == ["ts,user", "1,ann", "2,bob"]
    assert lines(second) == ["ts,user", "3,cy", "4,dan", "5,eve"]


def test_gz_of_a_partly_read_file_continues_where_it_was_left(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "access.log"
    pattern = tmp_path / "access.log*"
    put(log, b"1 read already\n", clock.now())
    first, cursor = read(pattern, None, clock)
    put(log, b"2 written just before rotation\n", clock.advance(seconds=1))
    log.rename(tmp_path / "access.log.1")
    gzip_to(tmp_path / "access.log.1", tmp_path / "access.log.1.gz")
    put(log, b"3 new file\n", clock.advance(seconds=1))

    second, cursor = read(pattern, cursor, clock)
    third, cursor = read(pattern, cursor, clock)

    assert lines(first) == ["1 read already"]
    assert lines(second) == ["2 written just before rotation", "3 new file"]
    assert second[0].position.split(":")[:2] == [first[0].stream, "15"]
    assert third == []
    assert [f["done"] for f in cursor["files"] if f["path"].endswith(".gz")] == [True]


def test_new_gz_is_read_whole_once_and_then_never_opened_again(
    tmp_path: Path, clock: ManualClock
) -> None:
    plain = tmp_path / "old.log"
    put(plain, b"alpha\nbeta\ngamma", clock.now() - timedelta(hours=1))
    from_plain, _ = read(plain, None, clock)
    gzip_to(plain, tmp_path / "old.log.gz")
    pattern = tmp_path / "old.log*"

    first, cursor = read(pattern, None, clock)
    again, cursor = read(pattern, cursor, clock)
    (tmp_path / "old.log.gz").rename(tmp_path / "renamed.log.gz")
    renamed, _ = read(tmp_path / "*.gz", cursor, clock)

    assert lines(first) == ["alpha", "beta", "gamma"]
    assert [r.position for r in first] == [r.position for r in from_plain]
    assert again == []
    assert renamed == []


def test_gz_read_to_its_end_is_not_mistaken_for_a_longer_file_with_its_header(
    tmp_path: Path, clock: ManualClock
) -> None:
    pattern = tmp_path / "*.log*"
    put(tmp_path / "app.log", b"ts,user\n", clock.now())
    put(tmp_path / "empty.log", b"ts,user\n", clock.advance(seconds=1))
    gzip_to(tmp_path / "empty.log", tmp_path / "empty.log.gz")
    first, cursor = read(pattern, None, clock)
    put(tmp_path / "app.log", b"1,ann\n", clock.advance(seconds=1))
    gzip_to(tmp_path / "app.log", tmp_path / "app.log.gz")

    second, _ = read(pattern, cursor, clock)

    assert lines(first) == ["ts,user", "ts,user"]
    assert lines(second) == ["1,ann"]


def test_gz_still_being_written_is_finished_next_time(tmp_path: Path, clock: ManualClock) -> None:
    body = b"".join(b"%05d %s\n" % (i, os.urandom(30).hex().encode()) for i in range(200))
    whole = gzip.compress(body)
    gz = tmp_path / "access.log.1.gz"
    put(gz, whole[: len(whole) // 2], clock.now())

    partial, cursor = read(gz, None, clock)
    put(gz, whole, clock.advance(seconds=1), mode="wb")
    rest, cursor = read(gz, cursor, clock)
    again, _ = read(gz, cursor, clock)

    assert lines(partial) + lines(rest) == body.decode().splitlines()
    assert again == []


def test_glob_reads_rotated_siblings_oldest_first(tmp_path: Path, clock: ManualClock) -> None:
    put(tmp_path / "access.log.2", b"oldest\n", clock.now())
    gzip_to(tmp_path / "access.log.2", tmp_path / "access.log.2.gz")
    put(tmp_path / "access.log.1", b"older\n", clock.advance(seconds=1))
    put(tmp_path / "access.log", b"newest\n", clock.advance(seconds=1))
    put(tmp_path / "error.log", b"another log\n", clock.advance(seconds=1))

    records, _ = read(tmp_path / "access.log*", None, clock)

    assert lines(records) == ["oldest", "older", "newest"]


def test_unterminated_last_line_is_held_back_until_terminated(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "access.log"
    put(log, b"complete\nhalf a li", clock.now())
    first, cursor = read(log, None, clock)
    put(log, b"ne\nnext\n", clock.advance(seconds=1))
    second, _ = read(log, cursor, clock)

    assert lines(first) == ["complete"]
    assert lines(second) == ["half a line", "next"]
    assert second[0].label == f"{log}:9"


def test_unterminated_last_line_is_taken_once_settled(tmp_path: Path, clock: ManualClock) -> None:
    log = tmp_path / "access.log"
    put(log, b"complete\nlast words", clock.now())
    held, cursor = read(log, None, clock)
    clock.advance(SETTLE - timedelta(seconds=1))
    still_held, cursor = read(log, cursor, clock)
    clock.advance(seconds=1)
    settled, cursor = read(log, cursor, clock)
    again, _ = read(log, cursor, clock)

    assert lines(held) == ["complete"]
    assert still_held == []
    assert lines(settled) == ["last words"]
    assert again == []


def test_final_read_takes_the_unterminated_last_line(tmp_path: Path, clock: ManualClock) -> None:
    log = tmp_path / "export.log"
    put(log, b"complete\nlast words", clock.now())

    records, cursor = read(log, None, clock, final=True)

    assert lines(records) == ["complete", "last words"]
    assert cursor["files"][0]["offset"] == log.stat().st_size


def test_crlf_endings_and_blank_lines(tmp_path: Path, clock: ManualClock) -> None:
    log = tmp_path / "iis.log"
    put(log, b"first\r\n\r\n\nsecond\r\n  \nthird\r\n", clock.now())

    records, cursor = read(log, None, clock)

    assert lines(records) == ["first", "second", "third"]
    assert [r.label for r in records] == [f"{log}:0", f"{log}:10", f"{log}:21"]
    assert cursor["files"][0]["offset"] == log.stat().st_size


def test_invalid_utf8_is_kept_escaped_said_where_and_reading_goes_on(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "access.log"
    put(log, b"user=j\xf6rg\nuser=anna \xe2\x82\xac\n", clock.now())

    records, _ = read(log, None, clock)

    assert lines(records) == ["user=j\\xf6rg", "user=anna €"]
    assert [r.not_utf8 for r in records] == ["not UTF-8: byte 0xf6 at column 7", None]


def test_a_line_too_long_is_one_record_refused_whole_and_reading_goes_on(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "access.log"
    huge = b"x" * (2 * MAX_LINE + 10)
    put(log, b"before\n" + huge + b"\nafter\n", clock.now())

    records, cursor = read(log, None, clock)

    assert [len(r.data) for r in records] == [6, len(huge), 5]
    assert records[1].data == huge.decode()  # kept whole: it can be fed in again
    assert records[1].refused == (
        f"line too long: {len(huge):,} bytes, over the {MAX_LINE:,}-byte limit; not parsed"
    )
    assert [r.refused for r in (records[0], records[2])] == [None, None]
    assert records[2].label == f"{log}:{7 + len(huge) + 1}"
    assert cursor["files"][0]["offset"] == log.stat().st_size


def test_a_line_too_long_still_being_written_waits_for_its_end(
    tmp_path: Path, clock: ManualClock
) -> None:
    log = tmp_path / "access.log"
    put(log, b"before\n" + b"x" * (MAX_LINE + 5), clock.now())
    first, cursor = read(log, None, clock)
    with log.open("ab") as f:
        f.write(b"yz\n")

    rest, _ = read(log, cursor, clock)

    assert lines(first) == ["before"]
    assert [(len(r.data), r.refused is not None) for r in rest] == [(MAX_LINE + 7, True)]


def test_a_cut_gz_given_to_import_is_reported_as_damaged(
    tmp_path: Path, clock: ManualClock
) -> None:
    body = b"".join(b"%05d %s\n" % (i, os.urandom(30).hex().encode()) for i in range(2000))
    whole = gzip.compress(body)
    gz = tmp_path / "export.log.gz"
    put(gz, whole[: len(whole) // 2], clock.now())
    reader = FileReader(str(gz), None, clock=clock, final=True)
    got: list[RawRecord] = []

    with pytest.raises(SourceDamaged, match=r"export.log.gz: the compressed data is cut short"):
        got.extend(reader.records())

    assert 0 < len(got) < 2000
    assert lines(got) == body.decode().splitlines()[: len(got)]


def test_files_with_the_same_header_keep_distinct_positions(
    tmp_path: Path, clock: ManualClock
) -> None:
    put(tmp_path / "a.csv", b"ts,user\n1,ann\n", clock.now())
    put(tmp_path / "b.csv", b"ts,user\n2,bob\n", clock.advance(seconds=1))

    records, _ = read(tmp_path / "*.csv", None, clock)

    assert lines(records) == ["ts,user", "1,ann", "ts,user", "2,bob"]
    assert records[1].position != records[3].position


def test_progress_counts_bytes_of_this_run(tmp_path: Path, clock: ManualClock) -> None:
    log = tmp_path / "access.log"
    put(log, b"0123456789\n" * 10, clock.now())
    _, cursor = read(log, None, clock, limit=4)
    reader = FileReader(str(log), cursor, clock=clock)

    before = reader.progress()
    records = reader.records()
    next(records)
    during = reader.progress()
    list(records)
    after = reader.progress()

    assert before == (0, 66)
    assert during == (11, 66)
    assert after == (66, 66)


def test_progress_of_a_gz_counts_compressed_bytes(tmp_path: Path, clock: ManualClock) -> None:
    plain = tmp_path / "access.log.1"
    put(plain, b"".join(b"line %d\n" % i for i in range(5000)), clock.now())
    gzip_to(plain, tmp_path / "access.log.1.gz")
    size = (tmp_path / "access.log.1.gz").stat().st_size
    reader = FileReader(str(tmp_path / "access.log.1.gz"), None, clock=clock)

    assert reader.progress() == (0, size)
    assert sum(1 for _ in reader.records()) == 5000
    assert reader.progress() == (size, size)


def test_cursor_forgets_vanished_files_beyond_its_bound(tmp_path: Path, clock: ManualClock) -> None:
    pattern = tmp_path / "*.log"
    cursor = None
    for i in range(MAX_ENTRIES + 20):
        log = tmp_path / f"{i}.log"
        put(log, b"%d only line\n" % i, clock.advance(seconds=1))
        records, cursor = read(pattern, cursor, clock)
        assert lines(records) == [f"{i} only line"]
        log.unlink()

    assert len(cursor["files"]) == MAX_ENTRIES


def test_cursor_keeps_every_file_still_present(tmp_path: Path, clock: ManualClock) -> None:
    for i in range(MAX_ENTRIES + 20):
        put(tmp_path / f"{i}.log", b"line of %d\n" % i, clock.advance(seconds=1))
        gzip_to(tmp_path / f"{i}.log", tmp_path / f"{i}.log.gz")

    first, cursor = read(tmp_path / "*.gz", None, clock)
    again, _ = read(tmp_path / "*.gz", cursor, clock)

    assert len(first) == MAX_ENTRIES + 20
    assert again == []


def test_cursor_of_another_kind_is_refused_and_kept(tmp_path: Path, clock: ManualClock) -> None:
    put(tmp_path / "access.log", b"line\n", clock.now())
    reader = FileReader(str(tmp_path / "access.log"), {"next_cursor": "abc"}, clock=clock)

    with pytest.raises(SourceError, match="not a file cursor"):
        list(reader.records())
    assert reader.cursor() == {"next_cursor": "abc"}


def test_constructor_from_source_settings(tmp_path: Path, clock: ManualClock) -> None:
    log = tmp_path / "access.log"
    put(log, b"done\nhalf", clock.now() - timedelta(seconds=20))
    config = FileSourceConfig(name="web", path=str(log), format="jsonl", settle="10s")

    records = list(open_file_reader(config, None, clock=clock).records())

    assert lines(records) == ["done", "half"]


@pytest.mark.realdata
def test_real_auth_log_with_a_partial_last_line(real_logs: Path, clock: ManualClock) -> None:
    path = real_logs / "secrepo-auth-log" / "auth.log"
    data = path.read_bytes()
    expected = [line for line in data.split(b"\n") if line.strip()]

    reader = FileReader(str(path), None, clock=clock, final=True)
    count = sum(1 for _ in reader.records())

    assert not data.endswith(b"\n")
    assert count == len(expected)
    assert reader.progress() == (len(data), len(data))


# The core promise, checked on random histories: a log written, rotated and
# compressed while it is read in random slices yields every line exactly once.

HEADER = "ts,user,action"


@dataclass(frozen=True)
class Write:
    """Append lines to the current file; ``half`` leaves the last one half-written."""

    lengths: tuple[int, ...]
    blank: bool
    crlf: bool
    half: int | None


@dataclass(frozen=True)
class Rotate:
    """Rename every file one up, start a new current file, maybe compress an old one.

    The writer may go on writing to the renamed file for a while (it still holds
    it open): ``late`` ends its half-written line there and adds lines of these
    lengths, after the new file exists. Without it, a half-written line stays
    unterminated for good.
    """

    late: tuple[int, ...] | None
    header: bool
    compress: int | None


@dataclass(frozen=True)
class Read:
    """Read up to ``limit`` records; ``grow`` lines are appended after the reader looked."""

    limit: int | None
    grow: tuple[int, ...]


@dataclass(frozen=True)
class Pause:
    """The writer stays quiet (skipped while it is in the middle of a line)."""

    seconds: int


Op = Write | Rotate | Read | Pause
LENGTHS = st.lists(st.integers(0, 400), max_size=6).map(tuple)

OPS = st.one_of(
    st.builds(
        Write,
        lengths=LENGTHS,
        blank=st.booleans(),
        crlf=st.booleans(),
        half=st.none() | st.integers(0, 1000),
    ),
    st.builds(
        Rotate,
        late=st.none() | LENGTHS,
        header=st.booleans(),
        compress=st.sampled_from([None, 1, 2]),
    ),
    st.builds(Read, limit=st.none() | st.integers(0, 8), grow=LENGTHS),
    st.builds(Pause, seconds=st.integers(61, 600)),
)


def line_at(path: str, offset: int) -> str:
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        f.seek(offset)
        return f.readline().removesuffix(b"\n").removesuffix(b"\r").decode()


class RotatingLog:
    """A writer and logrotate on one side, the reader with its saved cursor on the other."""

    def __init__(self, root: Path, clock: ManualClock, header: bool) -> None:
        self.root = root
        self.clock = clock
        self.gz: list[bool] = [False]
        """Per file, newest (the current one) first: whether it has been compressed."""
        self.written: Counter[str] = Counter()
        self.got: list[RawRecord] = []
        self.cursor: dict[str, Any] | None = None
        self.n = 0
        self.half: tuple[str, str, bytes] | None = None
        """A half-written line in the current file: its fragment, its whole, the rest to write."""
        self._new_file(header)

    def path(self, i: int) -> Path:
        name = "app.log" if i == 0 else f"app.log.{i}"
        return self.root / (name + (".gz" if self.gz[i] else ""))

    def apply(self, op: Op) -> None:
        match op:
            case Write():
                self.write(op)
            case Rotate():
                self.rotate(op)
            case Read():
                self.read(op.limit, op.grow)
            case Pause() if self.half is None:
                self.clock.advance(seconds=op.seconds)
        self.clock.advance(seconds=1)

    def write(self, op: Write) -> None:
        end = b"\r\n" if op.crlf else b"\n"
        data = self._finish_half() + self._lines(op.lengths[:1], end)
        data += (end if op.blank else b"") + self._lines(op.lengths[1:], end)
        if op.half is not None:
            text = self._line(1 + op.half % 300)
            cut = 7 + op.half % (len(text) - 7)  # past "L00012 ", so fragments stay unique
            data += text[:cut].encode()
            self.half = (text[:cut], text, text[cut:].encode() + end)
        put(self.path(0), data, self.clock.now())

    def rotate(self, op: Rotate) -> None:
        olds = [self.path(i) for i in range(len(self.gz))]
        self.gz.insert(0, False)
        for i in reversed(range(len(olds))):
            olds[i].rename(self.path(i + 1))
        self._new_file(op.header)
        self.clock.advance(seconds=1)
        if op.late is not None:
            put(self.path(1), self._finish_half() + self._lines(op.late, b"\n"), self.clock.now())
        elif self.half is not None:
            self.written[self.half[0]] += 1
            self.half = None
        if op.compress is not None and op.compress < len(self.gz) and not self.gz[op.compress]:
            plain = self.path(op.compress)
            self.gz[op.compress] = True
            gzip_to(plain, self.path(op.compress))

    def read(self, limit: int | None, grow: tuple[int, ...] = ()) -> None:
        reader = FileReader(str(self.root / "app.log*"), self.cursor, clock=self.clock)
        reader.progress()
        if grow:
            self.write(Write(grow, blank=False, crlf=False, half=None))
        records = list(itertools.islice(reader.records(), limit))
        self.cursor = saved(reader)
        for r in records:
            path, offset = r.label.rsplit(":", 1)
            assert line_at(path, int(offset)) == r.data, r.label
        self.got += records
        assert Counter(lines(self.got)) <= self.written, "a line read twice, or one never written"

    def finish(self) -> None:
        """The writer ends its line, time passes, and a last read drains everything."""
        data = self._finish_half()
        if data:
            put(self.path(0), data, self.clock.now())
        self.clock.advance(SETTLE + timedelta(seconds=1))
        self.read(None)
        self.read(None)

    def _new_file(self, header: bool) -> None:
        put(self.path(0), f"{HEADER}\n".encode() if header else b"", self.clock.now(), mode="wb")
        if header:
            self.written[HEADER] += 1

    def _lines(self, lengths: tuple[int, ...], end: bytes) -> bytes:
        texts = [self._line(length) for length in lengths]
        self.written.update(texts)
        return b"".join(text.encode() + end for text in texts)

    def _line(self, length: int) -> str:
        self.n += 1
        return f"L{self.n:05d} " + chr(97 + self.n % 26) * length

    def _finish_half(self) -> bytes:
        if self.half is None:
            return b""
        _, whole, rest = self.half
        self.written[whole] += 1
        self.half = None
        return rest


@settings(max_examples=300, deadline=None)
@given(header=st.booleans(), ops=st.lists(OPS, min_size=10, max_size=60))
def test_every_line_is_read_exactly_once_through_rotation_and_compression(
    header: bool, ops: list[Op]
) -> None:
    with tempfile.TemporaryDirectory() as root:
        log = RotatingLog(Path(root), ManualClock(datetime(2026, 3, 10, 12, tzinfo=UTC)), header)
        for op in ops:
            log.apply(op)
        log.finish()

    assert Counter(lines(log.got)) == log.written
    data_positions = Counter(r.position for r in log.got if r.data != HEADER)
    assert all(n == 1 for n in data_positions.values()), "two lines share an event position"


def test_a_byte_order_mark_is_no_part_of_the_first_line(tmp_path: Path, clock: ManualClock) -> None:
    log = tmp_path / "auth.log"
    put(
        log,
        b"\xef\xbb\xbfDec  1 10:00:01 gw sshd[1]: x\r\nDec  1 10:00:02 gw sshd[1]: y\r\n",
        clock.now(),
    )

    records, _ = read(log, None, clock)

    assert lines(records) == ["Dec  1 10:00:01 gw sshd[1]: x", "Dec  1 10:00:02 gw sshd[1]: y"]
    assert [r.label for r in records] == [f"{log}:0", f"{log}:34"]
