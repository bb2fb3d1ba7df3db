"""The shipped rule pack: it loads cleanly and every rule's examples behave."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from sentinel.detection.examples import example_files, run_examples, untested
from sentinel.detection.loader import load_rules
from sentinel.store.base import Store
from sentinel.store.elasticsearch import ElasticsearchStore
from sentinel.store.sqlite import SQLiteStore
from tests.store.es_server import EsTarget, drop_prefix

RULES = Path(__file__).resolve().parents[2] / "rules"


@contextmanager
def scratch_sqlite() -> Iterator[SQLiteStore]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(f"sqlite:///{tmp}/examples.db")
        store.init()
        try:
            yield store
        finally:
            store.close()


def test_pack_loads_without_refusals_and_has_at_least_fourteen_alerting_rules() -> None:
    result = load_rules([RULES])
    assert [str(e) for e in result.errors] == []
    assert len(result.ruleset.alerting()) >= 14


def test_every_alerting_rule_has_examples() -> None:
    assert untested(load_rules([RULES]).ruleset, RULES) == []


def scratch_elasticsearch(target: EsTarget) -> Callable[[], AbstractContextManager[Store]]:
    @contextmanager
    def scratch() -> Iterator[Store]:
        prefix = f"r{uuid.uuid4().hex[:12]}"
        store = ElasticsearchStore(target.url, target.settings(prefix))
        store.init()
        try:
            yield store
        finally:
            store.close()
            client = target.client()
            try:
                drop_prefix(client, prefix)
            finally:
                client.close()

    return scratch


@pytest.mark.parametrize("path", example_files(RULES), ids=lambda p: p.name.split(".")[0])
def test_rule_examples_fire_and_stay_quiet_on_sqlite(path: Path) -> None:
    result = run_examples(path, load_rules([RULES]).ruleset, scratch_sqlite)
    assert result.passed, result.reason()


@pytest.mark.parametrize("path", example_files(RULES), ids=lambda p: p.name.split(".")[0])
def test_rule_examples_fire_and_stay_quiet_on_elasticsearch(
    path: Path, es_target: EsTarget
) -> None:
    result = run_examples(path, load_rules([RULES]).ruleset, scratch_elasticsearch(es_target))
    assert result.passed, result.reason()
