"""Helpers to put events in a store and load rules from YAML text."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sentinel.detection.loader import Vocabulary, load_rules
from sentinel.detection.model import RuleSet
from sentinel.events import Event, event_id
from tests.store.es_server import es_target

_counter = itertools.count()


def ev(ts: datetime, **fields: Any) -> Event:
    """An event with dotted field names written as keyword arguments with '__' for '.'."""
    flat = {k.replace("__", "."): v for k, v in fields.items()}
    n = next(_counter)
    return Event(id=event_id("test", str(n)), timestamp=ts, source="app", fields=flat)


@pytest.fixture
def rules_from(tmp_path: Path):
    def load(*texts: str, vocabulary: Vocabulary | None = None) -> RuleSet:
        for i, text in enumerate(texts):
            (tmp_path / f"rule{i}.yml").write_text(text)
        result = load_rules([tmp_path], vocabulary)
        assert not result.errors, [str(e) for e in result.errors]
        return result.ruleset

    return load


__all__ = ["es_target"]
