"""Store fixtures: the live Elasticsearch-speaking server and a store per test on it."""

from tests.store.es_server import es_prefix, es_store, es_target, sleeps

__all__ = ["es_prefix", "es_store", "es_target", "sleeps"]
