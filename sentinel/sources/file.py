"""The ``file`` source: lines of local log files, followed across rotation.

Files are known by their content, not their name: the cursor keeps, per file, a
hash of its first bytes and the offset read to. A renamed or compressed file is
recognised by those bytes and continues where it was left, a truncated one starts
over, and a compressed one read to its end is never opened again. Lines are
streamed, so memory stays flat however large the files grow.

A reader for JSON logs (``json_documents``) also takes files that are one JSON
document rather than a record per line: a CloudTrail log file as AWS delivers it
(``{"Records": [ … ]}`` on one line, often megabytes long), the same pretty-printed,
or a top-level array. Such a file is streamed record by record; its records are
known by their index, and the cursor keeps how many were read.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import logging
import os
import re
import stat
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import ijson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sentinel.clock import Clock
from sentinel.config import FileSourceConfig
from sentinel.sources.base import RawRecord, SourceDamaged, SourceError

log = logging.getLogger(__name__)

HEAD_MAX = 1024
"""Bytes of a file's start that identify it."""
MAX_ENTRIES = 100
"""Files the cursor remembers, beyond those the pattern matches now."""
MAX_LINE = 1 << 20
"""Longer lines are not parsed: each becomes one dead letter saying it is too long."""
MAX_KEPT = 16 << 20
"""Of a line too long, this much is kept in its dead letter (all of it, up to 16 MiB)."""

_GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)
"""A ``.gz`` still being written, or not gzip at all."""


class _SavedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = ""
    head_len: int = Field(ge=1, le=HEAD_MAX)
    head_hash: str
    offset: int = Field(ge=0)
    done: bool = False
    records: int = Field(default=0, ge=0)


class _SavedCursor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    files: list[_SavedFile] = Field(default_factory=list)


@dataclass(slots=True)
class _Entry:
    """What is known of one file: its head (to recognise it) and how far it was read."""

    path: str
    head_len: int
    head_hash: str
    offset: int = 0
    done: bool = False
    """A ``.gz`` read to its end; gz files do not change, so it is not read again."""
    records: int = 0
    """Of a file read as one JSON document: the records read from it."""

    def set_head(self, head: bytes) -> None:
        self.head_len = len(head)
        self.head_hash = _digest(head)

    def key(self) -> tuple[int, str]:
        return self.head_len, self.head_hash


@dataclass(slots=True)
class _Candidate:
    path: str
    gz: bool
    st: os.stat_result
    head: bytes


@dataclass(slots=True)
class _Target:
    """A file to read in this run, from ``start``."""

    path: str
    gz: bool
    identity: tuple[int, int]
    mtime: datetime
    size: int
    entry: _Entry
    start: int
    document: bool = False

    @property
    def total(self) -> int:
        """On-disk bytes this run reads: all of a gz (it is decompressed from its start)."""
        return self.size if self.gz else max(0, self.size - self.start)


_warned_empty: set[str] = set()
"""Patterns already reported as matching nothing: said once, not at every pull."""


