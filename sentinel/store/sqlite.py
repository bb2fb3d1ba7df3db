"""The embedded store: one SQLite file in WAL mode, for a single machine.

Hot event fields are real columns (some indexed); the full ECS document is
kept as JSON. Each thread gets its own connection, so scheduler jobs can read
while the ingest job writes.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from sentinel.events import TIMESTAMP, Event, epoch_ms, format_timestamp, from_epoch_ms
from sentinel.private_files import keep_private
from sentinel.store.base import (
    Between,
    ConflictError,
    DeadLetter,
    EventPage,
    Holds,
    PurgeResult,
    Record,
    RecordKey,
    Scalar,
    StoreError,
    StoreUnavailable,
    WriteResult,
    after_key,
)
from sentinel.store.budget import charge
from sentinel.store.query import (
    Aggregation,
    AggRow,
    EventQuery,
    EventTime,
    GroupSpan,
    Match,
    Windows,
    all_of,
    check_field,
    in_groups,
)
from sentinel.store.sql_filter import COLUMNS, cidr_match, compile_filter, field_sql, regexp

# Event columns after id/ts/source, in insert order, with the ECS field each holds.
_HOT = [(f, c) for f, c in COLUMNS.items() if c not in ("ts", "id", "source")]
_HOT_FIELDS = tuple(f for f, _ in _HOT)


def _key(name: str) -> str:
    """A record key's value; the same text in the indexes below and in queries, so they match."""
    return f"json_extract(data, '$.\"{check_field(name)}\"')"


_RECORD_INDEXES = {
    "last_seen": ("last_seen",),
    "created": ("created",),
    "group_key": ("group_key", "last_seen"),
    "rule": ("rule", "open"),
    "rule_name": ("rule_name", "last_seen"),
    "status": ("status", "last_seen"),
    "status_created": ("status", "created"),
    "rule_open": ("rule_name", "open"),
    "first_seen": ("first_seen", "rule_name"),
}
"""Expression indexes on records, by what finds them: lists people page through (the alert
queue by last seen, filtered on a rule or a status; incidents and notifications by
creation, of one status too: the overview's failed notifications), an alert's group
looked up on every detection, a rule's open alerts (the watchdog, flatline rules), and
the counts per rule and per day. A record of another kind simply has null there."""

