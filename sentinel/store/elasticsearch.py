"""The Elasticsearch store: events in monthly indices behind an alias, records, dead letters.

Everything large is paged inside the cluster (composite aggregations by
``after_key``, ``search_after``); distinct counts use ``cardinality`` with the
configured precision threshold and say when they are approximate. Records use
``if_seq_no``/``if_primary_term`` so a stale update fails. Elasticsearch shows
writes to searches only after a refresh: the store remembers which indices it
wrote and refreshes them before its next search of them, so what one store
object wrote it reads back at once; other processes see it within the cluster's
refresh interval.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import orjson
from elasticsearch import ApiError, Elasticsearch, NotFoundError

from sentinel.config import ElasticsearchStoreSettings
from sentinel.events import SOURCE_NAME, TIMESTAMP, Event, epoch_ms, from_epoch_ms
from sentinel.store import es_records
from sentinel.store.base import (
    ConflictError,
    DeadLetter,
    EventPage,
    PurgeResult,
    Record,
    RecordKey,
    Rejected,
    Scalar,
    StoreError,
    StoreUnavailable,
    WriteResult,
    after_key,
)
from sentinel.store.budget import charge, count_buckets
from sentinel.store.es_bulk import BulkWriter
from sentinel.store.es_client import Backoff, call, connect
from sentinel.store.es_filter import event_query
from sentinel.store.es_mappings import (
    REQUIRED_EVENT_TYPES,
    TEMPLATE_VERSION,
    Names,
    field_type,
    mapped_type,
    record_mappings,
)
from sentinel.store.query import (
    Aggregation,
    AggRow,
    And,
    EventQuery,
    EventTime,
    Filter,
    GroupSpan,
    Match,
    Or,
    Windows,
    all_of,
    in_groups,
)

T = TypeVar("T")

COMPOSITE_PAGE = 1000
"""Groups per composite-aggregation request."""
SEARCH_PAGE = 5000
"""Hits per request when a caller asks for more than this."""
FIRST_SEEN_BATCH = 1000
"""Window combinations looked up in history per request."""
FIRST_SEEN_VALUES = 20
"""With at most this many values per field in the window, the history lookup asks for
those values only (a terms include each); with more, it lists the history's combinations."""
SPANS_PER_SEARCH = 500
"""Group spans whose event times one search asks for."""
WINDOW_BUCKETS = 60_000
"""Buckets one request may bring back if every group's every window came back (a
cluster allows 65,536 by default); only windows holding the minimum do, so far fewer."""
_NO_INDEX = {"ignore_unavailable": True, "allow_no_indices": True}


