"""The audit trail: append-only, hash-chained, and tampering is named by entry."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import orjson

from sentinel import audit
from sentinel.store.sqlite import SQLiteStore, path_from_url
from tests.conftest import ManualClock


def _fill(store: SQLiteStore, clock: ManualClock, n: int) -> list[audit.AuditEntry]:
    out = []
    for i in range(n):
        clock.advance(minutes=1)
        out.append(
            audit.append(
                store, clock, "alice", "incident.note", f"INC-{i % 2}", {"text": f"note {i}"}
            )
        )
    return out


def _sql(store: SQLiteStore, statement: str, *params: object) -> None:
    with sqlite3.connect(path_from_url(store.url)) as conn:
        cur = conn.execute(statement, params)
        assert cur.rowcount == 1


def test_entries_are_numbered_and_chained(sqlite_store: SQLiteStore, clock: ManualClock) -> None:
    written = _fill(sqlite_store, clock, 3)
    assert [e.seq for e in written] == [1, 2, 3]
    assert written[0].prev == audit.GENESIS
    assert written[1].prev == written[0].hash
    assert written[2].prev == written[1].hash
    assert written[2].at == clock.now()
    result = audit.verify(sqlite_store)
    assert result.ok and result.entries == 3


def test_empty_trail_verifies(sqlite_store: SQLiteStore) -> None:
    assert audit.verify(sqlite_store).ok


def test_entries_for_one_subject(sqlite_store: SQLiteStore, clock: ManualClock) -> None:
    _fill(sqlite_store, clock, 5)
    mine = audit.entries(sqlite_store, subject="INC-1")
    assert [e.seq for e in mine] == [2, 4]
    assert mine[0].details == {"text": "note 1"}


def test_edited_row_is_named(sqlite_store: SQLiteStore, clock: ManualClock) -> None:
    _fill(sqlite_store, clock, 4)
    _sql(
        sqlite_store,
        "UPDATE records SET data = json_set(data, '$.details.text', 'nothing happened') "
        "WHERE kind = 'audit' AND id = ?",
        audit.seq_id(2),
    )
    result = audit.verify(sqlite_store)
    assert not result.ok
    assert (result.seq, result.problem) == (2, "edited")
    assert "entry 2" in result.message
    assert result.entries == 1


def test_rewritten_hash_is_caught_by_the_next_entry(
    sqlite_store: SQLiteStore, clock: ManualClock
) -> None:
    entries = _fill(sqlite_store, clock, 3)
    forged = {
        "seq": 2,
        "at": "2026-03-10T12:02:00.000Z",
        "actor": "mallory",
        "action": "incident.note",
        "subject": "INC-1",
        "details": {"text": "forged"},
        "prev": entries[0].hash,
    }
    data = orjson.dumps({**forged, "hash": audit.entry_hash(forged)}).decode()
    _sql(
        sqlite_store,
        "UPDATE records SET data = ? WHERE kind = 'audit' AND id = ?",
        data,
        audit.seq_id(2),
    )
    result = audit.verify(sqlite_store)
    assert (result.ok, result.seq, result.problem) == (False, 2, "edited")


def test_removed_row_is_named(sqlite_store: SQLiteStore, clock: ManualClock) -> None:
    _fill(sqlite_store, clock, 5)
    _sql(sqlite_store, "DELETE FROM records WHERE kind = 'audit' AND id = ?", audit.seq_id(3))
    result = audit.verify(sqlite_store)
    assert (result.ok, result.seq, result.problem) == (False, 3, "removed")
    assert "entry 3 is missing" in result.message


def test_removed_last_row_is_named(sqlite_store: SQLiteStore, clock: ManualClock) -> None:
    _fill(sqlite_store, clock, 4)
    _sql(sqlite_store, "DELETE FROM records WHERE kind = 'audit' AND id = ?", audit.seq_id(4))
    result = audit.verify(sqlite_store)
    assert (result.ok, result.seq, result.problem) == (False, 4, "removed")


def test_reordered_rows_are_named(sqlite_store: SQLiteStore, clock: ManualClock) -> None:
    _fill(sqlite_store, clock, 4)
    with sqlite3.connect(path_from_url(sqlite_store.url)) as conn:
        rows = dict(
            conn.execute(
                "SELECT id, data FROM records WHERE kind = 'audit' AND id IN (?, ?)",
                (audit.seq_id(2), audit.seq_id(3)),
            ).fetchall()
        )
        for a, b in ((2, 3), (3, 2)):
            conn.execute(
                "UPDATE records SET data = ? WHERE kind = 'audit' AND id = ?",
                (rows[audit.seq_id(b)], audit.seq_id(a)),
            )
    result = audit.verify(sqlite_store)
    assert (result.ok, result.seq, result.problem) == (False, 2, "reordered")


def test_concurrent_writers_never_share_a_number(
    sqlite_store: SQLiteStore, clock: ManualClock
) -> None:
    """Two writers (threads, each with its own connection) append at once; the chain holds."""
    other = SQLiteStore(sqlite_store.url)
    errors: list[BaseException] = []

    def write(store: SQLiteStore, who: str) -> None:
        try:
            for i in range(25):
                audit.append(store, clock, who, "test.write", "S", {"i": i})
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(sqlite_store, "a")),
        threading.Thread(target=write, args=(other, "b")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert not errors
    result = audit.verify(sqlite_store)
    assert result.ok and result.entries == 50


def test_appends_continue_across_restarts(sqlite_store: SQLiteStore, clock: ManualClock) -> None:
    _fill(sqlite_store, clock, 2)
    reopened = SQLiteStore(sqlite_store.url)
    clock.advance(timedelta(hours=1))
    entry = audit.append(reopened, clock, "bob", "incident.status", "INC-0", {"to": "closed"})
    reopened.close()
    assert entry.seq == 3
    assert audit.verify(sqlite_store).ok