_INDEXED_TERMS = (
    "INSERT INTO record_terms (kind, key, term, id) "
    "SELECT DISTINCT r.kind, k.key, t.value, r.id "
    "FROM records r, json_each(r.data) k, json_each(k.value) t "
    "WHERE k.type = 'array' AND t.type = 'text'"
)
"""The text items of every record's top-level lists (what the triggers keep up to date),
for a store whose records were written before the terms were kept."""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS events (
    id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    source TEXT NOT NULL COLLATE NOCASE,
    {", ".join(f"{c} {'TEXT COLLATE NOCASE'}" for _, c in _HOT)},
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events(id);
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
CREATE INDEX IF NOT EXISTS events_source_ts ON events(source, ts);
CREATE INDEX IF NOT EXISTS events_action_ts ON events(action, ts);
CREATE TABLE IF NOT EXISTS dead_letters (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    position TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    received INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_source ON dead_letters(source, received);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS record_terms (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    term TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (kind, key, term, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS record_terms_id ON record_terms(kind, id);
-- An item twice in one list is one term: DISTINCT, as an upsert's conflict policy would
-- override the trigger's own.
CREATE TRIGGER IF NOT EXISTS record_terms_insert AFTER INSERT ON records BEGIN
    INSERT INTO record_terms (kind, key, term, id)
    SELECT DISTINCT NEW.kind, k.key, t.value, NEW.id
    FROM json_each(NEW.data) k, json_each(k.value) t
    WHERE k.type = 'array' AND t.type = 'text';
END;
CREATE TRIGGER IF NOT EXISTS record_terms_update AFTER UPDATE OF data ON records BEGIN
    DELETE FROM record_terms WHERE kind = OLD.kind AND id = OLD.id;
    INSERT INTO record_terms (kind, key, term, id)
    SELECT DISTINCT NEW.kind, k.key, t.value, NEW.id
    FROM json_each(NEW.data) k, json_each(k.value) t
    WHERE k.type = 'array' AND t.type = 'text';
END;
CREATE TRIGGER IF NOT EXISTS record_terms_delete AFTER DELETE ON records BEGIN
    DELETE FROM record_terms WHERE kind = OLD.kind AND id = OLD.id;
END;
""" + "".join(
    f"CREATE INDEX IF NOT EXISTS records_{name} "
    f"ON records(kind, {', '.join(_key(k) for k in keys)}, id);\n"
    for name, keys in _RECORD_INDEXES.items()
)

_NEWEST_PER_SOURCE = """
WITH RECURSIVE seen(source) AS (
    SELECT (SELECT source FROM events ORDER BY source LIMIT 1)
    UNION ALL
    SELECT (SELECT source FROM events WHERE source > seen.source ORDER BY source LIMIT 1)
    FROM seen WHERE seen.source IS NOT NULL
)
SELECT source, (SELECT MAX(ts) FROM events WHERE events.source = seen.source)
FROM seen WHERE source IS NOT NULL
"""

_EXPECTED = {
    "events": {"id", "ts", "source", "doc", *(c for _, c in _HOT)},
    "dead_letters": {"id", "source", "position", "reason", "raw", "received"},
    "records": {"kind", "id", "version", "data"},
    "record_terms": {"kind", "key", "term", "id"},
}
_INSERT_EVENT = (
    f"INSERT OR IGNORE INTO events (id, ts, source, {', '.join(c for _, c in _HOT)}, doc) "
    f"VALUES ({', '.join('?' * (4 + len(_HOT)))})"
)
_PAGE_ROWS = 1000
_SPANS_PER_STATEMENT = 200
"""Group spans asked for in one statement (SQLite binds at most 32,766 parameters)."""


_WRITABLE = "make the file and its folder writable for this user, on a read-write filesystem"
_FAULTS = {
    sqlite3.SQLITE_FULL: ("its disk is full", "free space on it", True),
    sqlite3.SQLITE_READONLY: ("it is read-only", _WRITABLE, True),
    sqlite3.SQLITE_PERM: ("permission denied", "give this user access to it", True),
    sqlite3.SQLITE_CANTOPEN: ("it cannot be opened", _WRITABLE, True),
    sqlite3.SQLITE_CORRUPT: ("it is damaged", "restore it from a backup", True),
    sqlite3.SQLITE_NOTADB: ("it is not an SQLite database", "check store_url", True),
    sqlite3.SQLITE_IOERR: ("reading or writing it failed", "check the disk", False),
    sqlite3.SQLITE_BUSY: ("another process holds its lock", "try again", False),
    sqlite3.SQLITE_LOCKED: ("another connection holds its lock", "try again", False),
}


def store_fault(path: Path, exc: sqlite3.Error) -> StoreUnavailable:
    """One line naming the store file, the cause in words, SQLite's own words and the fix."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    cause, fix, lasting = _FAULTS.get(code, (None, None, False))
    if cause is None:
        return StoreUnavailable(f"SQLite store {path}: {exc}")
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
        cause = _unwritable(path) or cause
    return StoreUnavailable(f"SQLite store {path}: {cause} ({exc}); {fix}", lasting=lasting)


def _unwritable(path: Path) -> str | None:
    """Why the file's folder cannot take the store's writes (its journal lives there too)."""
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "its filesystem is mounted read-only"
    except OSError:
        return f"its folder {folder} does not exist or cannot be read"
    if not os.access(folder, os.W_OK):
        return f"its folder {folder} is not writable for this user"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only for this user"
    return None


def path_from_url(url: str) -> Path:
    """``sqlite:///var/x.db`` is relative to the working directory; ``sqlite:////abs`` absolute."""
    if not url.startswith("sqlite:///"):
        raise StoreError(f"not an SQLite URL: {url!r} (expected sqlite:///path/to/file.db)")
    return Path(url.removeprefix("sqlite:///"))


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _event_row(e: Event) -> tuple[Any, ...]:
    f = e.fields
    doc = dict(f)
    doc[TIMESTAMP] = format_timestamp(e.timestamp)
    doc["event.dataset"] = e.source
    doc["event.id"] = e.id
    hot = [f.get(name) for name in _HOT_FIELDS]
    return (e.id, epoch_ms(e.timestamp), e.source, *hot, orjson.dumps(doc).decode())


def _event_from_doc(doc: str) -> Event:
    return Event.from_document(orjson.loads(doc))


class SQLiteStore:
    """Store on one SQLite file; see the Store protocol for each operation's contract."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url
        self.path = path_from_url(url)
        self._timeout = timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # connections -------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                keep_private(self.path)
                conn = sqlite3.connect(
                    self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
                )
            except OSError as exc:
                raise StoreUnavailable(f"cannot open {self.path}: {exc}") from exc
            except sqlite3.Error as exc:
                raise store_fault(self.path, exc) from exc
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA cache_size=-65536")
                conn.execute("PRAGMA temp_store=MEMORY")
            except sqlite3.Error as exc:
                conn.close()
                raise store_fault(self.path, exc) from exc
            conn.create_function("regexp", 2, regexp, deterministic=True)
            conn.create_function("cidr_match", 2, cidr_match, deterministic=True)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _run(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._conn().execute(sql, params)
        except sqlite3.OperationalError as exc:
            raise store_fault(self.path, exc) from exc

    def _select(self, sql: str, params: Sequence[Any] = (), *, hits: bool = False) -> Iterator[Any]:
        """Rows of an event query, fetched in pages and charged to the open budget.

        Rows count as buckets, or as hits when they are events (``hits``).
        """
        started = time.perf_counter()
        cursor = self._run(sql, params)
        spent = time.perf_counter() - started
        rows = 0
        try:
            while True:
                started = time.perf_counter()
                batch = cursor.fetchmany(_PAGE_ROWS)
                spent += time.perf_counter() - started
                if not batch:
                    return
                rows += len(batch)
                yield from batch
        except sqlite3.OperationalError as exc:
            raise store_fault(self.path, exc) from exc
        finally:
            ms = round(spent * 1000)
            charge(buckets=0 if hits else rows, hits=rows if hits else 0, took_ms=ms)

    def _tx(self) -> _Transaction:
        return _Transaction(self._conn(), self.path)

    def init(self) -> list[str]:
        before = self._tables()
        try:
            self._conn().executescript(SCHEMA)
        except sqlite3.OperationalError as exc:
            if set(_EXPECTED) - before or exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_READONLY:
                raise store_fault(self.path, exc) from exc
            # A complete store on a read-only file still answers reads; writes say why not.
        created = sorted(set(_EXPECTED) - before)
        if "record_terms" in created and "records" in before:
            with self._tx():
                self._run(_INDEXED_TERMS)
        return [f"created table {t}" for t in created] or ["nothing to do: schema is complete"]

    def check(self) -> list[str]:
        problems = []
        for table, columns in _EXPECTED.items():
            have = {r[1] for r in self._run(f"PRAGMA table_info({table})")}
            if not have:
                problems.append(f"table {table} is missing: run `sentinel store init`")
            elif missing := columns - have:
                problems.append(f"table {table} lacks columns {', '.join(sorted(missing))}")
        return problems

    def _tables(self) -> set[str]:
        return {r[0] for r in self._run("SELECT name FROM sqlite_master WHERE type='table'")}

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # events ------------------------------------------------------------------
    def write_events(self, events: Sequence[Event]) -> WriteResult:
        if not events:
            return WriteResult()
        rows = [_event_row(e) for e in events]
        conn = self._conn()
        with self._tx():
            before = conn.total_changes
            conn.executemany(_INSERT_EVENT, rows)
            stored = conn.total_changes - before
        return WriteResult(stored=stored, duplicates=len(rows) - stored)

    def _where(self, query: EventQuery, params: list[Any]) -> str:
        parts = [compile_filter(query.filter, params)]
        if query.start is not None:
            parts.append("ts >= ?")
            params.append(epoch_ms(query.start))
        if query.end is not None:
            parts.append("ts < ?")
            params.append(epoch_ms(query.end))
        return " AND ".join(parts)

    def search_events(
        self,
        query: EventQuery,
        *,
        limit: int = 100,
        after: str | None = None,
        ascending: bool = False,
    ) -> EventPage:
        params: list[Any] = []
        where = self._where(query, params)
        if after:
            ts, rowid = _decode_cursor(after)
            sign = ">" if ascending else "<"
            where += f" AND (ts, rowid) {sign} (?, ?)"
            params += [ts, rowid]
        order = "ASC" if ascending else "DESC"
        rows = list(
            self._select(
                f"SELECT ts, rowid, doc FROM events WHERE {where} "
                f"ORDER BY ts {order}, rowid {order} LIMIT ?",
                [*params, limit + 1],
                hits=True,
            )
        )
        more = len(rows) > limit
        rows = rows[:limit]
        events = [_event_from_doc(r[2]) for r in rows]
        nxt = _encode_cursor(rows[-1][0], rows[-1][1]) if more and rows else None
        return EventPage(events=events, next=nxt)

    def count_events(self, query: EventQuery) -> int:
        params: list[Any] = []
        where = self._where(query, params)
        [(count,)] = self._select(f"SELECT COUNT(*) FROM events WHERE {where}", params)
        return int(count)

    def aggregate(self, query: EventQuery, agg: Aggregation) -> Iterator[AggRow]:
        params: list[Any] = []
        # Group and count distinct values by exact spelling, as Elasticsearch keywords do;
        # matching stays case-insensitive through the columns' NOCASE collation.
        keys = [f"{field_sql(f)} COLLATE BINARY" for f in agg.group_by]
        if agg.bucket is not None:
            size = int(agg.bucket.total_seconds() * 1000)
            off = int(agg.offset.total_seconds() * 1000) % size
            keys.append(f"((ts - {off}) / {size}) * {size} + {off}")
        select = [*keys, "COUNT(*)", "MIN(ts)", "MAX(ts)"]
        if agg.distinct:
            select.append(f"COUNT(DISTINCT {field_sql(agg.distinct)} COLLATE BINARY)")
        where = self._where(query, params)
        having = ["COUNT(*) >= ?"]
        having_params: list[Any] = [agg.min_count]
        if agg.distinct and agg.min_distinct:
            having.append(f"COUNT(DISTINCT {field_sql(agg.distinct)} COLLATE BINARY) >= ?")
            having_params.append(agg.min_distinct)
        group = f"GROUP BY {', '.join(keys)}" if keys else ""
        sql = (
            f"SELECT {', '.join(select)} FROM events WHERE {where} {group} "
            f"HAVING {' AND '.join(having)}"
        )
        n = len(agg.group_by)
        bucketed = agg.bucket is not None
        off = n + (1 if bucketed else 0)
        for row in self._select(sql, [*params, *having_params]):
            yield AggRow(
                key=tuple(row[:n]),
                count=row[off],
                first=from_epoch_ms(row[off + 1]),
                last=from_epoch_ms(row[off + 2]),
                distinct=row[off + 3] if agg.distinct else None,
                bucket=from_epoch_ms(row[n]) if bucketed else None,
            )

    def dense_windows(self, query: EventQuery, windows: Windows) -> Iterator[AggRow]:
        """The two grids of windows (starting at even and at odd multiples of the span)."""
        query = _grouped(query, windows.group_by)
        for offset in (timedelta(0), windows.span):
            agg = Aggregation(
                group_by=windows.group_by,
                distinct=windows.distinct,
                bucket=2 * windows.span,
                offset=offset,
                min_count=windows.minimum,
                min_distinct=windows.minimum if windows.distinct else 0,
            )
            for row in self.aggregate(query, agg):
                if query.start is None or (row.bucket is not None and row.bucket >= query.start):
                    yield row

    def activity(
        self,
        query: EventQuery,
        group_by: tuple[str, ...],
        bucket: timedelta,
        since: datetime,
        groups: Sequence[tuple[Any, ...]] = (),
    ) -> Iterator[AggRow]:
        """Named groups: one probe each for the last event before ``since`` (it stops at
        the first it meets, newest first), instead of aggregating their whole history."""
        query = _grouped(query, group_by)
        if groups:
            for group in groups:
                one = all_of(query.filter, in_groups(group_by, [group]))
                found = self.search_events(EventQuery(one, query.start, since), limit=1)
                if found.events:
                    at = found.events[0].timestamp
                    yield AggRow(group, 1, at, at)
            scope = all_of(query.filter, in_groups(group_by, groups))
        else:
            before = EventQuery(query.filter, query.start, since)
            yield from self.aggregate(before, Aggregation(group_by=group_by))
            scope = query.filter
        after = EventQuery(scope, since, query.end)
        yield from self.aggregate(after, Aggregation(group_by=group_by, bucket=bucket))

    def event_times(
        self,
        query: EventQuery,
        group_by: tuple[str, ...],
        spans: Sequence[GroupSpan],
        value: str | None = None,
    ) -> Iterator[EventTime]:
        """One statement per batch of spans: ``(group = … AND ts in span) OR …``.

        Spans are batched in time order and each statement is bounded by its batch's
        first start and last end, so SQLite reads the events of those hours through
        a time index, not every event the filter matches since the store began.
        """
        keys = [f"{field_sql(f)} COLLATE BINARY" for f in group_by]
        select = ", ".join([*keys, "ts", field_sql(value) if value else "NULL"])
        n = len(group_by)
        ordered = sorted(spans, key=lambda s: (s.start, s.end))
        for i in range(0, len(ordered), _SPANS_PER_STATEMENT):
            batch = ordered[i : i + _SPANS_PER_STATEMENT]
            lo, hi = batch[0].start, max(s.end for s in batch)
            lo = lo if query.start is None else max(lo, query.start)
            hi = hi if query.end is None else min(hi, query.end)
            params: list[Any] = []
            where = self._where(EventQuery(query.filter, lo, hi), params)
            alternatives = []
            for span in batch:
                alternatives.append(
                    "(" + " AND ".join(["ts >= ?", "ts < ?", *(f"{k} = ?" for k in keys)]) + ")"
                )
                params += [epoch_ms(span.start), epoch_ms(span.end), *span.key]
            sql = (
                f"SELECT {select} FROM events WHERE {where} AND ({' OR '.join(alternatives)}) "
                "ORDER BY ts"
            )
            for row in self._select(sql, params, hits=True):
                yield EventTime(tuple(row[:n]), from_epoch_ms(row[n]), row[n + 1])

    def first_seen(
        self, query: EventQuery, fields: tuple[str, ...], history_start: datetime
    ) -> Iterator[AggRow]:
        """One statement: the window's combinations without an earlier occurrence.

        The window is short, so it holds few combinations; for each, SQLite looks
        into the history only until it meets one earlier occurrence, which for
        anything familiar it meets quickly.
        """
        if query.start is None or query.end is None:
            raise StoreError("first_seen needs a window with a start and an end")
        params: list[Any] = []
        window = self._where(query, params)
        keys = [f"{field_sql(f)} COLLATE BINARY" for f in fields]
        named = ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
        earlier = compile_filter(query.filter, params)
        params += [epoch_ms(history_start), epoch_ms(query.start)]
        # the same match as a filter's: a value equals ignoring case, None is a missing field
        same = " AND ".join(
            f"{field_sql(f)} IS w.k{i} COLLATE NOCASE" for i, f in enumerate(fields)
        )
        sql = (
            f"SELECT * FROM (SELECT {named}, COUNT(*) AS n, MIN(ts) AS lo, MAX(ts) AS hi "
            f"FROM events WHERE {window} GROUP BY {', '.join(keys)}) AS w "
            f"WHERE NOT EXISTS (SELECT 1 FROM events WHERE {earlier} AND ts >= ? AND ts < ? "
            f"AND {same})"
        )
        n = len(fields)
        for row in self._select(sql, params):
            yield AggRow(
                key=tuple(row[:n]),
                count=row[n],
                first=from_epoch_ms(row[n + 1]),
                last=from_epoch_ms(row[n + 2]),
            )

    # dead letters ------------------------------------------------------------
    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> int:
        if not letters:
            return 0
        conn = self._conn()
        with self._tx():
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO dead_letters VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (d.id, d.source, d.position, d.reason, d.raw, epoch_ms(d.received))
                    for d in letters
                ],
            )
            return conn.total_changes - before

    def dead_letters(self, *, source: str | None = None, limit: int = 100) -> list[DeadLetter]:
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        rows = self._run(
            f"SELECT id, source, position, reason, raw, received FROM dead_letters {where} "
            "ORDER BY received DESC, id LIMIT ?",
            [*params, limit],
        )
        return [DeadLetter(r[0], r[1], r[2], r[3], r[4], from_epoch_ms(r[5])) for r in rows]

    def newest_per_source(self) -> dict[str, datetime]:
        """A skip scan of the (source, ts) index: one probe for each next source and one for
        its newest event. Sources are told apart ignoring case, as filters match them."""
        return {r[0]: from_epoch_ms(r[1]) for r in self._run(_NEWEST_PER_SOURCE)}

    def count_dead_letters(self) -> dict[str, int]:
        rows = self._run("SELECT source, COUNT(*) FROM dead_letters GROUP BY source")
        return {r[0]: r[1] for r in rows}

    # records -----------------------------------------------------------------
    def get_record(self, kind: str, id: str) -> Record | None:
        row = self._run(
            "SELECT version, data FROM records WHERE kind = ? AND id = ?", (kind, id)
        ).fetchone()
        return Record(kind, id, orjson.loads(row[1]), str(row[0])) if row else None

    def create_record(self, kind: str, id: str, data: Mapping[str, Any]) -> Record:
        try:
            self._run(
                "INSERT INTO records (kind, id, version, data) VALUES (?, ?, 1, ?)",
                (kind, id, _dumps(data)),
            )
        except sqlite3.IntegrityError:
            raise ConflictError(f"{kind} {id} already exists") from None
        return Record(kind, id, dict(data), "1")

    def update_record(self, kind: str, id: str, data: Mapping[str, Any], version: str) -> Record:
        cur = self._run(
            "UPDATE records SET version = version + 1, data = ? "
            "WHERE kind = ? AND id = ? AND version = ?",
            (_dumps(data), kind, id, int(version)),
        )
        if cur.rowcount != 1:
            current = self.get_record(kind, id)
            if current is None:
                raise ConflictError(f"{kind} {id} does not exist")
            raise ConflictError(
                f"{kind} {id} was changed by someone else (version {current.version}, "
                f"you had {version}); reload it and apply your change again"
            )
        return Record(kind, id, dict(data), str(int(version) + 1))

    def put_record(self, kind: str, id: str, data: Mapping[str, Any]) -> Record:
        row = self._run(
            "INSERT INTO records (kind, id, version, data) VALUES (?, ?, 1, ?) "
            "ON CONFLICT (kind, id) DO UPDATE SET version = version + 1, data = excluded.data "
            "RETURNING version",
            (kind, id, _dumps(data)),
        ).fetchone()
        return Record(kind, id, dict(data), str(row[0]))

    def delete_record(self, kind: str, id: str) -> bool:
        return self._run("DELETE FROM records WHERE kind = ? AND id = ?", (kind, id)).rowcount == 1

    def find_records(
        self,
        kind: str,
        where: Mapping[str, Any] | None = None,
        *,
        order_by: str | None = None,
        descending: bool = False,
        limit: int = 1000,
        after: str | RecordKey | None = None,
    ) -> list[Record]:
        params: list[Any] = [kind]
        clauses = ["kind = ?", *_record_where(kind, where, params)]
        direction = "DESC" if descending else "ASC"
        if order_by is None:
            if after is not None:
                clauses.append(f"id {'<' if descending else '>'} ?")
                params.append(after)
            order = f"id {direction}"
        else:
            value = _key(order_by)
            if after is not None:
                clause, values = _after_key(value, after_key(after), descending)
                clauses.append(clause)
                params.extend(values)
            order = f"{value} {direction}, id {direction}"
        rows = self._run(
            f"SELECT id, version, data FROM records WHERE {' AND '.join(clauses)} "
            f"ORDER BY {order} LIMIT ?",
            [*params, limit],
        )
        return [Record(kind, r[0], orjson.loads(r[2]), str(r[1])) for r in rows]

    def count_records(
        self, kind: str, group_by: Sequence[str], where: Mapping[str, Any] | None = None
    ) -> Iterator[tuple[tuple[Scalar, ...], int]]:
        params: list[Any] = [kind]
        clauses = " AND ".join(["kind = ?", *_record_where(kind, where, params)])
        if any(isinstance(v, Between) for v in (where or {}).values()):
            # The range picks the index holding it; read in a subquery kept apart (LIMIT -1),
            # the keys come from that index, where a GROUP BY over the table reads each record.
            names = ", ".join(f"k{n}" for n in range(len(group_by))) or "NULL"
            picked = ", ".join(f"{_key(k)} AS k{n}" for n, k in enumerate(group_by)) or "1"
            sql = (
                f"SELECT {names}, COUNT(*) FROM "
                f"(SELECT {picked} FROM records WHERE {clauses} LIMIT -1) GROUP BY {names}"
            )
        else:
            # Grouped along an index that starts with the keys, read from it in order.
            keys = ", ".join(_key(k) for k in group_by) or "NULL"
            sql = f"SELECT {keys}, COUNT(*) FROM records WHERE {clauses} GROUP BY {keys}"
        for *key, count in self._run(sql, params):
            yield tuple(key[: len(group_by)]), count

    # retention ---------------------------------------------------------------
    def purge(self, before: datetime) -> PurgeResult:
        cutoff = epoch_ms(before)
        result = PurgeResult()
        while True:
            with self._tx():
                n = self._run(
                    "DELETE FROM events WHERE rowid IN "
                    "(SELECT rowid FROM events WHERE ts < ? LIMIT 50000)",
                    (cutoff,),
                ).rowcount
            result.events += n
            if n == 0:
                break
        result.dead_letters = self._run(
            "DELETE FROM dead_letters WHERE received < ?", (cutoff,)
        ).rowcount
        return result


def _record_where(kind: str, where: Mapping[str, Any] | None, params: list[Any]) -> list[str]:
    """SQL conditions for ``find_records``' ``where``, in the very form the indexes hold."""
    clauses = []
    for key, value in (where or {}).items():
        value_of = _key(key)
        if value is None:
            clauses.append(f"{value_of} IS NULL")
        elif isinstance(value, Holds):
            for term in value.values:
                clauses.append(
                    "id IN (SELECT id FROM record_terms WHERE kind = ? AND key = ? AND term = ?)"
                )
                params += [kind, key, term]
        elif isinstance(value, Between):
            text = isinstance(value.low if value.low is not None else value.high, str)
            types = "= 'text'" if text else "IN ('integer', 'real')"
            clauses.append(f"typeof({value_of}) {types}")
            for op, bound in ((">=", value.low), ("<", value.high)):
                if bound is not None:
                    clauses.append(f"{value_of} {op} ?")
                    params.append(int(bound) if isinstance(bound, bool) else bound)
        elif isinstance(value, bool | int | float | str):
            clauses.append(f"{value_of} = ?")
            params.append(int(value) if isinstance(value, bool) else value)
        else:
            raise StoreError(f"cannot compare record key {key!r} with {type(value).__name__}")
    return clauses


def _after_key(value: str, key: tuple[Any, str], descending: bool) -> tuple[str, list[Any]]:
    """Records after ``key`` in (value, id) order; SQLite orders null before numbers before text."""
    last, last_id = key
    op = "<" if descending else ">"
    if last is None:
        if descending:
            return f"({value} IS NULL AND id < ?)", [last_id]
        return f"(({value} IS NULL AND id > ?) OR {value} IS NOT NULL)", [last_id]
    last = int(last) if isinstance(last, bool) else last
    nulls = f" OR {value} IS NULL" if descending else ""
    return f"({value} {op} ? OR ({value} = ? AND id {op} ?){nulls})", [last, last, last_id]


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on error; the writer lock is taken up front.

    A write SQLite cannot make (full disk, read-only file) leaves the store as it was
    and is raised as a ``StoreUnavailable`` naming the file and the cause.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    def __enter__(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise store_fault(self.path, exc) from exc

    def __exit__(self, exc_type: object, exc: BaseException | None, _tb: object) -> None:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return
            except sqlite3.OperationalError as failed:
                exc = failed
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError):
            raise store_fault(self.path, exc) from exc


def _grouped(query: EventQuery, group_by: tuple[str, ...]) -> EventQuery:
    """Only events that have every group field: the others belong to no group."""
    keyed = all_of(query.filter, *(Match(f, "exists", True) for f in group_by))
    return EventQuery(keyed, query.start, query.end)


def _encode_cursor(ts: int, rowid: int) -> str:
    return base64.urlsafe_b64encode(f"{ts}:{rowid}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        ts, rowid = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        return int(ts), int(rowid)
    except ValueError:
        raise StoreError(f"not a page cursor from this store: {cursor!r}") from None
