"""Every rule ships example events that must fire it and events that must not.

``rules/<name>.examples.yml`` next to the rule file::

    rule: bulk_view                 # the rule name (a file may hold several rules)
    fire:
      - at: 2026-03-10T01:00:00Z
        repeat: 150                 # optional: this many events ...
        every: 20s                  # ... this far apart
        vary: {sentinel.member.id: "M{n:05d}"}   # fields formatted with n = 0, 1, ...
        event: {event.action: member.view, user.name: night.owl}
    quiet:
      - ...
    expect: {user.name: night.owl}  # optional: the group the alert must name

Each set is written to a fresh store and the rule run over it through the real
engine: ``fire`` must give at least one detection (for ``expect`` if given),
``quiet`` none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from sentinel.alerts import Alerts
from sentinel.clock import SystemClock
from sentinel.config import parse_duration
from sentinel.detection.engine import Engine
from sentinel.detection.evaluate import Detection
from sentinel.detection.loader import EXAMPLES_SUFFIX
from sentinel.detection.model import Rule, RuleSet
from sentinel.events import Event, event_id, parse_timestamp
from sentinel.store.base import Store

StoreFactory = Callable[[], AbstractContextManager[Store]]
_MARGIN = timedelta(hours=1)


class ExampleError(ValueError):
    """An examples file is malformed; the message names the file and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExampleEvent(_Strict):
    at: datetime
    event: dict[str, Any]
    repeat: int = Field(default=1, ge=1, le=100_000)
    every: Annotated[timedelta, BeforeValidator(parse_duration)] = timedelta(seconds=1)
    vary: dict[str, str] = Field(default_factory=dict)
    source: str = "examples"


class Examples(_Strict):
    rule: str
    fire: list[ExampleEvent] = Field(min_length=1)
    quiet: list[ExampleEvent] = Field(min_length=1)
    expect: dict[str, Any] = Field(default_factory=dict)


@dataclass(slots=True)
class ExampleResult:
    rule: str
    file: str
    fired: int
    quiet_fired: int
    expected_found: bool
    error: str | None = None

    @property
    def passed(self) -> bool:
        ok = self.error is None and self.fired > 0 and self.expected_found
        return ok and not self.quiet_fired

    def reason(self) -> str:
        if self.error:
            return self.error
        problems = []
        if not self.fired:
            problems.append("the 'fire' events raised no detection")
        elif not self.expected_found:
            problems.append("no detection names the expected group")
        if self.quiet_fired:
            problems.append(f"the 'quiet' events raised {self.quiet_fired} detection(s)")
        return "; ".join(problems) or "ok"


def example_files(rules_dir: Path) -> list[Path]:
    """Examples files in the folder and its subfolders, as the rules are found."""
    found = rules_dir.rglob(f"*{EXAMPLES_SUFFIX}")
    return sorted(
        (f for f in found if not any(p.startswith(".") for p in f.relative_to(rules_dir).parts)),
        key=lambda f: f.relative_to(rules_dir).parts,
    )


def load_examples(path: Path) -> Examples:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Examples.model_validate(data)
    except yaml.YAMLError as exc:
        raise ExampleError(f"{path}: broken YAML: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ExampleError(f"{path}: {loc}: {err['msg']}") from None


def expand(items: list[ExampleEvent], tag: str) -> Iterator[Event]:
    for i, item in enumerate(items):
        at = parse_timestamp(item.at)
        for n in range(item.repeat):
            fields = dict(item.event)
            for name, template in item.vary.items():
                fields[name] = template.format(n=n)
            yield Event(
                id=event_id(item.source, f"{tag}:{i}:{n}"),
                timestamp=at + n * item.every,
                source=item.source,
                fields=fields,
            )


def _detections(rule: Rule, rules: RuleSet, store: Store, events: list[Event]) -> list[Detection]:
    """Backfill the rule over the events' time range, window by window, as the engine does."""
    store.write_events(events)
    refresh = getattr(store, "refresh", None)
    if callable(refresh):
        refresh()
    start = min(e.timestamp for e in events) - _MARGIN
    end = max(e.timestamp for e in events) + _MARGIN
    engine = Engine(store, rules, Alerts(store, SystemClock()), SystemClock())
    detections, runs = engine.backfill(start, end, [rule], store_alerts=False)
    if runs[0].error:
        raise ExampleError(f"rule {rule.name} failed: {runs[0].error}")
    return detections


def run_examples(path: Path, rules: RuleSet, new_store: StoreFactory) -> ExampleResult:
    try:
        ex = load_examples(path)
    except ExampleError as exc:
        return ExampleResult(path.name, str(path), 0, 0, False, str(exc))
    rule = rules.get(ex.rule)
    if rule is None:
        return ExampleResult(ex.rule, str(path), 0, 0, False, f"no loaded rule named {ex.rule!r}")
    try:
        with new_store() as store:
            fired = _detections(rule, rules, store, list(expand(ex.fire, "fire")))
        with new_store() as store:
            quiet = _detections(rule, rules, store, list(expand(ex.quiet, "quiet")))
    except ExampleError as exc:
        return ExampleResult(rule.name, str(path), 0, 0, False, str(exc))
    expected = not ex.expect or any(
        all(d.group.get(k) == v for k, v in ex.expect.items()) for d in fired
    )
    return ExampleResult(rule.name, str(path), len(fired), len(quiet), expected)


def untested(rules: RuleSet, rules_dir: Path) -> list[str]:
    """Alerting rules without an examples file naming them."""
    covered = set()
    for path in example_files(rules_dir):
        try:
            covered.add(load_examples(path).rule)
        except ExampleError:
            continue
    return sorted(r.name for r in rules.alerting() if r.name not in covered)
