"""The rule pack also runs on the Elasticsearch-speaking test server."""

from tests.store.es_server import es_target

__all__ = ["es_target"]
