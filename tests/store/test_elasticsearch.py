"""What only the Elasticsearch store has: templates and checks, bulk sizing, retries, faults.

Faults come from a proxy in the test process (proxy.py) between the store and
the live server: dropped connections, lost answers, 429s for whole requests and
for single documents. Backoff pauses are recorded, never slept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.events import Event, event_id
from sentinel.ingest import CHECKPOINT, IngestReport, Pipeline, Retry, ingest, load_cursor
from sentinel.parsers.jsonl import JsonlParser
from sentinel.sources.base import RawRecord
from sentinel.store import StoreError, StoreUnavailable, open_store
from sentinel.store import elasticsearch as es_module
from sentinel.store.base import Holds
from sentinel.store.budget import metered
from sentinel.store.elasticsearch import ElasticsearchStore
from sentinel.store.es_client import Backoff
from sentinel.store.es_mappings import TEMPLATE_VERSION, record_mappings
from sentinel.store.query import Aggregation, EventQuery, Match
from tests.conftest import ManualClock
from tests.store.es_server import EsTarget, Sleeps
from tests.store.proxy import FaultPlan, Seen, after, fault_proxy, first

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def ev(n: int, **fields: Any) -> Event:
    fields.setdefault("user.name", f"user{n % 3}")
    fields.setdefault("source.ip", f"10.0.0.{n % 250}")
    return Event(
        id=event_id("app", f"line:{n}"),
        timestamp=T0 + timedelta(seconds=n),
        source="app",
        fields=fields,
    )


@pytest.fixture
def plan() -> FaultPlan:
    return FaultPlan()


@pytest.fixture
def proxied(es_target: EsTarget, es_prefix: str, plan: FaultPlan, sleeps: Sleeps) -> Iterator[Any]:
    """Makes stores on the test's prefix that reach the server through the fault proxy."""
    direct = ElasticsearchStore(es_target.url, es_target.settings(es_prefix))
    direct.init()
    direct.close()
    with fault_proxy(es_target.url, plan) as url:
        opened: list[ElasticsearchStore] = []

        def make(attempts: int = 4, **settings: Any) -> ElasticsearchStore:
            store = ElasticsearchStore(
                url,
                es_target.settings(es_prefix, **settings),
                backoff=Backoff(attempts=attempts, sleep=sleeps),
            )
            opened.append(store)
            return store

        yield make
        for store in opened:
            store.close()


# schema ----------------------------------------------------------------------
def test_init_twice_has_nothing_to_do_the_second_time(es_store: ElasticsearchStore) -> None:
    assert es_store.init() == ["nothing to do: templates and indices are in place"]
    assert es_store.check() == []


def test_check_names_what_is_missing_and_init_creates_it(
    es_store: ElasticsearchStore, es_target: EsTarget
) -> None:
    names = es_store.names
    client = es_target.client()
    client.indices.delete_index_template(name=names.events)
    client.indices.delete(index=names.records)
    client.close()

    assert es_store.check() == [
        f"index template {names.events} is missing: run `sentinel store init`",
        f"index {names.records} is missing: run `sentinel store init`",
    ]
    assert es_store.init() == [
        f"created index template {names.events}",
        f"created index {names.records}",
    ]
    assert es_store.check() == []


def test_check_reports_an_outdated_template_and_init_updates_it(
    es_store: ElasticsearchStore, es_target: EsTarget
) -> None:
    name = es_store.names.dead_letters
    client = es_target.client()
    body = es_store.names.templates()[name]
    client.indices.put_index_template(name=name, **{**body, "version": 0})
    client.close()

    assert es_store.check() == [
        f"index template {name} is version 0, expected {TEMPLATE_VERSION}: "
        "run `sentinel store init`"
    ]
    assert es_store.init() == [
        f"updated index template {name} to version {TEMPLATE_VERSION} "
        "(indices created from now on use it)"
    ]


