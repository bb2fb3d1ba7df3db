"""The ``elasticsearch`` source: access logs already in an index (shipped by Filebeat or Logstash).

Documents are read oldest first by the configured timestamp field, in pages
under one point in time (``search_after`` on the timestamp and ``_shard_doc``),
so a pull sees a consistent index however long it takes. The saved cursor
keeps the newest timestamp read and the documents at exactly that instant;
the next pull starts at that instant and skips those, so documents sharing a
timestamp are each read once wherever a pull stopped. Only documents at least
``settle`` old (a minute unless configured) are read: shippers deliver late and
the cluster shows new documents after a refresh, and a document older than the
cursor would never be read. The source's field map is applied by the parser, as for other sources.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from sentinel.clock import Clock
from sentinel.config import ElasticsearchSourceConfig
from sentinel.events import epoch_ms, format_timestamp, from_epoch_ms
from sentinel.sources.base import RawRecord, SourceError
from sentinel.store.es_client import Backoff, PointInTime, call, connect

log = logging.getLogger(__name__)

KEEP_ALIVE = "5m"
"""How long the point in time lives between two pages (the ingest job writes in between)."""


class _SavedCursor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime | None = None
    ids: list[str] = Field(default_factory=list)


class ElasticsearchReader:
    """Reads the documents of an index after the cursor, oldest first."""

    def __init__(
        self,
        config: ElasticsearchSourceConfig,
        cursor: dict[str, Any] | None,
        *,
        clock: Clock,
        backoff: Backoff | None = None,
    ) -> None:
        self._config = config
        self._clock = clock
        self._backoff = backoff or Backoff()
        self._settle = config.settle
        self._count = 0
        self._since: int | None = None
        """Epoch milliseconds of the newest document read."""
        self._ids: dict[str, None] = {}
        self._bad_cursor: dict[str, Any] | None = None
        try:
            saved = _SavedCursor.model_validate(cursor or {})
            self._since = epoch_ms(saved.since) if saved.since else None
            self._ids = dict.fromkeys(saved.ids)
        except ValidationError:
            self._bad_cursor = cursor

    def __repr__(self) -> str:
        return f"ElasticsearchReader(source={self._config.name!r}, index={self._config.index!r})"

    def cursor(self) -> dict[str, Any]:
        if self._bad_cursor is not None:
            return self._bad_cursor
        since = format_timestamp(from_epoch_ms(self._since)) if self._since is not None else None
        return {"since": since, "ids": list(self._ids)}

    def progress(self) -> tuple[int, int | None]:
        """Documents read so far; the total is not asked for."""
        return self._count, None

    def records(self) -> Iterator[RawRecord]:
        cfg = self._config
        if self._bad_cursor is not None:
            raise SourceError(
                f"{cfg.url} index {cfg.index}: saved cursor is not an elasticsearch cursor "
                "(since, ids); delete this source's checkpoint to read the index from its start"
            )
        client = connect(cfg.url, cfg.connection)
        pit = PointInTime(client, cfg.connection.compatibility)
        try:
            pit_id = self._call(
                f"opening a point in time on {cfg.index}", lambda: pit.open(cfg.index, KEEP_ALIVE)
            )
            try:
                yield from self._pages(client, pit_id)
            finally:
                self._close(pit, pit_id)
        finally:
            client.close()

    def _pages(self, client: Elasticsearch, pit_id: str) -> Iterator[RawRecord]:
        cfg = self._config
        window: dict[str, Any] = {"lt": epoch_ms(self._clock.now() - self._settle)}
        if self._since is not None:
            window["gte"] = self._since
        filters: list[dict[str, Any]] = [
            {"range": {cfg.timestamp_field: {**window, "format": "epoch_millis"}}}
        ]
        if cfg.query:
            filters.append(cfg.query)
        sort = [
            {cfg.timestamp_field: {"order": "asc", "numeric_type": "date"}},
            {"_shard_doc": {"order": "asc"}},
        ]
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "pit": {"id": pit_id, "keep_alive": KEEP_ALIVE},
                "query": {"bool": {"filter": filters}},
                "sort": sort,
                "size": cfg.page_size,
                "track_total_hits": False,
            }
            if after is not None:
                body["search_after"] = after
            response = self._call(f"searching {cfg.index}", lambda body=body: client.search(**body))
            pit_id = response.get("pit_id", pit_id)
            hits = response["hits"]["hits"]
            for hit in hits:
                record = self._record(hit)
                if record is not None:
                    yield record
            if len(hits) < cfg.page_size:
                return
            after = hits[-1]["sort"]

    def _record(self, hit: dict[str, Any]) -> RawRecord | None:
        """The record to yield, moving the cursor past it; None for one read before."""
        ms = int(hit["sort"][0])
        key = f"{hit['_index']}/{hit['_id']}"
        if self._since is None or ms > self._since:
            self._since, self._ids = ms, {key: None}
        elif ms == self._since:
            if key in self._ids:
                return None
            self._ids[key] = None
        self._count += 1
        return RawRecord(
            data=hit["_source"],
            position=f"es:{key}",
            label=f"{self._config.url} {key}",
            stream=str(hit["_index"]),
        )

    def _call(self, what: str, fn: Any) -> Any:
        cfg = self._config
        try:
            return call(fn, self._backoff, what, unavailable=SourceError, failed=SourceError)
        except SourceError as exc:
            if isinstance(exc.__cause__, NotFoundError):
                raise SourceError(
                    f"{cfg.url}: index {cfg.index} does not exist; check sources.{cfg.name}.index"
                ) from None
            raise SourceError(f"{cfg.url}: {exc}") from None

    def _close(self, pit: PointInTime, pit_id: str) -> None:
        try:
            pit.close(pit_id)
        except (ApiError, TransportError) as exc:  # it expires by itself anyway
            log.debug("closing a point in time on %s failed: %s", self._config.index, exc)
