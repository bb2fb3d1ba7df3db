"""End to end on the demo week: generated logs → ingest → enrichment → the rule pack.

Every planted incident must raise an alert of its rule, grouped on the account or
address that was planted, and no alert may name an account that only did its
normal work. Run with ``-s`` to see how many alerts each rule raised.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.alerts import Alerts
from sentinel.config import Settings, load_settings
from sentinel.demo import DemoSummary, generate
from sentinel.detection.engine import Engine
from sentinel.detection.loader import Vocabulary, load_rules
from sentinel.enrich.data_map import load_data_map
from sentinel.events import PARSER_ACTIONS
from sentinel.ingest import IngestReport, ingest_source
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock

REPO = Path(__file__).resolve().parents[1]
END = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

SETTINGS = """
store_url = "sqlite:///{tmp}/sentinel.db"
timezone = "Europe/Amsterdam"
data_map = "{repo}/config/datamap.yaml"
directory = "{repo}/config/directory.csv"

[[sources]]
name = "app"
kind = "file"
path = "{tmp}/access.jsonl"
format = "jsonl"

[[sources]]
name = "gateway-ssh"
kind = "file"
path = "{tmp}/auth.log*"
format = "sshd"

[[sources]]
name = "portal-web"
kind = "file"
path = "{tmp}/web.log*"
format = "combined"
"""


@dataclass
class DemoRun:
    summary: DemoSummary
    ingested: list[IngestReport]
    alerts: list[dict[str, Any]]
    errors: list[str]


def settings_for(tmp: Path) -> Settings:
    config = tmp / "sentinel.toml"
    config.write_text(SETTINGS.format(tmp=tmp.as_posix(), repo=REPO.as_posix()))
    return load_settings(config)


def alerts_per_rule(alerts: list[dict[str, Any]]) -> Counter[str]:
    return Counter(a["rule_name"] for a in alerts)


def report(run: DemoRun) -> str:
    counts = alerts_per_rule(run.alerts)
    lines = [f"{n:4d}  {rule}" for rule, n in sorted(counts.items())]
    lines += [f"      {a['rule_name']}: {a['group']} — {a['summary']}" for a in run.alerts]
    return "alerts per rule:\n" + "\n".join(lines)


def run_demo(tmp: Path, *, end: datetime = END, seed: int = 42, days: int = 7) -> DemoRun:
    """Generate, ingest and detect in ``tmp``; the alerts the whole pack raised."""
    summary = generate(
        tmp / "access.jsonl",
        days=days,
        seed=seed,
        end=end,
        sshd_out=tmp / "auth.log",
        combined_out=tmp / "web.log",
    )
    # syslog lines carry no year: the parser takes it from the file's last write
    os.utime(tmp / "auth.log", (end.timestamp(), end.timestamp()))
    settings = settings_for(tmp)
    clock = ManualClock(end + timedelta(hours=1))
    store = SQLiteStore(settings.store_url)
    store.init()
    try:
        ingested = [ingest_source(settings, source, store, clock) for source in settings.sources]
        data_map = load_data_map(REPO / "config" / "datamap.yaml")
        loaded = load_rules(
            [REPO / "rules"],
            Vocabulary(
                actions=frozenset(data_map.actions) | PARSER_ACTIONS,
                categories=frozenset(data_map.categories),
            ),
        )
        errors = [str(e) for e in loaded.errors]
        alerts = Alerts(store, clock)
        engine = Engine(
            store, loaded.ruleset, alerts, clock, max_window=settings.detection.max_window
        )
        _, runs = engine.backfill(summary.start, summary.end, loaded.ruleset.alerting())
        errors += [f"{r.rule}: {r.error}" for r in runs if r.error]
        found = [rec.data for rec in alerts.list(limit=100_000)]
    finally:
        store.close()
    return DemoRun(summary, ingested, found, errors)


def missing_alerts(run: DemoRun) -> list[str]:
    """Planted incidents without an alert of their rule on the planted group."""
    return [
        f"{p.name} {p.expect} at {p.start:%Y-%m-%d %H:%M}Z: {p.description}"
        for p in run.summary.planted
        if not any(
            a["rule_name"] == p.name and p.expect.items() <= a["group"].items() for a in run.alerts
        )
    ]


def naming_quiet(run: DemoRun) -> list[str]:
    """Alerts whose group or summary names an account that only did normal work."""
    quiet = set(run.summary.quiet)
    return [
        f"{a['rule_name']}: {a['group']} — {a['summary']}"
        for a in run.alerts
        if quiet & {str(v) for v in a["group"].values()}
        or any(name in a["summary"] for name in quiet)
    ]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    run = run_demo(tmp_path_factory.mktemp("demo"))
    print(report(run))
    return run


def test_every_demo_line_is_ingested_without_dead_letters(demo_run: DemoRun) -> None:
    by_source = {r.source: r for r in demo_run.ingested}
    assert {name: r.error for name, r in by_source.items()} == dict.fromkeys(by_source)
    assert {name: r.dead_letters for name, r in by_source.items()} == dict.fromkeys(by_source, 0)
    s = demo_run.summary
    assert by_source["app"].stored == s.events
    assert by_source["portal-web"].stored == s.combined_lines
    assert by_source["gateway-ssh"].read == s.sshd_lines


def test_rule_pack_runs_over_the_week_without_errors(demo_run: DemoRun) -> None:
    assert demo_run.errors == []


def test_every_planted_incident_raises_its_alert_on_the_planted_group(demo_run: DemoRun) -> None:
    assert missing_alerts(demo_run) == [], report(demo_run)


def test_quiet_accounts_raise_no_alert(demo_run: DemoRun) -> None:
    assert naming_quiet(demo_run) == []