def test_a_records_index_from_before_list_items_were_indexed_gets_them_at_init(
    es_store: ElasticsearchStore, es_target: EsTarget
) -> None:
    names = es_store.names
    client = es_target.client()
    client.indices.delete(index=names.records)
    client.indices.delete_index_template(name=names.records)
    mappings = record_mappings()
    older = [t for t in mappings["dynamic_templates"] if "k_member" not in t]
    client.indices.create(index=names.records, mappings={**mappings, "dynamic_templates": older})
    client.close()
    fix = "run `sentinel store init`"

    assert es_store.check() == [
        f"index template {names.records} is missing: {fix}",
        f"index {names.records} does not index the text items of record lists, "
        f"so list matches miss records: {fix}",
    ]
    assert es_store.init() == [
        f"created index template {names.records}",
        f"index {names.records} now indexes the text items of record lists",
    ]
    assert es_store.check() == []
    es_store.create_record("alert", "a1", {"terms": ["user=kim"]})
    assert [r.id for r in es_store.find_records("alert", {"terms": Holds("user=kim")})] == ["a1"]


def test_check_reports_an_event_index_with_wrong_types_or_outside_the_alias(
    es_store: ElasticsearchStore, es_target: EsTarget
) -> None:
    names = es_store.names
    client = es_target.client()
    client.indices.put_index_template(
        name=names.events,
        index_patterns=[names.event_pattern],
        priority=200,
        version=TEMPLATE_VERSION,
        template={
            "mappings": {"properties": {"source": {"properties": {"ip": {"type": "keyword"}}}}}
        },
    )
    client.indices.create(index=f"{names.events}-2020.01")
    client.close()

    problems = es_store.check()

    template = f"index template {names.events}"
    index = f"event index {names.events}-2020.01"
    assert problems == [
        f"{template} maps @timestamp as nothing, expected date: run `sentinel store init`",
        f"{template} maps event.id as nothing, expected keyword: run `sentinel store init`",
        f"{template} maps event.dataset as nothing, expected keyword: run `sentinel store init`",
        f"{template} maps source.ip as keyword, expected ip: run `sentinel store init`",
        f"{template} does not set alias {names.events}: run `sentinel store init`",
        f"{index} is not behind alias {names.events}, so searches miss it: "
        "add it with POST _aliases",
        *(
            f"{index} maps {field} as {actual}, expected {expected}: reindex it into an "
            "index created after `sentinel store init`"
            for field, actual, expected in [
                ("@timestamp", "nothing", "date"),
                ("event.id", "nothing", "keyword"),
                ("event.dataset", "nothing", "keyword"),
                ("source.ip", "keyword", "ip"),
            ]
        ),
    ]
    assert es_store.init() == [
        f"updated index template {names.events} to version {TEMPLATE_VERSION} "
        "(indices created from now on use it)"
    ]
    assert [p for p in es_store.check() if p.startswith("index template")] == []


def test_an_http_store_url_opens_the_elasticsearch_store(es_target: EsTarget) -> None:
    store = open_store(es_target.url, es_target.settings("topen"))
    assert isinstance(store, ElasticsearchStore)
    assert store.names.records == "topen-records"
    store.close()


@pytest.mark.usefixtures("es_prefix")
def test_a_server_refusing_elastics_media_type_gets_a_hint(es_target: EsTarget) -> None:
    if not es_target.osmem:
        pytest.skip("only an OpenSearch-speaking server refuses the media type")
    store = ElasticsearchStore(
        es_target.url,
        es_target.settings("tmedia", compatibility="elasticsearch"),
        backoff=Backoff(attempts=1),
    )
    with pytest.raises(StoreError, match='compatibility = "opensearch"'):
        store.init()
    store.close()


def test_events_go_to_monthly_indices_behind_the_alias(
    es_store: ElasticsearchStore, es_target: EsTarget
) -> None:
    march, april = ev(1), ev(2)
    april.timestamp = datetime(2026, 4, 2, tzinfo=UTC)
    es_store.write_events([march, april])
    client = es_target.client()
    aliased = client.indices.get_alias(name=es_store.names.events)
    mapping = client.indices.get_mapping(index=f"{es_store.names.events}-2026.03")
    client.close()

    assert sorted(aliased) == [
        f"{es_store.names.events}-2026.03",
        f"{es_store.names.events}-2026.04",
    ]
    props = mapping[f"{es_store.names.events}-2026.03"]["mappings"]["properties"]
    assert props["source"]["properties"]["ip"]["type"] == "ip"
    assert props["event"]["properties"]["id"]["type"] == "keyword"
    assert props["@timestamp"]["type"] == "date"


