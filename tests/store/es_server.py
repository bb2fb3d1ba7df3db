"""A live Elasticsearch-speaking server for tests: osmem-server, or a real cluster.

By default one ``osmem-server`` process (PyPI ``osmem-server``: an in-memory
server speaking the OpenSearch REST API) is started on a free port for the
test session and stopped after it. ``SENTINEL_TEST_ELASTICSEARCH_URL`` points
the same tests at a real cluster instead (``..._API_KEY``, ``..._CA_CERTS`` and
``..._COMPATIBILITY`` configure the connection). Every test gets its own index
prefix, and its indices and templates are deleted afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from sentinel.config import ElasticsearchStoreSettings
from sentinel.store.elasticsearch import ElasticsearchStore
from sentinel.store.es_client import Backoff, connect
from sentinel.store.es_mappings import Names

ENV = "SENTINEL_TEST_ELASTICSEARCH_URL"


@dataclass
class EsTarget:
    url: str
    connection: dict[str, Any] = field(default_factory=dict)
    osmem: bool = False

    def settings(self, prefix: str, **overrides: Any) -> ElasticsearchStoreSettings:
        return ElasticsearchStoreSettings(
            **{**self.connection, "index_prefix": prefix, **overrides}
        )

    def client(self) -> Elasticsearch:
        return connect(self.url, self.settings("unused"))


@dataclass
class Sleeps:
    """Records backoff pauses instead of sleeping."""

    pauses: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


def _from_env(url: str) -> EsTarget:
    connection: dict[str, Any] = {
        "compatibility": os.environ.get(
            "SENTINEL_TEST_ELASTICSEARCH_COMPATIBILITY", "elasticsearch"
        )
    }
    if key := os.environ.get("SENTINEL_TEST_ELASTICSEARCH_API_KEY"):
        connection["auth"] = {"api_key": key}
    if ca := os.environ.get("SENTINEL_TEST_ELASTICSEARCH_CA_CERTS"):
        connection["ca_certs"] = ca
    return EsTarget(url, connection)


@dataclass
class _Shared:
    """One osmem-server for the session, however many test packages import the fixture."""

    server: Any = None
    users: int = 0


_SHARED = _Shared()


@pytest.fixture(scope="session")
def es_target() -> Iterator[EsTarget]:
    if url := os.environ.get(ENV):
        yield _from_env(url)
        return
    from osmem_server import OsmemServer

    if _SHARED.server is None:
        _SHARED.server = OsmemServer.start(japanese=False)
    _SHARED.users += 1
    try:
        yield EsTarget(_SHARED.server.url, {"compatibility": "opensearch"}, osmem=True)
    finally:
        _SHARED.users -= 1
        if _SHARED.users == 0:
            _SHARED.server.close()
            _SHARED.server = None


@pytest.fixture
def es_prefix(es_target: EsTarget) -> Iterator[str]:
    prefix = f"t{uuid.uuid4().hex[:12]}"
    yield prefix
    client = es_target.client()
    try:
        drop_prefix(client, prefix)
    finally:
        client.close()


def drop_prefix(client: Elasticsearch, prefix: str) -> None:
    """Delete the indices and templates of one prefix by name (clusters refuse wildcards)."""
    found = client.indices.get(index=f"{prefix}-*", allow_no_indices=True, expand_wildcards="all")
    for index in found:
        client.options(ignore_status=404).indices.delete(index=index)
    for template in Names(prefix).templates():
        client.options(ignore_status=404).indices.delete_index_template(name=template)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def es_store(es_target: EsTarget, es_prefix: str, sleeps: Sleeps) -> Iterator[ElasticsearchStore]:
    store = ElasticsearchStore(
        es_target.url, es_target.settings(es_prefix), backoff=Backoff(sleep=sleeps)
    )
    store.init()
    yield store
    store.close()
