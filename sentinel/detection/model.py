"""Loaded rules: what the engine runs. Built by the loader, never by hand elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from sentinel.store.query import Filter

Kind = Literal[
    "match",
    "event_count",
    "value_count",
    "temporal",
    "temporal_ordered",
    "new_terms",
    "baseline",
    "flatline",
]
SEVERITIES = ("informational", "low", "medium", "high", "critical")


@dataclass(frozen=True, slots=True)
class Throttle:
    """At most ``max`` notifications of a rule per ``per``; the rest are recorded, not sent."""

    max: int
    per: timedelta


@dataclass(frozen=True, slots=True)
class Meta:
    severity: str
    categories: tuple[str, ...] = ()
    playbook: str | None = None
    suppress: timedelta | None = None
    channels: tuple[str, ...] = ()
    interval: timedelta = timedelta(minutes=5)
    delay: timedelta = timedelta(minutes=2)
    """How late events may arrive; windows end this long before now and overlap by it."""
    throttle: Throttle | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """Threshold of a correlation: ``op`` against ``count``; ``field`` for value_count."""

    op: Literal["gt", "gte", "lt", "lte", "eq", "neq"]
    count: int
    field: str | None = None
    upper: int | None = None
    """With op "gte": an inclusive upper bound too (Sigma's range condition)."""

    def holds(self, n: int) -> bool:
        ok = {
            "gt": n > self.count,
            "gte": n >= self.count,
            "lt": n < self.count,
            "lte": n <= self.count,
            "eq": n == self.count,
            "neq": n != self.count,
        }[self.op]
        return ok and (self.upper is None or n <= self.upper)

    @property
    def minimum(self) -> int:
        """The smallest count that can hold, for pushing the threshold into the store."""
        return {"gt": self.count + 1, "gte": self.count, "eq": self.count}.get(self.op, 1)


@dataclass(frozen=True, slots=True)
class NewTerms:
    fields: tuple[str, ...]
    group_by: tuple[str, ...]
    history: timedelta


@dataclass(frozen=True, slots=True)
class Baseline:
    group_by: tuple[str, ...]
    window: timedelta
    history: timedelta
    ratio: float
    min_count: int


@dataclass(frozen=True, slots=True)
class Flatline:
    group_by: tuple[str, ...]
    span: timedelta
    history: timedelta
    expected: tuple[str, ...] = ()
    """Group values that must be seen even if history has none (e.g. configured sources)."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    title: str
    description: str
    file: str
    line: int
    kind: Kind
    meta: Meta
    filter: Filter | None = None
    """The events a base rule selects; None for correlations."""
    alerting: bool = True
    """False for base rules that only feed a correlation (Sigma's ``generate: false``)."""
    group_by: tuple[str, ...] = ()
    window: timedelta = timedelta(hours=1)
    """Alert window: a match rule's bucket, a correlation's timespan."""
    references: tuple[str, ...] = ()
    generate: bool = False
    """Sigma's correlation flag: the referenced rules also alert on their own."""
    condition: Condition | None = None
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    """alias → {referenced rule name → field in that rule's events}."""
    new_terms: NewTerms | None = None
    baseline: Baseline | None = None
    flatline: Flatline | None = None
    tags: tuple[str, ...] = ()

    def group_field(self, alias: str, rule_name: str) -> str:
        return self.aliases.get(alias, {}).get(rule_name, alias)

    @property
    def history(self) -> timedelta:
        """How far back the rule reads events: retention must keep at least this much."""
        spans = [self.window]
        for extension in (self.new_terms, self.baseline, self.flatline):
            if extension is not None:
                spans.append(extension.history)
        return max(spans)


@dataclass(slots=True)
class RuleSet:
    rules: dict[str, Rule]
    """By name (Sigma ``name``, else the id)."""

    def by_id(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules.values() if r.id == rule_id), None)

    def get(self, key: str) -> Rule | None:
        return self.rules.get(key) or self.by_id(key)

    def alerting(self) -> list[Rule]:
        return [r for r in self.rules.values() if r.alerting]