# writes ----------------------------------------------------------------------
def test_a_refused_document_is_reported_with_the_servers_reason_and_the_rest_kept(
    es_store: ElasticsearchStore,
) -> None:
    bad = ev(3, **{"source.ip": "not-an-ip"})
    result = es_store.write_events([ev(1), ev(2), bad, ev(4)])

    assert (result.stored, result.duplicates) == (3, 0)
    (rejected,) = result.rejected
    assert rejected.event == bad
    assert "mapper_parsing_exception" in rejected.reason
    assert "source.ip" in rejected.reason
    assert es_store.count_events(EventQuery()) == 3


class ListReader:
    """Records from a list; the cursor is the offset of the next one."""

    def __init__(self, records: list[dict[str, Any]], cursor: dict[str, Any] | None) -> None:
        self._records = records
        self._offset = int((cursor or {}).get("offset", 0))

    def records(self) -> Iterator[RawRecord]:
        while self._offset < len(self._records):
            n = self._offset
            self._offset += 1
            yield RawRecord(self._records[n], f"line:{n}", f"line {n}", "list")

    def cursor(self) -> dict[str, Any]:
        return {"offset": self._offset}

    def progress(self) -> tuple[int, int | None]:
        return self._offset, len(self._records)


def access_log(n: int) -> list[dict[str, Any]]:
    return [
        {
            "@timestamp": (T0 + timedelta(seconds=i)).isoformat(),
            "user": {"name": f"user{i % 7}"},
            "source": {"ip": f"10.0.{i // 250}.{i % 250}"},
            "event": {"action": "member_view"},
        }
        for i in range(n)
    ]


def pipeline(clock: ManualClock) -> Pipeline:
    return Pipeline(source="app", parser=JsonlParser(), enrich=None, clock=clock)


def test_ingest_turns_a_refused_document_into_a_dead_letter(
    es_store: ElasticsearchStore, clock: ManualClock
) -> None:
    records = access_log(5)
    records[2]["source"]["ip"] = "999.1.1.1"

    report = ingest(ListReader(records, None), pipeline(clock), es_store, batch_size=10)

    assert (report.stored, report.rejected, report.error) == (4, 1, None)
    (letter,) = es_store.dead_letters()
    assert letter.reason.startswith("store rejected: mapper_parsing_exception")
    assert "999.1.1.1" in letter.raw
    assert es_store.count_events(EventQuery()) == 4
    assert load_cursor(es_store, "app") == {"offset": 5}


