"""The rule pack and how its rules run: what is loaded, what was refused, each rule's last run."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sentinel.alerts import Alerts
from sentinel.config import Settings
from sentinel.detection.engine import Engine
from sentinel.detection.loader import LoadResult, Vocabulary, load_rules, rule_files
from sentinel.detection.model import Rule
from sentinel.enrich.data_map import load_data_map
from sentinel.enrich.errors import EnrichmentError
from sentinel.events import PARSER_ACTIONS
from sentinel.incidents.facts import Time
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Invalid

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


class RuleCheck(BaseModel):
    files: int
    rules: list[str]
    errors: list[RuleRefusal]


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


class RuleService:
    def __init__(self, ctx: ServiceContext, folder: Path | None = None) -> None:
        self.ctx = ctx
        self.folder = folder

    def loaded(self) -> LoadResult:
        """The pack for running: refused as a whole when any rule in it is refused."""
        result, _ = load(self.ctx.settings, self.folder)
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
