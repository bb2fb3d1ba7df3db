"""Sources: read raw records from a saved cursor; they know nothing of parsing or storage."""

from __future__ import annotations

from typing import Any

from sentinel.clock import Clock
from sentinel.config import (
    AnySourceConfig,
    ElasticsearchSourceConfig,
    FileSourceConfig,
    HttpSourceConfig,
)
from sentinel.sources.base import SourceReader


def open_reader(
    config: AnySourceConfig, cursor: dict[str, Any] | None, *, clock: Clock
) -> SourceReader:
    """The reader for a configured source, positioned at its saved cursor."""
    if isinstance(config, FileSourceConfig):
        from sentinel.sources.file import open_file_reader

        return open_file_reader(config, cursor, clock=clock)
    if isinstance(config, HttpSourceConfig):
        from sentinel.sources.http import HttpReader

        return HttpReader(config, cursor, clock=clock)
    if isinstance(config, ElasticsearchSourceConfig):
        from sentinel.sources.elasticsearch import ElasticsearchReader

        return ElasticsearchReader(config, cursor, clock=clock)
    raise TypeError(f"no reader for source kind {type(config).__name__}")