def test_bulk_requests_are_sized_by_count_and_by_bytes(proxied: Any, plan: FaultPlan) -> None:
    store = proxied(bulk_max_docs=3)
    assert store.write_events([ev(n) for n in range(10)]).stored == 10
    assert sorted(b.body.count(b"\n") // 2 for b in plan.bulk_requests()) == [1, 3, 3, 3]

    plan.seen.clear()
    store = proxied(bulk_max_bytes=700)
    assert store.write_events([ev(n) for n in range(10, 20)]).stored == 10
    sizes = [len(b.body) for b in plan.bulk_requests()]
    assert len(sizes) > 2
    assert max(sizes) <= 700
    assert sum(b.body.count(b"\n") // 2 for b in plan.bulk_requests()) == 10


@dataclass
class MeetingPlan(FaultPlan):
    """Holds the first two bulk requests until both have arrived (or ten seconds pass)."""

    met: list[bool] = field(default_factory=list)
    meeting: threading.Barrier = field(default_factory=lambda: threading.Barrier(2))

    def __call__(self, request: Seen) -> Any:
        if request.path.split("?")[0].endswith("/_bulk") and len(self.met) < 2:
            try:
                self.meeting.wait(timeout=10)
                self.met.append(True)
            except threading.BrokenBarrierError:
                self.met.append(False)
        return super().__call__(request)


def test_the_bulk_requests_of_one_write_are_in_flight_together(
    es_target: EsTarget, es_prefix: str
) -> None:
    direct = ElasticsearchStore(es_target.url, es_target.settings(es_prefix))
    direct.init()
    direct.close()
    plan = MeetingPlan()
    with fault_proxy(es_target.url, plan) as url:
        store = ElasticsearchStore(
            url, es_target.settings(es_prefix, bulk_max_docs=3, bulk_concurrency=2)
        )
        try:
            result = store.write_events([ev(n) for n in range(10)])
            assert (result.stored, store.count_events(EventQuery())) == (10, 10)
        finally:
            store.close()
    assert plan.met == [True, True]
    assert len(plan.bulk_requests()) == 4


def test_a_429_storm_is_waited_out_with_growing_pauses(
    proxied: Any, plan: FaultPlan, sleeps: Sleeps
) -> None:
    plan.decide = first(3, "busy")
    store = proxied()

    result = store.write_events([ev(n) for n in range(10)])

    assert result.stored == 10
    assert sleeps.pauses == [0.5, 1.0, 2.0]
    assert store.count_events(EventQuery()) == 10


def test_documents_refused_as_busy_are_sent_again(
    proxied: Any, plan: FaultPlan, sleeps: Sleeps
) -> None:
    plan.decide = first(2, "bulk-busy")
    store = proxied()

    result = store.write_events([ev(n) for n in range(10)])

    assert (result.stored, result.duplicates, result.rejected) == (10, 0, [])
    assert len(sleeps.pauses) == 2


def test_dropped_connections_are_retried(proxied: Any, plan: FaultPlan) -> None:
    plan.decide = first(2, "drop")
    store = proxied()
    assert store.write_events([ev(n) for n in range(5)]).stored == 5
    assert store.count_events(EventQuery()) == 5


def test_an_outage_longer_than_the_retries_is_store_unavailable(
    proxied: Any, plan: FaultPlan, sleeps: Sleeps
) -> None:
    store = proxied(attempts=3)
    plan.decide = lambda _: "drop"

    with pytest.raises(StoreUnavailable, match="bulk write of 5 documents"):
        store.write_events([ev(n) for n in range(5)])
    with pytest.raises(StoreUnavailable, match="counting events"):
        store.count_events(EventQuery())
    plan.decide = first(5, "bulk-busy")
    with pytest.raises(StoreUnavailable, match="still refused after 3 tries"):
        store.write_events([ev(n) for n in range(5)])
    assert sleeps.pauses == [0.5, 1.0] * 3


def test_a_search_that_times_out_is_not_sent_again(
    proxied: Any, plan: FaultPlan, sleeps: Sleeps
) -> None:
    store = proxied(request_timeout="0.2s")
    store.write_events([ev(n) for n in range(3)])
    reads = ("/_search", "/_count")
    plan.decide = lambda seen: "hang" if any(r in seen.path for r in reads) else None

    with pytest.raises(StoreUnavailable, match="no answer within the request timeout"):
        list(store.aggregate(EventQuery(), Aggregation(group_by=("user.name",))))
    with pytest.raises(StoreUnavailable, match="counting events: no answer within"):
        store.count_events(EventQuery())
    assert len([s for s in plan.seen if any(r in s.path for r in reads)]) == 2
    assert sleeps.pauses == []


def test_a_record_write_whose_answer_was_lost_is_not_a_conflict(
    proxied: Any, plan: FaultPlan
) -> None:
    store = proxied()
    writes = first(1, "lost", bulk_only=False)
    plan.decide = lambda s: writes(s) if s.method == "PUT" and "/_doc/" in s.path else None

    created = store.create_record("incident", "INC-1", {"title": "export"})

    assert store.get_record("incident", "INC-1") == created
    assert sum(1 for s in plan.seen if s.fault == "lost") == 1
    writes = first(1, "lost", bulk_only=False)
    updated = store.update_record("incident", "INC-1", {"title": "export 2"}, created.version)
    assert store.get_record("incident", "INC-1") == updated


def test_ingest_resumes_from_the_checkpoint_with_no_event_lost_or_doubled(
    proxied: Any, plan: FaultPlan, es_store: ElasticsearchStore, clock: ManualClock
) -> None:
    records = access_log(120)
    store = proxied(attempts=2, bulk_max_docs=20)
    quick = Retry(attempts=2, sleep=lambda _: None)
    plan.decide = after(3, "drop")  # the server goes away after the third batch is written

    first_run = ingest(
        ListReader(records, load_cursor(store, "app")),
        pipeline(clock),
        store,
        batch_size=20,
        retry=quick,
    )

    assert first_run.error is not None and first_run.error.startswith("store unavailable")
    assert (first_run.batches, first_run.stored) == (2, 40)
    checkpoint = es_store.get_record(CHECKPOINT, "app")
    assert checkpoint is not None and checkpoint.data["cursor"] == {"offset": 40}

    plan.decide = lambda _: None  # back again
    second_run = ingest(
        ListReader(records, load_cursor(store, "app")),
        pipeline(clock),
        store,
        batch_size=20,
        retry=quick,
    )

    assert second_run.error is None
    assert (second_run.stored, second_run.duplicates) == (60, 20)
    es_store.refresh(es_store.names.events)
    assert es_store.count_events(EventQuery()) == 120
    (row,) = es_store.aggregate(EventQuery(), Aggregation(distinct="event.id"))
    assert (row.count, row.distinct) == (120, 120)
    assert load_cursor(es_store, "app") == {"offset": 120}


@pytest.mark.parametrize(
    ("block", "fix"),
    [
        ({"index.blocks.read_only_allow_delete": True}, "flood-stage watermark: free disk space"),
        ({"index.blocks.write": True}, "an index block stops writes"),
    ],
    ids=["disk full", "write block"],
)
def test_an_index_block_stops_ingest_at_its_checkpoint_and_the_next_run_resumes(
    es_target: EsTarget,
    es_prefix: str,
    es_store: ElasticsearchStore,
    sleeps: Sleeps,
    clock: ManualClock,
    block: dict[str, bool],
    fix: str,
) -> None:
    records = access_log(120)
    quick = Retry(attempts=2, sleep=lambda _: None)

    def run(upto: int) -> IngestReport:
        reader = ListReader(records[:upto], load_cursor(es_store, "app"))
        return ingest(reader, pipeline(clock), es_store, batch_size=20, retry=quick)

    assert (run(40).stored, load_cursor(es_store, "app")) == (40, {"offset": 40})
    client = es_target.client()
    indices = ",".join(client.indices.get(index=f"{es_prefix}-*"))
    client.indices.put_settings(index=indices, settings=block)
    try:
        refused = run(120)
    finally:
        client.indices.put_settings(index=indices, settings=dict.fromkeys(block))
        client.close()

    assert refused.error is not None and refused.error.startswith("store unavailable")
    assert "cluster_block_exception" in refused.error and fix in refused.error
    assert (refused.stored, refused.dead_letters) == (0, 0)
    assert len(sleeps.pauses) >= 3  # waited it out before giving up
    assert load_cursor(es_store, "app") == {"offset": 40}

    resumed = run(120)

    assert (resumed.error, resumed.stored, resumed.duplicates) == (None, 80, 0)
    es_store.refresh(es_store.names.events)
    (row,) = es_store.aggregate(EventQuery(), Aggregation(distinct="event.id"))
    assert (row.count, row.distinct) == (120, 120)
    assert es_store.count_dead_letters() == {}


# reads -----------------------------------------------------------------------
def test_a_search_after_a_write_refreshes_first_and_only_then(
    proxied: Any, plan: FaultPlan
) -> None:
    store = proxied()
    store.write_events([ev(1)])
    plan.seen.clear()

    store.count_events(EventQuery())
    store.count_events(EventQuery())
    store.create_record("alert", "a1", {"open": True})
    store.find_records("alert", {"open": True})

    def kind(s: Seen) -> str:
        return s.path.split("?")[0].rsplit("/", 1)[-1]

    assert [kind(s) for s in plan.seen] == [
        "_refresh",
        "_count",
        "_count",
        "alert%2Fa1",
        "_refresh",
        "_search",
    ]


def test_aggregations_and_first_seen_page_through_many_groups(
    es_store: ElasticsearchStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(es_module, "COMPOSITE_PAGE", 2)
    monkeypatch.setattr(es_module, "FIRST_SEEN_BATCH", 2)
    history = [ev(n, **{"user.name": f"u{n}"}) for n in range(0, 3)]
    window = [ev(n, **{"user.name": f"u{n - 100}"}) for n in range(100, 107)]
    es_store.write_events(history + window)
    query = EventQuery(start=T0 + timedelta(seconds=100), end=T0 + timedelta(hours=1))

    rows = list(es_store.aggregate(query, Aggregation(group_by=("user.name",))))
    new = es_store.first_seen(query, ("user.name",), T0 - timedelta(days=1))

    assert sorted(r.key[0] for r in rows) == [f"u{n}" for n in range(7)]
    assert sorted(r.key[0] for r in new) == [f"u{n}" for n in range(3, 7)]


def test_record_counts_page_through_many_groups(
    es_store: ElasticsearchStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(es_module, "COMPOSITE_PAGE", 2)
    for n in range(7):
        es_store.create_record("alert", f"a{n}", {"rule": f"r{n % 5}", "open": n < 3})

    counts = dict(es_store.count_records("alert", ("rule", "open")))

    assert counts == {
        ("r0", 1): 1,
        ("r1", 1): 1,
        ("r2", 1): 1,
        ("r3", 0): 1,
        ("r4", 0): 1,
        ("r0", 0): 1,
        ("r1", 0): 1,
    }


def test_event_searches_are_charged_to_the_open_budget_and_nothing_else(
    es_store: ElasticsearchStore,
) -> None:
    es_store.write_events([ev(n, **{"user.name": f"u{n}"}) for n in range(5)])
    es_store.count_events(EventQuery())  # refreshes before the meter opens
    with metered() as spent:
        rows = list(es_store.aggregate(EventQuery(), Aggregation(group_by=("user.name",))))
        page = es_store.search_events(EventQuery(), limit=3)
        es_store.put_record("rule_state", "r1", {"status": "ok"})
        es_store.get_record("rule_state", "r1")
    assert len(rows) == 5 and len(page.events) == 3
    # one composite aggregation, one search; records are not event searches
    assert spent.requests == 2
    assert spent.buckets == 5 and spent.hits == 4
    assert spent.bytes > 0


def test_search_pages_larger_than_one_request(
    es_store: ElasticsearchStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(es_module, "SEARCH_PAGE", 3)
    es_store.write_events([ev(n) for n in range(10)])
    page = es_store.search_events(EventQuery(), limit=8, ascending=True)
    assert [e.id for e in page.events] == [ev(n).id for n in range(8)]
    rest = es_store.search_events(EventQuery(), limit=8, after=page.next, ascending=True)
    assert [e.id for e in rest.events] == [ev(8).id, ev(9).id]
    assert rest.next is None


def test_distinct_counts_above_the_precision_threshold_say_they_are_approximate(
    es_target: EsTarget, es_prefix: str
) -> None:
    store = ElasticsearchStore(es_target.url, es_target.settings(es_prefix, precision_threshold=3))
    store.init()
    store.write_events([ev(n, **{"user.name": f"u{n}"}) for n in range(8)])

    (row,) = store.aggregate(EventQuery(), Aggregation(distinct="user.name"))
    (small,) = store.aggregate(
        EventQuery(filter=Match("user.name", "eq", "u1")), Aggregation(distinct="user.name")
    )
    store.close()

    assert row.approximate is True
    assert (small.distinct, small.approximate) == (1, False)


def test_purge_deletes_whole_monthly_indices(
    es_store: ElasticsearchStore, es_target: EsTarget
) -> None:
    events = [ev(n) for n in range(3)]
    for e, month in zip(events, (1, 2, 3), strict=True):
        e.timestamp = datetime(2026, month, 5, tzinfo=UTC)
    es_store.write_events(events)

    result = es_store.purge(datetime(2026, 3, 1, tzinfo=UTC))

    names = es_store.names
    assert result.indices == [f"{names.events}-2026.01", f"{names.events}-2026.02"]
    assert result.events == 2
    client = es_target.client()
    left = client.indices.get(index=names.event_pattern)
    client.close()
    assert sorted(left) == [f"{names.events}-2026.03"]
