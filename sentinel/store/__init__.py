"""Persistence: the Store protocol and the backend chosen by the store URL."""

from __future__ import annotations

from sentinel.config import ElasticsearchStoreSettings
from sentinel.store.base import (
    ConflictError,
    DeadLetter,
    Record,
    Store,
    StoreError,
    StoreUnavailable,
    WriteResult,
)

__all__ = [
    "ConflictError",
    "DeadLetter",
    "Record",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "WriteResult",
    "open_store",
]


def open_store(url: str, elasticsearch: ElasticsearchStoreSettings | None = None) -> Store:
    """The store for a URL: ``sqlite:///path`` or ``http(s)://host:port`` (Elasticsearch)."""
    if url.startswith("sqlite:///"):
        from sentinel.store.sqlite import SQLiteStore

        return SQLiteStore(url)
    if url.startswith(("http://", "https://")):
        from sentinel.store.elasticsearch import ElasticsearchStore

        return ElasticsearchStore(url, elasticsearch or ElasticsearchStoreSettings())
    raise StoreError(
        f"unsupported store URL {url!r}: use sqlite:///path/to/file.db "
        "or https://host:9200 for Elasticsearch"
    )
