"""The elasticsearch source against a live server: order, cursors, settling, query, failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from sentinel.config import ElasticsearchSourceConfig
from sentinel.ingest import Pipeline, ingest, load_cursor
from sentinel.parsers.jsonl import JsonlParser
from sentinel.sources import open_reader
from sentinel.sources.base import RawRecord, SourceError
from sentinel.sources.elasticsearch import ElasticsearchReader
from sentinel.store.es_client import Backoff
from sentinel.store.query import EventQuery
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock
from tests.store.es_server import EsTarget, Sleeps, es_prefix, es_target, sleeps

__all__ = ["es_prefix", "es_target", "sleeps"]

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def iso(ts: datetime) -> str:
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def filebeat(n: int, at: datetime, dataset: str = "nginx.access") -> dict[str, Any]:
    """A document as Filebeat ships it: nested ECS objects."""
    return {
        "@timestamp": iso(at),
        "event": {"dataset": dataset, "created": iso(at + timedelta(seconds=2))},
        "user": {"name": f"user{n}"},
        "source": {"ip": f"10.0.0.{n}"},
        "url": {"path": f"/members/{n}"},
        "log": {"offset": n * 100},
    }


@pytest.fixture
def index(es_target: EsTarget, es_prefix: str) -> Iterator[Any]:
    """An index of shipped access logs; call it with documents to add them."""
    name = f"{es_prefix}-filebeat"
    client: Elasticsearch = es_target.client()
    client.indices.create(
        index=name,
        mappings={
            "properties": {
                "@timestamp": {"type": "date"},
                "event": {
                    "properties": {"dataset": {"type": "keyword"}, "created": {"type": "date"}}
                },
            }
        },
    )

    def add(*docs: dict[str, Any]) -> str:
        for doc in docs:
            client.index(index=name, document=doc)
        client.indices.refresh(index=name)
        return name

    add.name = name  # type: ignore[attr-defined]
    yield add
    client.close()


def config(es_target: EsTarget, index: str, **extra: Any) -> ElasticsearchSourceConfig:
    return ElasticsearchSourceConfig(
        name="web",
        url=es_target.url,
        index=index,
        connection=es_target.connection,
        **{"page_size": 3, **extra},
    )


def read(reader: ElasticsearchReader, stop_after: int | None = None) -> list[RawRecord]:
    out = []
    for record in reader.records():
        out.append(record)
        if stop_after is not None and len(out) >= stop_after:
            break
    return out


def users(records: list[RawRecord]) -> list[str]:
    return [r.data["user"]["name"] for r in records]  # type: ignore[index]


def test_reads_every_document_oldest_first_then_only_new_ones(
    es_target: EsTarget, index: Any, clock: ManualClock
) -> None:
    name = index(*(filebeat(n, T0 + timedelta(minutes=10 - n)) for n in range(10)))
    cfg = config(es_target, name)

    reader = ElasticsearchReader(cfg, None, clock=clock)
    records = read(reader)

    assert users(records) == [f"user{n}" for n in reversed(range(10))]
    assert len({r.position for r in records}) == 10
    assert reader.cursor()["since"] == iso(T0 + timedelta(minutes=10))
    assert reader.progress() == (10, None)
    assert read(ElasticsearchReader(cfg, reader.cursor(), clock=clock)) == []

    index(filebeat(20, T0 + timedelta(minutes=30)), filebeat(21, T0 + timedelta(minutes=31)))
    assert users(read(ElasticsearchReader(cfg, reader.cursor(), clock=clock))) == [
        "user20",
        "user21",
    ]


def test_documents_sharing_a_timestamp_are_each_read_once_wherever_a_pull_stops(
    es_target: EsTarget, index: Any, clock: ManualClock
) -> None:
    same = T0 + timedelta(minutes=5)
    name = index(
        filebeat(0, T0),
        *(filebeat(n, same) for n in range(1, 7)),
        filebeat(7, T0 + timedelta(minutes=6)),
    )
    cfg = config(es_target, name, page_size=2)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        reader = ElasticsearchReader(cfg, cursor, clock=clock)
        part = users(read(reader, stop_after=3))
        if not part:
            break
        seen += part
        cursor = reader.cursor()
    assert sorted(seen) == [f"user{n}" for n in range(8)]
    assert seen[0] == "user0" and seen[-1] == "user7"


def test_recent_documents_wait_until_they_have_settled(
    es_target: EsTarget, index: Any, clock: ManualClock
) -> None:
    name = index(filebeat(1, clock.now() - timedelta(minutes=5)), filebeat(2, clock.now()))
    cfg = config(es_target, name)

    reader = ElasticsearchReader(cfg, None, clock=clock)
    assert users(read(reader)) == ["user1"]

    clock.advance(minutes=2)
    assert users(read(ElasticsearchReader(cfg, reader.cursor(), clock=clock))) == ["user2"]


def test_a_longer_settle_time_waits_for_slow_shippers(
    es_target: EsTarget, index: Any, clock: ManualClock
) -> None:
    name = index(filebeat(1, clock.now() - timedelta(minutes=5)))
    cfg = config(es_target, name).model_copy(update={"settle": timedelta(minutes=10)})
    assert users(read(ElasticsearchReader(cfg, None, clock=clock))) == []
    clock.advance(minutes=6)
    assert users(read(ElasticsearchReader(cfg, None, clock=clock))) == ["user1"]


def test_the_configured_query_and_timestamp_field_select_and_order(
    es_target: EsTarget, index: Any, clock: ManualClock
) -> None:
    name = index(
        filebeat(1, T0 + timedelta(minutes=2)),
        filebeat(2, T0 + timedelta(minutes=1), dataset="nginx.error"),
        filebeat(3, T0),
    )
    cfg = config(
        es_target,
        name,
        query={"term": {"event.dataset": "nginx.access"}},
        timestamp_field="event.created",
    )
    assert users(read(ElasticsearchReader(cfg, None, clock=clock))) == ["user3", "user1"]


def test_a_missing_index_is_named(es_target: EsTarget, es_prefix: str, clock: ManualClock) -> None:
    cfg = config(es_target, f"{es_prefix}-nothing-here")
    with pytest.raises(SourceError, match=f"index {es_prefix}-nothing-here does not exist"):
        read(ElasticsearchReader(cfg, None, clock=clock))


def test_an_unreachable_cluster_is_a_source_error_after_retries(
    es_target: EsTarget, clock: ManualClock, sleeps: Sleeps
) -> None:
    cfg = config(es_target, "logs").model_copy(update={"url": "http://127.0.0.1:9"})
    reader = ElasticsearchReader(cfg, None, clock=clock, backoff=Backoff(attempts=3, sleep=sleeps))
    with pytest.raises(SourceError, match="opening a point in time on logs"):
        read(reader)
    assert sleeps.pauses == [0.5, 1.0]


def test_a_cursor_of_another_kind_is_refused_and_kept(
    es_target: EsTarget, clock: ManualClock
) -> None:
    reader = ElasticsearchReader(config(es_target, "logs"), {"offset": 3}, clock=clock)
    with pytest.raises(SourceError, match="not an elasticsearch cursor"):
        read(reader)
    assert reader.cursor() == {"offset": 3}


def test_shipped_documents_become_events_once(
    es_target: EsTarget, index: Any, clock: ManualClock, sqlite_store: SQLiteStore
) -> None:
    name = index(*(filebeat(n, T0 + timedelta(seconds=n)) for n in range(5)))
    cfg = config(es_target, name, field_map={"log.offset": "labels.offset"})
    pipeline = Pipeline(
        source="web", parser=JsonlParser(field_map=cfg.field_map), enrich=None, clock=clock
    )

    def pull() -> int:
        reader = open_reader(cfg, load_cursor(sqlite_store, "web"), clock=clock)
        return ingest(reader, pipeline, sqlite_store, batch_size=2).stored

    assert pull() == 5
    assert pull() == 0
    page = sqlite_store.search_events(EventQuery(), limit=10, ascending=True)
    assert [e.get("user.name") for e in page.events] == [f"user{n}" for n in range(5)]
    assert page.events[3].get("labels.offset") == 300
    assert page.events[3].timestamp == T0 + timedelta(seconds=3)
