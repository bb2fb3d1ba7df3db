"""The rule pack and how its rules run: what is loaded, what was refused, each rule's last run."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sentinel.alerts import Alerts, alert_id
from sentinel.config import Settings
from sentinel.detection.engine import Engine
from sentinel.detection.evaluate import Detection
from sentinel.detection.examples import example_files, run_examples, untested
from sentinel.detection.loader import LoadResult, Vocabulary, load_rules, rule_files
from sentinel.detection.model import Rule
from sentinel.enrich.data_map import load_data_map
from sentinel.enrich.errors import EnrichmentError
from sentinel.events import PARSER_ACTIONS
from sentinel.incidents.facts import Time
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Invalid
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore

_Key = tuple[Path, Path | None, frozenset[str]]
_cache: dict[_Key, tuple[tuple[tuple[str, int], ...], LoadResult]] = {}
_cache_lock = threading.Lock()


class RuleView(BaseModel):
    name: str
    id: str
    title: str
    kind: str
    alerting: bool
    """False for a rule that only feeds a correlation."""
    severity: str
    window_seconds: float
    categories: list[str]
    playbook: str | None
    file: str


class RuleRefusal(BaseModel):
    file: str
    line: int | None
    rule: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.rule or 'file'}: {self.reason}"


class RuleCheck(BaseModel):
    files: int
    rules: list[str]
    errors: list[RuleRefusal]


class ExampleResultView(BaseModel):
    rule: str
    file: str
    passed: bool
    fired: int
    """Detections from the events that must fire the rule."""
    quiet_fired: int
    """Detections from the events that must not (0 when it passes)."""
    reason: str
    """Why it failed; "ok" when it passed."""


class ExampleReport(BaseModel):
    results: list[ExampleResultView]
    rules_without_examples: list[str]
    refused: list[str]
    """Rules the pack refused to load, with file, line and reason."""

    @property
    def ok(self) -> bool:
        failed = any(not r.passed for r in self.results)
        return not (failed or self.rules_without_examples or self.refused)


class DetectionView(BaseModel):
    rule: str
    severity: str
    group: dict[str, Any]
    start: Time
    end: Time
    count: int
    distinct: int | None
    summary: str


class RuleRunView(BaseModel):
    rule: str
    start: Time | None
    end: Time | None
    windows: int
    detections: int
    new_alerts: list[str]
    updated: int
    folded: int
    cleared: int
    lag_seconds: float | None
    error: str | None
    budget: dict[str, Any]
    """What the run asked of the store (requests, buckets, hits, time)."""


class Backfill(BaseModel):
    """What rules found over a past range: one detection per alert, and each rule's run."""

    detections: list[DetectionView]
    runs: list[RuleRunView]


class RuleStatusView(BaseModel):
    rule: str
    kind: str
    status: str
    """ok, failing, or never run."""
    last_end: Time | None
    """Events are covered up to here."""
    last_run: Time | None
    lag_seconds: float | None
    error: str | None
    budget: dict[str, Any] | None
    """What the last run asked of the store (requests, buckets, hits, time)."""


def vocabulary(settings: Settings) -> Vocabulary:
    """Actions the data map and parsers know, so rules naming others are refused; the sources."""
    sources = frozenset(s.name for s in settings.sources)
    if settings.data_map is None:
        return Vocabulary(sources=sources)
    try:
        data_map = load_data_map(settings.data_map)
    except EnrichmentError as exc:
        raise Invalid(f"{exc} (setting data_map)") from None
    return Vocabulary(
        actions=frozenset(data_map.actions) | PARSER_ACTIONS,
        categories=frozenset(data_map.categories),
        sources=sources,
    )


def load(settings: Settings, folder: Path | None = None) -> tuple[LoadResult, Path]:
    """The rule pack, read again only when one of its files changed."""
    folder = folder or settings.detection.rules_dir
    if not folder.is_dir():
        raise Invalid(f"rules folder {folder} does not exist (setting detection.rules_dir)")
    files = [*rule_files([folder]), *([settings.data_map] if settings.data_map else [])]
    try:
        stamp = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in files))
    except OSError:
        stamp = ()
    key = (folder, settings.data_map, frozenset(s.name for s in settings.sources))
    with _cache_lock:
        cached = _cache.get(key)
        if stamp and cached is not None and cached[0] == stamp:
            return cached[1], folder
    result = load_rules([folder], vocabulary(settings))
    with _cache_lock:
        _cache[key] = (stamp, result)
    return result, folder


def check(settings: Settings, folder: Path | None = None) -> RuleCheck:
    result, _ = load(settings, folder)
    return RuleCheck(
        files=result.files,
        rules=sorted(result.ruleset.rules),
        errors=[
            RuleRefusal(file=e.file, line=e.line, rule=e.rule, reason=e.reason)
            for e in result.errors
        ],
    )


def views(rules: Iterable[Rule]) -> list[RuleView]:
    return [
        RuleView(
            name=r.name,
            id=r.id,
            title=r.title,
            kind=r.kind,
            alerting=r.alerting,
            severity=r.meta.severity,
            window_seconds=r.window.total_seconds(),
            categories=list(r.meta.categories),
            playbook=r.meta.playbook,
            file=r.file,
        )
        for r in rules
    ]