class FileReader:
    """Reads the lines of the files a path or glob matches, oldest file first.

    A line without its ``\\n`` yet is held back until it is terminated, unless the
    file is a ``.gz``, ``final`` is set (a one-off import of a complete file), or
    the file has not changed for ``settle``.
    """

    def __init__(
        self,
        pattern: str,
        cursor: dict[str, Any] | None,
        *,
        clock: Clock,
        settle: timedelta = timedelta(seconds=60),
        final: bool = False,
        json_documents: bool = False,
    ) -> None:
        self._pattern = pattern
        self._json_documents = json_documents
        self._clock = clock
        self._settle = settle
        self._final = final
        self._bad_cursor: dict[str, Any] | None = None
        self._cursor_error = ""
        self._entries: list[_Entry] = []
        try:
            saved = _SavedCursor.model_validate(cursor or {})
            self._entries = [_Entry(**f.model_dump()) for f in saved.files]
        except ValidationError as exc:
            self._bad_cursor = cursor
            self._cursor_error = f"saved cursor is not a file cursor ({exc.error_count()} errors)"
        self._pending: list[_Target] | None = None
        self._total: int | None = None
        self._done_bytes = 0
        self._reading: tuple[_Target, IO[bytes]] | None = None

    def records(self) -> Iterator[RawRecord]:
        plan = self._pending if self._pending is not None else self._scan()
        self._pending = None
        for target in plan:
            yield from self._read(target)

    def cursor(self) -> dict[str, Any]:
        if self._bad_cursor is not None:
            return self._bad_cursor
        return {
            "files": [
                {
                    "path": e.path,
                    "head_len": e.head_len,
                    "head_hash": e.head_hash,
                    "offset": e.offset,
                    "done": e.done,
                    "records": e.records,
                }
                for e in self._entries
            ]
        }

    def progress(self) -> tuple[int, int | None]:
        """On-disk bytes read in this run and to read in all (compressed bytes for a gz)."""
        if self._total is None:
            try:
                self._pending = self._scan()
            except SourceError:
                return 0, None
        assert self._total is not None
        done = self._done_bytes
        if self._reading is not None:
            done += _consumed(*self._reading)
        return min(done, self._total), self._total

    def _scan(self) -> list[_Target]:
        """Match the files present to the cursor's entries; plan what to read."""
        if self._bad_cursor is not None:
            raise SourceError(
                f"{self._pattern}: {self._cursor_error}; "
                "delete this source's checkpoint to read its files from the start"
            )
        candidates = [c for path in self._paths() if (c := _candidate(path)) is not None]
        candidates.sort(key=lambda c: (c.st.st_mtime_ns, c.path))
        matched = _match(candidates, self._entries)
        present: list[_Entry] = []
        plan: list[_Target] = []
        for i, c in enumerate(candidates):
            entry = matched.get(i) or _Entry(c.path, 0, "")
            entry.set_head(c.head)
            entry.path = c.path
            present.append(entry)
            if c.gz:
                if entry.done:
                    continue
            else:
                entry.done = False
                if c.st.st_size < entry.offset:
                    entry.offset = entry.records = 0
                if c.st.st_size == entry.offset:
                    continue
            document = self._json_documents and _DOCUMENT.match(c.head) is not None
            plan.append(
                _Target(
                    path=c.path,
                    gz=c.gz,
                    identity=(c.st.st_dev, c.st.st_ino),
                    mtime=datetime.fromtimestamp(c.st.st_mtime, UTC),
                    size=c.st.st_size,
                    entry=entry,
                    start=0 if document else entry.offset,
                    document=document,
                )
            )
        seen = {id(e) for e in present}
        gone = [e for e in self._entries if id(e) not in seen]
        self._entries = present + gone[: max(0, MAX_ENTRIES - len(present))]
        self._total = sum(t.total for t in plan)
        self._done_bytes = 0
        return plan

    def _paths(self) -> list[str]:
        pattern = os.path.expanduser(self._pattern)
        fixed = Path(pattern).parent.parts
        stop = next((i for i, p in enumerate(fixed) if glob.has_magic(p)), len(fixed))
        base = Path(*fixed[:stop]) if stop else Path(".")
        if not base.is_dir():
            raise SourceError(f"{base}: no such directory (source path {self._pattern})")
        if not glob.has_magic(pattern) and os.path.isdir(pattern):
            raise SourceError(
                f"{pattern}: a directory; name a file or a glob such as {pattern}/*.log"
            )
        paths = glob.glob(pattern, recursive=True)
        if not paths and pattern not in _warned_empty:
            _warned_empty.add(pattern)
            log.warning(
                "no file matches %s yet; check the source's path if its logs should be there",
                self._pattern,
            )
        elif paths:
            _warned_empty.discard(pattern)
        return paths

    def _read(self, target: _Target) -> Iterator[RawRecord]:
        try:
            with _open(target.path, target.gz) as (lines, raw):
                st = os.fstat(raw.fileno())
                if (st.st_dev, st.st_ino) != target.identity:
                    log.info("%s was replaced while reading; it is read next time", target.path)
                    return
                if not target.gz and st.st_size < target.start:
                    target.entry.offset = target.start = 0
                self._reading = (target, raw)
                read = self._documents if target.document else self._lines
                try:
                    yield from read(target, lines, raw)
                finally:
                    self._done_bytes += _consumed(target, raw)
                    self._reading = None
        except FileNotFoundError:
            log.info("%s was moved away while reading; it is read under its new name", target.path)
        except _GZIP_ERRORS as exc:
            if self._final:
                raise SourceDamaged(
                    f"{target.path}: the compressed data is cut short or damaged ({exc}); "
                    "the lines before that point were read"
                ) from exc
            log.warning("%s: cannot decompress (%s); the rest is read next time", target.path, exc)
        except OSError as exc:
            raise SourceError(f"{target.path}: {exc.strerror or exc}") from exc

    def _lines(self, t: _Target, f: IO[bytes], raw: IO[bytes]) -> Iterator[RawRecord]:
        entry = t.entry
        head: bytes | None = None
        if t.start > 0:
            head = _strip(f.readline(MAX_LINE))
            if f.seek(t.start) < t.start:
                # A gz shorter than the offset saved for its head: other content; read it all.
                f.seek(0)
                head = None
                entry.offset = t.start = 0
        file_id = _short(head) if head is not None else ""
        head_text = head.decode("utf-8", "backslashreplace") if head is not None else ""
        offset = t.start
        while line := f.readline(MAX_LINE):
            end = offset + len(line)
            refused = None
            if len(line) == MAX_LINE and not line.endswith(b"\n"):
                line, length = _long_line(line, f)
                end = offset + length
                size = length - line.endswith(b"\n")
                refused = (
                    f"line too long: {size:,} bytes, over the {MAX_LINE:,}-byte limit; not "
                    "parsed" + (f", its first {MAX_KEPT:,} bytes kept" if size > MAX_KEPT else "")
                )
            if not line.endswith(b"\n") and not self._complete(t, raw):
                return
            content = _strip(line)
            if head is None:
                head = content
                file_id = _short(head)
                head_text = head.decode("utf-8", "backslashreplace")
            entry.offset = end
            if not t.gz and entry.head_len < HEAD_MAX and end > entry.head_len:
                entry.set_head(os.pread(raw.fileno(), HEAD_MAX, 0))
            if offset == 0:
                content = content.removeprefix(_BOM)
            if content and not content.isspace():
                text, not_utf8 = _decode(content)
                yield RawRecord(
                    data=text,
                    position=f"{file_id}:{offset}:{_short(content)}",
                    label=f"{t.path}:{offset}",
                    stream=file_id,
                    reference_time=t.mtime,
                    head=head_text,
                    refused=refused,
                    not_utf8=not_utf8,
                )
            offset = end
        if t.gz:
            entry.done = True

    def _documents(self, t: _Target, f: IO[bytes], raw: IO[bytes]) -> Iterator[RawRecord]:
        """The records of a file that is one JSON document, after those read before."""
        entry = t.entry
        file_id = _short(_strip(f.readline(MAX_LINE)))
        f.seek(0)
        try:
            for index, value in enumerate(_json_records(f)):
                if index < entry.records:
                    continue
                entry.records = index + 1
                yield RawRecord(
                    data=value,
                    position=f"{file_id}:#{index}",
                    label=f"{t.path}: record {index}",
                    stream=file_id,
                    reference_time=t.mtime,
                )
        except ijson.JSONError as exc:
            if not self._complete(t, raw):
                return  # still being written: the rest is read when it is whole
            at = f.tell()
            f.seek(max(0, at - MAX_KEPT // 2))
            yield RawRecord(
                data=f.read(MAX_KEPT).decode("utf-8", "backslashreplace"),
                position=f"{file_id}:#{entry.records}",
                label=f"{t.path}: record {entry.records}",
                stream=file_id,
                reference_time=t.mtime,
                refused=(
                    f"not JSON after record {entry.records} (near byte {at:,}): {exc}; "
                    "the records before it were read, the rest of the file is kept here"
                ),
            )
        entry.offset = t.size
        if t.gz:
            entry.done = True

    def _complete(self, t: _Target, raw: IO[bytes]) -> bool:
        """Whether an unterminated last line is taken as it is."""
        if self._final or t.gz:
            return True
        mtime = datetime.fromtimestamp(os.fstat(raw.fileno()).st_mtime, UTC)
        return self._clock.now() - mtime >= self._settle


def open_file_reader(
    config: FileSourceConfig, cursor: dict[str, Any] | None, *, clock: Clock, final: bool = False
) -> FileReader:
    """The reader for a configured file source, positioned at its saved cursor."""
    return FileReader(
        config.path,
        cursor,
        clock=clock,
        settle=config.settle,
        final=final,
        json_documents=config.format in JSON_DOCUMENT_FORMATS,
    )


JSON_DOCUMENT_FORMATS = frozenset({"cloudtrail"})
"""Formats whose files may be one JSON document (a CloudTrail log file) instead of lines."""

_DOCUMENT = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:\[|\{\s*\"Records\"\s*:|\{\s*\n)")
"""A head that opens an array, a ``Records`` document or an object on lines of its own."""
_SPLIT = frozenset({"Records.item", "item"})
_ENDS = frozenset({"end_map", "end_array"})
_STARTS = frozenset({"start_map", "start_array"})


def _json_records(f: IO[bytes]) -> Iterator[Any]:
    """Each record of a stream of JSON values: a ``Records`` array's and a top-level
    array's elements one by one (never the whole document in memory), other values whole."""
    top: ijson.ObjectBuilder | None = None
    item: ijson.ObjectBuilder | None = None
    split = False
    for prefix, event, value in ijson.parse(f, multiple_values=True, use_float=True):
        if item is not None:
            item.event(event, value)
            if prefix in _SPLIT and event in _ENDS:
                yield item.value
                item = None
        elif split and prefix in _SPLIT:
            if event in _STARTS:
                item = ijson.ObjectBuilder()
                item.event(event, value)
            else:
                yield value
        elif prefix == "" and event == "start_array":
            split = True
        elif prefix == "Records" and event == "start_array" and top is not None:
            top, split = None, True
        elif prefix == "" and event in _ENDS:
            if top is not None:
                top.event(event, value)
                yield top.value
            top, split = None, False
        elif top is not None:
            top.event(event, value)
        elif prefix == "" and event == "start_map":
            top = ijson.ObjectBuilder()
            top.event(event, value)
        elif prefix == "" and not split:
            yield value


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _short(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _long_line(start: bytes, f: IO[bytes]) -> tuple[bytes, int]:
    """The rest of a line longer than MAX_LINE, read in pieces: up to MAX_KEPT of it (and its
    ``\\n`` if it has one yet), and its length on disk."""
    kept, size, length = [start], len(start), len(start)
    ended = False
    while not ended and (piece := f.readline(MAX_LINE)):
        length += len(piece)
        ended = piece.endswith(b"\n")
        if size < MAX_KEPT:
            kept.append(piece[: MAX_KEPT - size].removesuffix(b"\n"))
            size += len(kept[-1])
    return b"".join(kept).removesuffix(b"\n") + (b"\n" if ended else b""), length


def _decode(content: bytes) -> tuple[str, str | None]:
    """The line as text; where it is not UTF-8, its bytes as escapes and where that is."""
    try:
        return content.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        where = f"not UTF-8: byte 0x{content[exc.start]:02x} at column {exc.start + 1}"
        return content.decode("utf-8", "backslashreplace"), where


_BOM = b"\xef\xbb\xbf"
"""Editors and Windows tools start UTF-8 files with it; it is no part of the first line."""


def _strip(line: bytes) -> bytes:
    return line.removesuffix(b"\n").removesuffix(b"\r")


@contextmanager
def _open(path: str, gz: bool) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """The file's (decompressed) lines and the raw file under them."""
    with open(path, "rb") as raw:
        if gz:
            with gzip.GzipFile(fileobj=raw, mode="rb") as lines:
                yield lines, raw
        else:
            yield raw, raw


def _consumed(target: _Target, raw: IO[bytes]) -> int:
    if raw.closed:
        return 0
    done = raw.tell() if target.gz or target.document else target.entry.offset - target.start
    return max(0, min(done, target.total))


def _candidate(path: str) -> _Candidate | None:
    """The file at ``path`` with its head; None when it is gone, empty or not a file."""
    gz = path.endswith(".gz")
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return None
        with _open(path, gz) as (f, _):
            head = f.read(HEAD_MAX)
    except FileNotFoundError:
        return None
    except _GZIP_ERRORS as exc:
        log.warning("%s: cannot decompress (%s); skipped until it can", path, exc)
        return None
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from exc
    return _Candidate(path, gz, st, head) if head else None


def _match(candidates: list[_Candidate], entries: list[_Entry]) -> dict[int, _Entry]:
    """Pair files with the entries whose head they start with, one to one.

    A gz read to its end has no more than its head when that is shorter than
    HEAD_MAX, so only a file of exactly that content is it. The most particular
    entries pair first (longer heads, then those read to the end); among files
    sharing a head, the oldest takes the entry, as a rotated file is older than its
    successor. Files sharing a head agree on the bytes up to any offset within it,
    so which of them continues an entry changes no record read.
    """
    by_key: dict[tuple[int, str], list[int]] = {}
    for j, e in enumerate(entries):
        by_key.setdefault(e.key(), []).append(j)
    lengths = sorted({e.head_len for e in entries}, reverse=True)
    pairs: list[tuple[int, bool, int, int]] = []
    for i, c in enumerate(candidates):
        for n in lengths:
            if n > len(c.head):
                continue
            for j in by_key.get((n, _digest(c.head[:n])), ()):
                done = entries[j].done
                if not done or n == HEAD_MAX or n == len(c.head):
                    pairs.append((-n, not done, i, j))
    pairs.sort()
    matched: dict[int, _Entry] = {}
    taken: set[int] = set()
    for _, _, i, j in pairs:
        if i not in matched and j not in taken:
            matched[i] = entries[j]
            taken.add(j)
    return matched
