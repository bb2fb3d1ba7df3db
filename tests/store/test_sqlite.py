"""What only the SQLite store does: bring a file written by an older Sentinel up to date."""

from __future__ import annotations

from pathlib import Path

from sentinel.store.base import Holds
from sentinel.store.sqlite import SQLiteStore


def test_a_file_from_before_list_items_were_indexed_gets_them_at_init(tmp_path: Path) -> None:
    store = SQLiteStore(f"sqlite:///{tmp_path / 'sentinel.db'}")
    store.init()
    store.create_record("alert", "a1", {"terms": ["user=kim", "ip=10.0.0.1"]})
    store.create_record("alert", "a2", {"terms": ["user=ann"]})
    for trigger in ("insert", "update", "delete"):
        store._run(f"DROP TRIGGER record_terms_{trigger}")
    store._run("DROP TABLE record_terms")
    assert store.check() == ["table record_terms is missing: run `sentinel store init`"]

    assert store.init() == ["created table record_terms"]

    assert store.check() == []
    assert [r.id for r in store.find_records("alert", {"terms": Holds("user=kim")})] == ["a1"]
    store.put_record("alert", "a2", {"terms": ["user=kim"]})
    assert [r.id for r in store.find_records("alert", {"terms": Holds("user=kim")})] == ["a1", "a2"]
    store.close()