class ElasticsearchStore:
    """Store on an Elasticsearch cluster; see the Store protocol for each operation's contract."""

    def __init__(
        self,
        url: str,
        settings: ElasticsearchStoreSettings | None = None,
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self.url = url
        self.settings = settings or ElasticsearchStoreSettings()
        self.names = Names(self.settings.index_prefix)
        self._backoff = backoff or Backoff()
        self._client: Elasticsearch = connect(url, self.settings)
        self._bulk = BulkWriter(
            self._client,
            self._backoff,
            max_docs=self.settings.bulk_max_docs,
            max_bytes=self.settings.bulk_max_bytes,
            concurrency=self.settings.bulk_concurrency,
        )
        self._dirty: set[str] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ElasticsearchStore({self.url!r}, prefix={self.names.prefix!r})"

    # plumbing ----------------------------------------------------------------
    def _call(self, what: str, fn: Callable[[], T], *, retry_timeouts: bool = True) -> T:
        return call(
            fn,
            self._backoff,
            what,
            unavailable=StoreUnavailable,
            failed=StoreError,
            retry_timeouts=retry_timeouts,
        )

    def _wrote(self, *indices: str) -> None:
        with self._lock:
            self._dirty.update(indices)

    def refresh(self, *indices: str) -> None:
        """Make writes visible to searches: the given indices, or all this store wrote."""
        with self._lock:
            targets = set(indices) or set(self._dirty)
            self._dirty -= targets
        if targets:
            self._call(
                "refreshing " + ", ".join(sorted(targets)),
                lambda: self._client.indices.refresh(index=",".join(sorted(targets)), **_NO_INDEX),
            )

    def _fresh(self, index: str) -> None:
        with self._lock:
            dirty = index in self._dirty
        if dirty:
            self.refresh(index)

    def _search(self, index: str, what: str, **body: Any) -> dict[str, Any]:
        self._fresh(index)
        response = self._call(
            what,
            lambda: self._client.search(index=index, **_NO_INDEX, **body),
            retry_timeouts=False,
        )
        result = dict(response)
        if index == self.names.events:
            _charge(response.meta.headers, result)
        return result

    # schema ------------------------------------------------------------------
    def init(self) -> list[str]:
        done: list[str] = []
        for name, body in self.names.templates().items():
            current = self._template(name)
            if current is None:
                done.append(f"created index template {name}")
            elif self._template_problems(name, current):
                done.append(
                    f"updated index template {name} to version {TEMPLATE_VERSION} "
                    "(indices created from now on use it)"
                )
            else:
                continue
            self._call(
                f"writing index template {name}",
                lambda name=name, body=body: self._client.indices.put_index_template(
                    name=name, **body
                ),
            )
        for index in (self.names.records, self.names.dead_letters):
            if not self._exists(index):
                self._create_index(index)
                done.append(f"created index {index}")
        if self._records_lack_templates():
            templates = record_mappings()["dynamic_templates"]
            self._call(
                f"updating the mapping of {self.names.records}",
                lambda: self._client.indices.put_mapping(
                    index=self.names.records, dynamic_templates=templates
                ),
            )
            done.append(f"index {self.names.records} now indexes the text items of record lists")
        return done or ["nothing to do: templates and indices are in place"]

    def _template(self, name: str) -> dict[str, Any] | None:
        try:
            found = self._call(
                f"reading index template {name}",
                lambda: self._client.indices.get_index_template(name=name),
            )
        except StoreError as exc:
            if isinstance(exc.__cause__, NotFoundError):
                return None
            raise
        for item in found["index_templates"]:
            if item["name"] == name:
                return dict(item["index_template"])
        return None

    def _exists(self, index: str) -> bool:
        return bool(
            self._call(f"looking for {index}", lambda: self._client.indices.exists(index=index))
        )

    def _create_index(self, index: str) -> None:
        try:
            self._call(f"creating {index}", lambda: self._client.indices.create(index=index))
        except StoreError as exc:
            cause = exc.__cause__
            if not (isinstance(cause, ApiError) and "already_exists" in str(cause.message)):
                raise

    def check(self) -> list[str]:
        problems: list[str] = []
        fix = "run `sentinel store init`"
        for name in self.names.templates():
            problems += self._template_problems(name, self._template(name))
        for index in (self.names.records, self.names.dead_letters):
            if not self._exists(index):
                problems.append(f"index {index} is missing: {fix}")
        if self._exists(self.names.records) and self._records_lack_templates():
            problems.append(
                f"index {self.names.records} does not index the text items of record lists, "
                f"so list matches miss records: {fix}"
            )
        problems += self._check_event_indices()
        return problems

    def _records_lack_templates(self) -> bool:
        """The records index predates a dynamic template (templates only shape new indices)."""
        found = self._call(
            f"reading the mapping of {self.names.records}",
            lambda: self._client.indices.get_mapping(index=self.names.records),
        )
        mapping = dict(found).get(self.names.records, {}).get("mappings", {})
        have = {name for t in mapping.get("dynamic_templates", []) for name in t}
        return not {name for t in record_mappings()["dynamic_templates"] for name in t} <= have

    def _template_problems(self, name: str, current: dict[str, Any] | None) -> list[str]:
        fix = "run `sentinel store init`"
        if current is None:
            return [f"index template {name} is missing: {fix}"]
        problems = []
        if current.get("version") != TEMPLATE_VERSION:
            problems.append(
                f"index template {name} is version {current.get('version')}, "
                f"expected {TEMPLATE_VERSION}: {fix}"
            )
        if name == self.names.events:
            template = current.get("template", {})
            problems += _wrong_types(f"index template {name}", template.get("mappings", {}), fix)
            if self.names.events not in template.get("aliases", {}):
                problems.append(f"index template {name} does not set alias {name}: {fix}")
        return problems

    def _check_event_indices(self) -> list[str]:
        found = self._call(
            "reading event indices",
            lambda: self._client.indices.get(index=self.names.event_pattern, **_NO_INDEX),
        )
        problems = []
        for index, info in sorted(dict(found).items()):
            if self.names.event_index_month(index) is None:
                continue
            if self.names.events not in info.get("aliases", {}):
                problems.append(
                    f"event index {index} is not behind alias {self.names.events}, so searches "
                    f"miss it: add it with POST _aliases"
                )
            problems += _wrong_types(
                f"event index {index}",
                info.get("mappings", {}),
                "reindex it into an index created after `sentinel store init`",
            )
        return problems

    def close(self) -> None:
        self._client.close()

    # events ------------------------------------------------------------------
    def write_events(self, events: Sequence[Event]) -> WriteResult:
        if not events:
            return WriteResult()
        docs = [(self.names.event_index(e.timestamp), e.id, e.document()) for e in events]
        outcome = self._bulk.create(docs)
        if outcome.created:
            self._wrote(self.names.events)
        return WriteResult(
            stored=len(outcome.created),
            duplicates=len(outcome.existing),
            rejected=[Rejected(events[i], reason) for i, reason in outcome.rejected],
        )

    def search_events(
        self,
        query: EventQuery,
        *,
        limit: int = 100,
        after: str | None = None,
        ascending: bool = False,
    ) -> EventPage:
        order = "asc" if ascending else "desc"
        hits = self._hits(
            self.names.events,
            "searching events",
            event_query(query),
            [{TIMESTAMP: {"order": order}}, {"event.id": {"order": order}}],
            limit + 1,
            after=_decode_cursor(after) if after else None,
        )
        events = [Event.from_document(h["_source"]) for h in hits[:limit]]
        more = len(hits) > limit and limit > 0
        next_page = _encode_cursor(hits[limit - 1]["sort"]) if more else None
        return EventPage(events=events, next=next_page)

    def count_events(self, query: EventQuery) -> int:
        self._fresh(self.names.events)
        response = self._call(
            "counting events",
            lambda: self._client.count(
                index=self.names.events, query=event_query(query), **_NO_INDEX
            ),
            retry_timeouts=False,
        )
        _charge(response.meta.headers, dict(response))
        return int(response["count"])

    def aggregate(self, query: EventQuery, agg: Aggregation) -> Iterator[AggRow]:
        metrics = self._metrics(agg.distinct)
        if not agg.group_by and agg.bucket is None:
            response = self._search(
                self.names.events,
                "aggregating events",
                size=0,
                query=event_query(query),
                aggs=metrics,
                track_total_hits=True,
            )
            count = int(response["hits"]["total"]["value"])
            if count:
                row = self._row((), count, response.get("aggregations", {}), agg)
                if row is not None:
                    yield row
            return
        sources: list[dict[str, Any]] = [
            {f"g{i}": {"terms": {"field": name, "missing_bucket": True}}}
            for i, name in enumerate(agg.group_by)
        ]
        if agg.bucket is not None:
            size = int(agg.bucket.total_seconds() * 1000)
            offset = int(agg.offset.total_seconds() * 1000) % size
            histogram = {"field": TIMESTAMP, "fixed_interval": f"{size}ms"}
            if offset:
                histogram["offset"] = f"+{offset}ms"
            sources.append({"bucket": {"date_histogram": histogram}})
        for bucket in self._composite(event_query(query), sources, metrics):
            key = tuple(bucket["key"][f"g{i}"] for i in range(len(agg.group_by)))
            row = self._row(key, int(bucket["doc_count"]), bucket, agg)
            if row is not None:
                if agg.bucket is not None:
                    row.bucket = from_epoch_ms(int(bucket["key"]["bucket"]))
                yield row

    def _metrics(self, distinct: str | None) -> dict[str, Any]:
        metrics: dict[str, Any] = {
            "first": {"min": {"field": TIMESTAMP}},
            "last": {"max": {"field": TIMESTAMP}},
        }
        if distinct:
            metrics["distinct"] = {
                "cardinality": {
                    "field": distinct,
                    "precision_threshold": self.settings.precision_threshold,
                }
            }
        return metrics

    def _row(self, key: tuple[Any, ...], count: int, aggs: Any, agg: Aggregation) -> AggRow | None:
        if count < agg.min_count:
            return None
        distinct = int(aggs["distinct"]["value"]) if agg.distinct else None
        if distinct is not None and distinct < agg.min_distinct:
            return None
        return AggRow(
            key=key,
            count=count,
            first=from_epoch_ms(int(aggs["first"]["value"])),
            last=from_epoch_ms(int(aggs["last"]["value"])),
            distinct=distinct,
            approximate=distinct is not None and distinct > self.settings.precision_threshold,
        )

    def _composite(
        self,
        query: dict[str, Any],
        sources: list[dict[str, Any]],
        metrics: dict[str, Any] | None = None,
        *,
        page: int = COMPOSITE_PAGE,
        index: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every bucket of a composite aggregation, one page of ``page`` buckets at a time
        (over the events unless ``index`` names another)."""
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": page, "sources": sources}
            if after is not None:
                composite["after"] = after
            groups: dict[str, Any] = {"composite": composite}
            if metrics:
                groups["aggs"] = metrics
            response = self._search(
                index or self.names.events,
                f"grouping {'events' if index is None else index}",
                size=0,
                query=query,
                aggs={"groups": groups},
                track_total_hits=False,
            )
            result = response.get("aggregations", {}).get("groups", {})
            buckets = result.get("buckets", [])
            yield from buckets
            after = result.get("after_key")
            # a page with room left was the last: asking again would only confirm it
            if len(buckets) < page or after is None:
                return

    def dense_windows(self, query: EventQuery, windows: Windows) -> Iterator[AggRow]:
        """Both grids of windows as ``date_histogram``s under the groups, in one request.

        The groups are a ``terms`` aggregation that keeps only groups with at least
        the minimum over the whole query (no window of a smaller group can reach
        it); the histograms keep only windows with at least the minimum. When one
        bounded request cannot list every such group exactly (a full page, or a
        cluster that reports a possible count error), the groups are paged with a
        composite aggregation instead.
        """
        span = _ms(windows.span)
        grids: dict[str, Any] = {}
        for name, offset in (("w0", 0), ("w1", span)):
            histogram: dict[str, Any] = {
                "field": TIMESTAMP,
                "fixed_interval": f"{2 * span}ms",
                "min_doc_count": windows.minimum,
            }
            if offset:
                histogram["offset"] = f"+{offset}ms"
            grids[name] = {"date_histogram": histogram, "aggs": self._metrics(windows.distinct)}
        check = Aggregation(
            distinct=windows.distinct,
            min_count=windows.minimum,
            min_distinct=windows.minimum if windows.distinct else 0,
        )
        start = epoch_ms(query.start) if query.start is not None else None

        def rows(key: tuple[Any, ...], aggs: dict[str, Any]) -> Iterator[AggRow]:
            for name in grids:
                for bucket in aggs.get(name, {}).get("buckets", []):
                    at = int(bucket["key"])
                    row = self._row(key, int(bucket["doc_count"]), bucket, check)
                    if row is not None and (start is None or at >= start):
                        row.bucket = from_epoch_ms(at)
                        yield row

        page = _window_page(query, windows.span)
        for key, bucket in self._groups(
            "finding dense windows",
            query,
            windows.group_by,
            grids,
            page,
            windows.minimum,
        ):
            yield from rows(key, bucket)

    def _groups(
        self,
        what: str,
        query: EventQuery,
        fields: tuple[str, ...],
        aggs: dict[str, Any],
        page: int,
        minimum: int = 1,
    ) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
        """Each group (with at least ``minimum`` events) with its sub-aggregations ``aggs``.

        One field: a bounded ``terms`` aggregation, so groups below the minimum never
        come back, and the filter's equalities on that field become the values it
        includes (read from the field's terms, not matched against every event).
        When a page is full or the cluster reports a possible count error (several
        shards), or with several fields, a composite aggregation pages through every
        group instead. No fields: one bucket for everything.
        """
        if not fields:
            response = self._search(
                self.names.events,
                what,
                size=0,
                query=event_query(query),
                aggs=aggs,
                track_total_hits=False,
            )
            yield (), response.get("aggregations", {})
            return
        if len(fields) == 1 and field_type(fields[0]) in ("keyword", "ip"):
            rest, include = _values_of(query.filter, fields[0])
            terms: dict[str, Any] = {"field": fields[0], "size": page, "min_doc_count": minimum}
            if include is not None:
                terms["include"] = include
            response = self._search(
                self.names.events,
                what,
                size=0,
                query=event_query(EventQuery(rest, query.start, query.end)),
                aggs={"groups": {"terms": terms, "aggs": aggs}},
                track_total_hits=False,
            )
            result = response.get("aggregations", {}).get("groups", {})
            buckets = result.get("buckets", [])
            exact = int(result.get("doc_count_error_upper_bound") or 0) == 0
            if len(buckets) < page and exact:
                for bucket in buckets:
                    yield (bucket["key"],), bucket
                return
        sources = [{f"g{i}": {"terms": {"field": name}}} for i, name in enumerate(fields)]
        for bucket in self._composite(event_query(query), sources, aggs, page=page):
            if int(bucket["doc_count"]) >= minimum:
                yield tuple(bucket["key"][f"g{i}"] for i in range(len(fields))), bucket

    def activity(
        self,
        query: EventQuery,
        group_by: tuple[str, ...],
        bucket: timedelta,
        since: datetime,
        groups: Sequence[tuple[Any, ...]] = (),
    ) -> Iterator[AggRow]:
        """One request over ``[since - bucket, end)``: per group a ``max`` before ``since``
        and a ``date_histogram`` after it.

        Aggregating reads every event in range, so the history before that is read
        only where needed: a named group with no event in the bucket before ``since``
        (silent then) gets one newest-first search for its last event; without
        named groups, one more aggregation finds every group's last event.
        """
        if groups:
            narrowed = all_of(query.filter, in_groups(group_by, groups))
            query = EventQuery(narrowed, query.start, query.end)
        near = since - bucket if query.start is None else max(query.start, since - bucket)
        size = _ms(bucket)
        times = {"first": {"min": {"field": TIMESTAMP}}, "last": {"max": {"field": TIMESTAMP}}}
        cut = epoch_ms(since)
        aggs = {
            "before": {
                "filter": {"range": {TIMESTAMP: {"lt": cut, "format": "epoch_millis"}}},
                "aggs": {"last": times["last"]},
            },
            "after": {
                "filter": {"range": {TIMESTAMP: {"gte": cut, "format": "epoch_millis"}}},
                "aggs": {
                    "buckets": {
                        "date_histogram": {
                            "field": TIMESTAMP,
                            "fixed_interval": f"{size}ms",
                            "min_doc_count": 1,
                        },
                        "aggs": times,
                    }
                },
            },
        }
        recent = EventQuery(query.filter, near, query.end)
        page = _window_page(recent, bucket)
        last: dict[tuple[Any, ...], datetime] = {}
        for key, found in self._groups("following activity", recent, group_by, aggs, page):
            if int(found["before"]["doc_count"]):
                last[key] = from_epoch_ms(int(found["before"]["last"]["value"]))
            for b in found["after"]["buckets"]["buckets"]:
                yield AggRow(
                    key,
                    int(b["doc_count"]),
                    from_epoch_ms(int(b["first"]["value"])),
                    from_epoch_ms(int(b["last"]["value"])),
                    bucket=from_epoch_ms(int(b["key"])),
                )
        earlier = EventQuery(query.filter, query.start, near)
        if groups:
            heard = {_folded(key) for key in last}
            for group in groups:
                if _folded(group) in heard:
                    continue
                one = all_of(query.filter, in_groups(group_by, [group]))
                newest = self.search_events(EventQuery(one, query.start, near), limit=1)
                if newest.events:
                    last[group] = newest.events[0].timestamp
        else:
            found_last = {"last": times["last"]}
            for key, found in self._groups(
                "finding last events", earlier, group_by, found_last, COMPOSITE_PAGE
            ):
                last.setdefault(key, from_epoch_ms(int(found["last"]["value"])))
        for key, at in last.items():
            yield AggRow(key, 1, at, at)

    def event_times(
        self,
        query: EventQuery,
        group_by: tuple[str, ...],
        spans: Sequence[GroupSpan],
        value: str | None = None,
    ) -> Iterator[EventTime]:
        """One search per batch of spans, only doc values, paged by ``search_after``."""
        fields = [*group_by, *([value] if value else [])]
        n = len(group_by)
        for i in range(0, len(spans), SPANS_PER_SEARCH):
            alternatives = [
                {
                    "bool": {
                        "filter": [
                            *({"term": {f: v}} for f, v in zip(group_by, span.key, strict=True)),
                            {
                                "range": {
                                    TIMESTAMP: {
                                        "gte": epoch_ms(span.start),
                                        "lt": epoch_ms(span.end),
                                        "format": "epoch_millis",
                                    }
                                }
                            },
                        ]
                    }
                }
                for span in spans[i : i + SPANS_PER_SEARCH]
            ]
            body = {
                "bool": {
                    "filter": [
                        event_query(query),
                        {"bool": {"should": alternatives, "minimum_should_match": 1}},
                    ]
                }
            }
            after: list[Any] | None = None
            while True:
                extra: dict[str, Any] = {"search_after": after} if after is not None else {}
                hits = self._search(
                    self.names.events,
                    "reading event times",
                    query=body,
                    sort=[{TIMESTAMP: {"order": "asc"}}, {"event.id": {"order": "asc"}}],
                    size=SEARCH_PAGE,
                    _source=False,
                    docvalue_fields=fields,
                    track_total_hits=False,
                    **extra,
                )["hits"]["hits"]
                for hit in hits:
                    got = [(hit.get("fields", {}).get(f) or [None])[0] for f in fields]
                    yield EventTime(
                        tuple(got[:n]),
                        from_epoch_ms(int(hit["sort"][0])),
                        got[n] if value else None,
                    )
                if len(hits) < SEARCH_PAGE:
                    break
                after = hits[-1]["sort"]

    def first_seen(
        self, query: EventQuery, fields: tuple[str, ...], history_start: datetime
    ) -> Iterator[AggRow]:
        """Combinations in the window, then one history request for all of them.

        The history request groups the history by combination (only the window's
        values of each field, where those are few) and answers which of the window's
        combinations occurred before (per spelling, folded, as strings match
        ignoring case). Past FIRST_SEEN_BATCH combinations, one request per batch.
        """
        if query.start is None or query.end is None:
            raise StoreError("first_seen needs a window with a start and an end")
        rows = list(self.aggregate(query, Aggregation(group_by=fields)))
        history = EventQuery(filter=query.filter, start=history_start, end=query.start)
        for i in range(0, len(rows), FIRST_SEEN_BATCH):
            yield from self._unseen(history, fields, rows[i : i + FIRST_SEEN_BATCH])

    def _unseen(
        self, history: EventQuery, fields: tuple[str, ...], rows: list[AggRow]
    ) -> Iterator[AggRow]:
        seen = self._seen_few(history, fields, rows)
        if seen is None:
            sources = [
                {f"g{i}": {"terms": {"field": name, "missing_bucket": True}}}
                for i, name in enumerate(fields)
            ]
            seen = {
                _folded(tuple(b["key"][f"g{i}"] for i in range(len(fields))))
                for b in self._composite(event_query(history), sources)
            }
        for row in rows:
            if _folded(row.key) not in seen:
                yield row

    def _seen_few(
        self, history: EventQuery, fields: tuple[str, ...], rows: list[AggRow]
    ) -> set[tuple[Any, ...]] | None:
        """When each field takes few (text) values in the window: one ``terms`` level per
        field, each including only those values in any case, read from the fields' terms.
        None when that does not apply or a level came back full."""
        values: list[dict[Any, Any]] = [{} for _ in fields]
        for row in rows:
            for i, value in enumerate(row.key):
                values[i].setdefault(_folded((value,)), value)
        if any(field_type(f) != "keyword" for f in fields) or any(
            len(vals) > FIRST_SEEN_VALUES or not all(isinstance(v, str) for v in vals.values())
            for vals in values
        ):
            return None
        levels = []
        for i, (name, vals) in enumerate(zip(fields, values, strict=True)):
            include = "|".join(_any_case(v) for v in vals.values())
            levels.append((f"g{i}", {"field": name, "include": include, "size": 4 * len(vals) + 8}))
        aggs: dict[str, Any] = {}
        for name, terms in reversed(levels):
            aggs = {name: {"terms": terms, **({"aggs": aggs} if aggs else {})}}
        response = self._search(
            self.names.events,
            "looking up the history",
            size=0,
            query=event_query(history),
            aggs=aggs,
            track_total_hits=False,
        )
        seen: set[tuple[Any, ...]] = set()

        def walk(found: dict[str, Any], depth: int, key: tuple[Any, ...]) -> bool:
            name, terms = levels[depth]
            buckets = found.get(name, {}).get("buckets", [])
            if len(buckets) >= terms["size"]:
                return False
            for bucket in buckets:
                here = (*key, bucket["key"])
                if depth + 1 == len(levels):
                    seen.add(_folded(here))
                elif not walk(bucket, depth + 1, here):
                    return False
            return True

        return seen if walk(response.get("aggregations", {}), 0, ()) else None

    # dead letters ------------------------------------------------------------
    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> int:
        if not letters:
            return 0
        docs = [
            (
                self.names.dead_letters,
                d.id,
                {
                    "id": d.id,
                    "source": d.source,
                    "position": d.position,
                    "reason": d.reason,
                    "raw": d.raw,
                    "received": epoch_ms(d.received),
                },
            )
            for d in letters
        ]
        outcome = self._bulk.create(docs)
        if outcome.rejected:
            position, reason = outcome.rejected[0]
            raise StoreError(f"dead letter {letters[position].id} was refused: {reason}")
        if outcome.created:
            self._wrote(self.names.dead_letters)
        return len(outcome.created)

    def dead_letters(self, *, source: str | None = None, limit: int = 100) -> list[DeadLetter]:
        query = {"term": {"source": source}} if source else {"match_all": {}}
        hits = self._hits(
            self.names.dead_letters,
            "reading dead letters",
            query,
            [{"received": {"order": "desc"}}, {"id": {"order": "asc"}}],
            limit,
        )
        return [
            DeadLetter(
                s["id"],
                s["source"],
                s["position"],
                s["reason"],
                s["raw"],
                from_epoch_ms(int(s["received"])),
            )
            for s in (h["_source"] for h in hits)
        ]

    def newest_per_source(self) -> dict[str, datetime]:
        """A terms aggregation on the source with the newest time per bucket (doc values)."""
        grouped = self.aggregate(EventQuery(), Aggregation(group_by=(SOURCE_NAME,)))
        return {str(row.key[0]): row.last for row in grouped if row.key[0] is not None}

    def count_dead_letters(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {
                "size": COMPOSITE_PAGE,
                "sources": [{"source": {"terms": {"field": "source"}}}],
            }
            if after is not None:
                composite["after"] = after
            response = self._search(
                self.names.dead_letters,
                "counting dead letters",
                size=0,
                aggs={"sources": {"composite": composite}},
            )
            result = response.get("aggregations", {}).get("sources", {})
            for bucket in result.get("buckets", []):
                counts[bucket["key"]["source"]] = int(bucket["doc_count"])
            after = result.get("after_key")
            if not result.get("buckets") or after is None:
                return counts

    def _hits(
        self,
        index: str,
        what: str,
        query: dict[str, Any],
        sort: list[dict[str, Any]],
        limit: int,
        *,
        after: list[Any] | None = None,
        **extra: Any,
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` hits in ``sort`` order, paged by ``search_after`` past SEARCH_PAGE."""
        hits: list[dict[str, Any]] = []
        while len(hits) < limit:
            size = min(limit - len(hits), SEARCH_PAGE)
            body: dict[str, Any] = {"query": query, "sort": sort, "size": size, **extra}
            if after is not None:
                body["search_after"] = after
            page = self._search(index, what, track_total_hits=False, **body)["hits"]["hits"]
            hits += page
            if len(page) < size:
                break
            after = page[-1]["sort"]
        return hits

    # records -----------------------------------------------------------------
    def get_record(self, kind: str, id: str) -> Record | None:
        try:
            found = self._call(
                f"reading {kind} {id}",
                lambda: self._client.get(index=self.names.records, id=es_records.doc_id(kind, id)),
            )
        except StoreError as exc:
            if isinstance(exc.__cause__, NotFoundError):
                return None
            raise
        return es_records.from_hit(found)

    def _index(self, kind: str, id: str, data: Mapping[str, Any], **options: Any) -> Record:
        doc = es_records.document(kind, id, data)
        response = self._client.index(
            index=self.names.records, id=es_records.doc_id(kind, id), document=doc, **options
        )
        self._wrote(self.names.records)
        return Record(
            kind,
            id,
            dict(data),
            es_records.version(response["_seq_no"], response["_primary_term"]),
        )

    def _write_checked(
        self, what: str, kind: str, id: str, data: Mapping[str, Any], **options: Any
    ) -> Record | None:
        """Index with a precondition; None when it failed on a conflict.

        A conflict after a retried request may be the first try having landed
        with its answer lost; the record then holds exactly ``data`` and counts
        as written.
        """
        tries = 0

        def attempt() -> Record:
            nonlocal tries
            tries += 1
            return self._index(kind, id, data, **options)

        try:
            return self._call(what, attempt)
        except StoreError as exc:
            if not _is_conflict(exc):
                raise
        if tries > 1:
            current = self.get_record(kind, id)
            if current is not None and current.data == orjson.loads(orjson.dumps(dict(data))):
                return current
        return None

    def create_record(self, kind: str, id: str, data: Mapping[str, Any]) -> Record:
        record = self._write_checked(f"creating {kind} {id}", kind, id, data, op_type="create")
        if record is None:
            raise ConflictError(f"{kind} {id} already exists")
        return record

    def update_record(self, kind: str, id: str, data: Mapping[str, Any], version: str) -> Record:
        seq_no, term = es_records.parse_version(version)
        record = self._write_checked(
            f"updating {kind} {id}", kind, id, data, if_seq_no=seq_no, if_primary_term=term
        )
        if record is not None:
            return record
        current = self.get_record(kind, id)
        if current is None:
            raise ConflictError(f"{kind} {id} does not exist")
        raise ConflictError(
            f"{kind} {id} was changed by someone else (version {current.version}, "
            f"you had {version}); reload it and apply your change again"
        )

    def put_record(self, kind: str, id: str, data: Mapping[str, Any]) -> Record:
        return self._call(f"writing {kind} {id}", lambda: self._index(kind, id, data))

    def delete_record(self, kind: str, id: str) -> bool:
        try:
            self._call(
                f"deleting {kind} {id}",
                lambda: self._client.delete(
                    index=self.names.records, id=es_records.doc_id(kind, id)
                ),
            )
        except StoreError as exc:
            if isinstance(exc.__cause__, NotFoundError):
                return False
            raise
        self._wrote(self.names.records)
        return True

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
        clauses = es_records.where_clauses(kind, where)
        if order_by is None and after is not None:
            clauses.append({"range": {"id": {"lt" if descending else "gt": after}}})
        elif order_by is not None and after is not None:
            clauses.append(es_records.after_clause(order_by, after_key(after), descending))
        hits = self._hits(
            self.names.records,
            f"finding {kind} records",
            {"bool": {"filter": clauses}},
            es_records.sort(order_by, descending),
            limit,
            seq_no_primary_term=True,
        )
        return [es_records.from_hit(h) for h in hits]

    def count_records(
        self, kind: str, group_by: Sequence[str], where: Mapping[str, Any] | None = None
    ) -> Iterator[tuple[tuple[Scalar, ...], int]]:
        query = {"bool": {"filter": es_records.where_clauses(kind, where)}}
        sources = es_records.count_sources(group_by)
        if not sources:
            self._fresh(self.names.records)
            found = self._call(
                f"counting {kind} records",
                lambda: self._client.count(index=self.names.records, query=query, **_NO_INDEX),
            )
            if found["count"]:
                yield (), int(found["count"])
            return
        for bucket in self._composite(
            query, sources, page=COMPOSITE_PAGE, index=self.names.records
        ):
            yield es_records.count_key(bucket["key"], group_by), int(bucket["doc_count"])

    # retention ---------------------------------------------------------------
    def purge(self, before: datetime) -> PurgeResult:
        """Drop whole monthly indices older than ``before``; delete older events from the rest."""
        result = PurgeResult()
        self.refresh()
        found = self._call(
            "listing event indices",
            lambda: self._client.indices.get(index=self.names.event_pattern, **_NO_INDEX),
        )
        cutoff = epoch_ms(before)
        for index in sorted(found):
            month = self.names.event_index_month(index)
            if month is None:
                continue
            start = datetime(month[0], month[1], 1, tzinfo=UTC)
            end = (start + timedelta(days=32)).replace(day=1)
            if end <= before:
                self.refresh(index)
                count = self._call(
                    f"counting {index}", lambda index=index: self._client.count(index=index)
                )
                self._call(
                    f"deleting {index}",
                    lambda index=index: self._client.indices.delete(index=index),
                )
                result.events += int(count["count"])
                result.indices.append(index)
            elif start < before:
                result.events += self._delete_older(index, TIMESTAMP, cutoff)
        result.dead_letters = self._delete_older(self.names.dead_letters, "received", cutoff)
        return result

    def _delete_older(self, index: str, field: str, cutoff: int) -> int:
        response = self._call(
            f"deleting from {index}",
            lambda: self._client.delete_by_query(
                index=index,
                query={"range": {field: {"lt": cutoff, "format": "epoch_millis"}}},
                conflicts="proceed",
                refresh=True,
                **_NO_INDEX,
            ),
        )
        return int(response.get("deleted", 0))


def _values_of(flt: Filter | None, field: str) -> tuple[Filter | None, str | list[str] | None]:
    """The filter without its equalities on ``field``, and what they allow as a terms
    ``include``: top-level clauses naming values of the field (an equality, or
    equalities joined by "or"), as exact values when cased, else as a pattern that
    ignores case. Clauses that all ignore case (or all do not) are taken together,
    keeping the values every one of them allows."""
    clauses = list(flt.items) if isinstance(flt, And) else [flt] if flt is not None else []
    taken: list[int] = []
    allowed: dict[str, str] | None = None
    cased: bool | None = None
    for i, clause in enumerate(clauses):
        options = list(clause.items) if isinstance(clause, Or) else [clause]
        matches = [
            m
            for m in options
            if isinstance(m, Match)
            and m.field == field
            and m.op == "eq"
            and isinstance(m.value, str)
        ]
        if not matches or len(matches) != len(options):
            continue
        kinds = {m.cased for m in matches}
        if len(kinds) > 1 or (cased is not None and kinds != {cased}):
            continue
        cased = kinds.pop()
        these = {(m.value if cased else m.value.casefold()): m.value for m in matches}
        allowed = these if allowed is None else {k: v for k, v in allowed.items() if k in these}
        taken.append(i)
    if allowed is None or not allowed:
        return flt, None
    rest = all_of(*(c for i, c in enumerate(clauses) if i not in taken))
    values = sorted(allowed.values())
    return rest, values if cased else "|".join(_any_case(v) for v in values)


def _any_case(text: str) -> str:
    """A Lucene regular expression matching ``text`` in any case."""
    out = []
    for ch in text:
        if ch.lower() != ch.upper():
            out.append(f"[{ch.lower()}{ch.upper()}]")
        elif ch.isalnum():
            out.append(ch)
        else:
            out.append("\\" + ch)
    return "".join(out)


def _ms(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)


def _window_page(query: EventQuery, span: timedelta) -> int:
    """Groups per dense-windows request, so that their windows stay within WINDOW_BUCKETS."""
    if query.start is None or query.end is None:
        return COMPOSITE_PAGE
    windows = 2 * ((query.end - query.start) // span + 2)
    return max(10, min(COMPOSITE_PAGE, WINDOW_BUCKETS // windows))


def _charge(headers: Mapping[str, str], body: dict[str, Any]) -> None:
    """Charge one event search to the open budget: its buckets, hits, bytes and ``took``."""
    length = headers.get("content-length") or headers.get("Content-Length") or 0
    charge(
        buckets=count_buckets(body.get("aggregations")),
        hits=len(body.get("hits", {}).get("hits", [])),
        bytes=int(length),
        took_ms=int(body.get("took", 0)),
    )


def _wrong_types(where: str, mappings: dict[str, Any], fix: str) -> list[str]:
    problems = []
    for name, expected in REQUIRED_EVENT_TYPES.items():
        actual = mapped_type(mappings, name)
        if actual != expected:
            problems.append(
                f"{where} maps {name} as {actual or 'nothing'}, expected {expected}: {fix}"
            )
    return problems


def _is_conflict(exc: StoreError) -> bool:
    cause = exc.__cause__
    return isinstance(cause, ApiError) and cause.meta.status == 409


def _folded(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A group key as string matching sees it: ignoring case."""
    return tuple(v.lower() if isinstance(v, str) else v for v in key)


def _encode_cursor(sort: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(sort)).decode()


def _decode_cursor(cursor: str) -> list[Any]:
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, orjson.JSONDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != 2:
        raise StoreError(f"not a page cursor from this store: {cursor!r}")
    return values
