"""`sentinel store init|check|purge` against a real SQLite file and a live Elasticsearch."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from sentinel.cli import store as store_cli
from sentinel.events import Event, event_id
from sentinel.services.store import shown_url
from sentinel.store import DeadLetter
from sentinel.store.query import EventQuery
from sentinel.store.sqlite import SQLiteStore
from tests.store.es_server import EsTarget, es_prefix, es_target

__all__ = ["es_prefix", "es_target"]

runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SENTINEL_") and not name.startswith("SENTINEL_TEST_"):
            monkeypatch.delenv(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sentinel.db'}"


@pytest.fixture
def es_url(es_target: EsTarget, es_prefix: str, monkeypatch: pytest.MonkeyPatch) -> str:
    settings = es_target.settings(es_prefix)
    monkeypatch.setenv("SENTINEL_ELASTICSEARCH__INDEX_PREFIX", es_prefix)
    monkeypatch.setenv("SENTINEL_ELASTICSEARCH__COMPATIBILITY", settings.compatibility)
    if settings.auth.api_key is not None:
        monkeypatch.setenv(
            "SENTINEL_ELASTICSEARCH__AUTH__API_KEY", settings.auth.api_key.get_secret_value()
        )
    if settings.ca_certs is not None:
        monkeypatch.setenv("SENTINEL_ELASTICSEARCH__CA_CERTS", str(settings.ca_certs))
    return es_target.url


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(store_cli.app, list(args), input=input)
    return result.exit_code, result.output


def test_init_then_check_on_sqlite(sqlite_url: str) -> None:
    code, out = run("init", "--json", "--store", sqlite_url)
    assert code == 0, out
    assert "created table events" in orjson.loads(out)["done"]

    code, out = run("check", "--json", "--store", sqlite_url)
    assert (code, orjson.loads(out)) == (0, {"store": sqlite_url, "ok": True, "problems": []})


def test_init_indexes_the_groups_of_alerts_recorded_before_the_queue_filtered_on_them(
    sqlite_url: str,
) -> None:
    store = SQLiteStore(sqlite_url)
    store.init()
    group = {"user.name": "M.Bakker", "source.ip": "10.0.0.7"}
    store.create_record("alert", "AL-1", {"group": group, "last_seen": "2026-03-10T09:00:00Z"})
    store.close()

    code, out = run("init", "--store", sqlite_url)

    assert code == 0, out
    assert "indexed the groups of 1 alerts for the queue's filters" in out
    store = SQLiteStore(sqlite_url)
    assert store.get_record("alert", "AL-1").data["group_terms"] == [  # type: ignore[union-attr]
        "source.ip=10.0.0.7",
        "user.name=m.bakker",
        "user=m.bakker",
    ]
    store.close()
    assert "indexed" not in run("init", "--store", sqlite_url)[1]


def test_check_names_what_init_then_creates_on_elasticsearch(es_url: str, es_prefix: str) -> None:
    code, out = run("check", "--store", es_url)
    assert code == 1
    assert f"index template {es_prefix}-events is missing" in out

    code, out = run("init", "--store", es_url)
    assert code == 0, out
    assert f"created index template {es_prefix}-events" in out
    assert f"created index {es_prefix}-records" in out

    code, out = run("check", "--json", "--store", es_url)
    assert (code, orjson.loads(out)["problems"]) == (0, [])
    assert run("init", "--store", es_url)[1].count("nothing to do") == 1


def test_purge_drops_old_events_and_dead_letters(sqlite_url: str) -> None:
    now = datetime.now(UTC)
    store = SQLiteStore(sqlite_url)
    store.init()
    store.write_events(
        [
            Event(event_id("app", str(days)), now - timedelta(days=days), "app", {})
            for days in (400, 200, 2)
        ]
    )
    store.write_dead_letters([DeadLetter("d1", "app", "1", "bad", "x", now - timedelta(days=300))])

    code, out = run("purge", "--older-than", "180d", "--yes", "--json", "--store", sqlite_url)

    assert code == 0, out
    assert orjson.loads(out) | {"before": None} == {
        "before": None,
        "events": 2,
        "dead_letters": 1,
        "indices": [],
    }
    assert store.count_events(EventQuery()) == 1
    store.close()


def test_purge_asks_first_and_refuses_ages_under_a_day(sqlite_url: str) -> None:
    code, out = run("purge", "--older-than", "180d", "--store", sqlite_url, input="n\n")
    assert code == 1
    assert "nothing deleted" in out
    code, out = run("purge", "--older-than", "6h", "--yes", "--store", sqlite_url)
    assert code == 2
    assert "less than a day" in out
    code, out = run("purge", "--older-than", "soon", "--yes", "--store", sqlite_url)
    assert code == 2


def test_an_unreachable_store_exits_3() -> None:
    code, out = run("check", "--store", "sqlite:////proc/no-such-dir/sentinel.db")
    assert code == 3
    assert "store unavailable" in out


def test_credentials_in_the_store_url_are_never_shown() -> None:
    assert shown_url("https://sentinel:s3cret@es.example:9200") == ("https://es.example:9200")