class RulePack:
    """The rule files alone, without the store: check them and run their examples."""

    def __init__(self, settings: Settings, folder: Path | None = None) -> None:
        self.settings = settings
        self.folder = folder

    def loaded(self) -> LoadResult:
        """The pack for running: refused as a whole when any rule in it is refused."""
        result, _ = load(self.settings, self.folder)
        if result.errors:
            named = "; ".join(str(e) for e in result.errors)
            raise Invalid(
                f"{len(result.errors)} rule(s) refused ({named}); fix them or run "
                "`sentinel rules validate`"
            )
        return result

    def list(self, actor: Actor) -> list[RuleView]:
        require(actor, "rules:read")
        return views(sorted(self.loaded().ruleset.rules.values(), key=lambda r: r.name))

    def validate(self, actor: Actor) -> RuleCheck:
        """Every rule file read; the refused rules with file, line and reason."""
        require(actor, "rules:read")
        return check(self.settings, self.folder)

    def test_examples(self, actor: Actor, rule: str | None = None) -> ExampleReport:
        """Each rule's example events through a real store and the engine.

        They run in a scratch SQLite store of their own, never in the configured one.
        """
        require(actor, "rules:read")
        result, folder = load(self.settings, self.folder)
        if rule and result.ruleset.get(rule) is None:
            raise Invalid(
                f"no loaded rule named {rule!r} in {folder}; see `sentinel rules validate`"
            )
        results = [run_examples(p, result.ruleset, _scratch_store) for p in example_files(folder)]
        missing = untested(result.ruleset, folder)
        if rule:
            results = [r for r in results if r.rule == rule]
            missing = [name for name in missing if name == rule]
        return ExampleReport(
            results=[
                ExampleResultView(
                    rule=r.rule,
                    file=r.file,
                    passed=r.passed,
                    fired=r.fired,
                    quiet_fired=r.quiet_fired,
                    reason=r.reason(),
                )
                for r in results
            ],
            rules_without_examples=missing,
            refused=[str(e) for e in result.errors],
        )


@contextmanager
def _scratch_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory(prefix="sentinel-rules-test-") as tmp:
        store = SQLiteStore(f"sqlite:///{tmp}/examples.db")
        store.init()
        try:
            yield store
        finally:
            store.close()


class RuleService:
    def __init__(self, ctx: ServiceContext, folder: Path | None = None) -> None:
        self.ctx = ctx
        self.folder = folder

    def loaded(self) -> LoadResult:
        """The pack for running: refused as a whole when any rule in it is refused."""
        return RulePack(self.ctx.settings, self.folder).loaded()

    def list(self, actor: Actor) -> list[RuleView]:
        return RulePack(self.ctx.settings, self.folder).list(actor)

    def status(self, actor: Actor) -> list[RuleStatusView]:
        """Each alerting rule's last run, how far behind now it is, and whether it fails."""
        require(actor, "rules:read")
        store, clock = self.ctx.store, self.ctx.clock
        engine = Engine(store, self.loaded().ruleset, Alerts(store, clock), clock)
        return [
            RuleStatusView(
                rule=s.rule,
                kind=s.kind,
                status=s.status,
                last_end=s.last_end,
                last_run=s.last_run,
                lag_seconds=s.lag.total_seconds() if s.lag is not None else None,
                error=s.error,
                budget=s.budget.as_dict() if s.budget else None,
            )
            for s in engine.status()
        ]

    def backfill(
        self,
        actor: Actor,
        start: datetime,
        end: datetime,
        *,
        rules: Sequence[str] = (),
        dry_run: bool = False,
    ) -> Backfill:
        """Run rules over a past range (backfill, investigation): their saved place stays.

        Alerts are stored unless ``dry_run`` (the same burst always gets the same alert,
        so running it twice changes nothing) but nobody is notified.
        """
        require(actor, "rules:run")
        if start >= end:
            raise Invalid(f"the start ({start}) must be before the end ({end})")
        ruleset = self.loaded().ruleset
        unknown = [name for name in rules if ruleset.get(name) is None]
        if unknown:
            raise Invalid(f"unknown rule(s) {', '.join(unknown)}; see `sentinel rules list`")
        chosen = [r for name in rules if (r := ruleset.get(name))] or ruleset.alerting()
        store, clock = self.ctx.store, self.ctx.clock
        engine = Engine(
            store,
            ruleset,
            Alerts(store, clock),
            clock,
            max_window=self.ctx.settings.detection.max_window,
            replay_window=self.ctx.settings.detection.replay_window,
        )
        found, runs = engine.backfill(start, end, chosen, store_alerts=not dry_run)
        return Backfill(
            detections=[
                DetectionView(
                    rule=d.rule.name,
                    severity=d.rule.meta.severity,
                    group=d.group,
                    start=d.start,
                    end=d.end,
                    count=d.count,
                    distinct=d.distinct,
                    summary=d.summary,
                )
                for d in _once(found)
            ],
            runs=[
                RuleRunView(
                    rule=r.rule,
                    start=r.start,
                    end=r.end,
                    windows=r.windows,
                    detections=r.detections,
                    new_alerts=r.new_alerts,
                    updated=r.updated,
                    folded=r.folded,
                    cleared=r.cleared,
                    lag_seconds=r.lag.total_seconds() if r.lag is not None else None,
                    error=r.error,
                    budget=r.budget.as_dict(),
                )
                for r in runs
            ],
        )


def _once(detections: list[Detection]) -> list[Detection]:
    """One per alert: catch-up windows inside one rule window each report that window again."""
    latest = {alert_id(d.rule.id, d.group, d.key): d for d in detections}
    return list(latest.values())
