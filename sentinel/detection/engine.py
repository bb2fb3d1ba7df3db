"""Runs each rule over ``[previous end - delay, now - delay]`` and keeps its place in the store.

A rule's previous end is kept as a record, so a restart continues where the
rule stopped; after downtime the engine catches up in bounded windows, saving
its place after each, and reports how far behind every rule is. A rule that
fails is marked failing with its error and the other rules go on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sentinel.clock import Clock
from sentinel.detection.evaluate import Detection, Span, evaluate, quiet_groups
from sentinel.detection.model import Rule, RuleSet
from sentinel.events import format_timestamp, parse_timestamp
from sentinel.store.base import Store, StoreError, StoreUnavailable
from sentinel.store.budget import Budget, metered
from sentinel.store.fencing import Fence, fenced_update, raise_fence

log = logging.getLogger(__name__)

STATE = "rule_state"


class Recorded(Protocol):
    new: list[str]
    updated: int
    folded: int


class AlertSink(Protocol):
    """Where detections go (``sentinel.alerts.Alerts``); the engine only hands them on."""

    def record(self, detections: Iterable[Detection], *, notify: bool = True) -> Recorded: ...

    def clear_resumed(self, rule: Rule, still_quiet: set[tuple[Any, ...]]) -> list[str]: ...


@dataclass(slots=True)
class RuleRun:
    rule: str
    start: datetime | None = None
    end: datetime | None = None
    windows: int = 0
    detections: int = 0
    new_alerts: list[str] = field(default_factory=list)
    updated: int = 0
    folded: int = 0
    cleared: int = 0
    lag: timedelta | None = None
    error: str | None = None
    budget: Budget = field(default_factory=Budget)
    """What the run asked of the store."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "start": format_timestamp(self.start) if self.start else None,
            "end": format_timestamp(self.end) if self.end else None,
            "windows": self.windows,
            "detections": self.detections,
            "new_alerts": self.new_alerts,
            "updated": self.updated,
            "folded": self.folded,
            "cleared": self.cleared,
            "lag_seconds": self.lag.total_seconds() if self.lag is not None else None,
            "error": self.error,
            "budget": self.budget.as_dict(),
        }

    def line(self) -> str:
        if self.error:
            return f"FAILING: {self.error}"
        return (
            f"{self.windows} window(s), {self.detections} detection(s), "
            f"{len(self.new_alerts)} new alert(s), {self.updated} updated, {self.folded} folded"
            + (f", {self.cleared} cleared" if self.cleared else "")
            + f"; {self.budget.line()}"
        )


@dataclass(slots=True)
class RuleStatus:
    rule: str
    title: str
    kind: str
    last_end: datetime | None
    last_run: datetime | None
    lag: timedelta | None
    status: str
    error: str | None
    budget: Budget | None = None
    """What the last run asked of the store."""


class Engine:
    def __init__(
        self,
        store: Store,
        rules: RuleSet,
        alerts: AlertSink,
        clock: Clock,
        *,
        initial_lookback: timedelta = timedelta(days=7),
        max_window: timedelta = timedelta(hours=6),
        replay_window: timedelta = timedelta(days=1),
    ) -> None:
        self.store = store
        self.rules = rules
        self.alerts = alerts
        self.clock = clock
        self.initial_lookback = initial_lookback
        self.max_window = max_window
        self.replay_window = replay_window

    def run(self, rule: Rule, fence: Fence | None = None) -> RuleRun:
        """One scheduled run of a rule: from its saved place up to now - delay.

        With a ``fence`` (the lease a worker holds for the rule) the saved place
        is put under it before it is read, and every save is refused with
        ``FencedOff`` once the rule has passed to another worker.
        """
        now = self.clock.now()
        end = now - rule.meta.delay
        if fence is not None:
            raise_fence(self.store, STATE, rule.id, fence)
        state = self.store.get_record(STATE, rule.id)
        previous = state.data.get("last_end") if state else None
        start = (
            parse_timestamp(previous) - rule.meta.delay if previous else end - self.initial_lookback
        )
        result = RuleRun(rule=rule.name, start=start, end=end)
        cursor = start
        try:
            while cursor < end:
                chunk_end = min(cursor + self.max_window, end)
                with metered() as spent:
                    detections = evaluate(rule, self.rules, self.store, Span(cursor, chunk_end))
                result.budget.add(spent)
                self._record(rule, detections, result, notify=True, last=chunk_end >= end)
                self._save(rule, chunk_end, now, None, fence, result.budget)
                result.windows += 1
                cursor = chunk_end
        except StoreUnavailable:
            raise  # the rule is fine; it resumes from its saved place once the store answers
        except (StoreError, ValueError, TypeError, KeyError) as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            log.warning("rule %s failed: %s", rule.name, result.error)
            self._save(rule, None, now, result.error, fence, result.budget)
        result.lag = now - cursor
        return result

    def _record(
        self, rule: Rule, detections: list[Detection], result: RuleRun, *, notify: bool, last: bool
    ) -> None:
        # in time order, so that a repeat folds into the alert of the burst before it
        report = self.alerts.record(sorted(detections, key=lambda d: d.first), notify=notify)
        result.detections += len(detections)
        result.new_alerts += report.new
        result.updated += report.updated
        result.folded += report.folded
        if rule.kind == "flatline" and last:
            result.cleared += len(self.alerts.clear_resumed(rule, quiet_groups(rule, detections)))

    def _save(
        self,
        rule: Rule,
        last_end: datetime | None,
        now: datetime,
        error: str | None,
        fence: Fence | None,
        budget: Budget,
    ) -> None:
        def change(data: dict[str, Any]) -> dict[str, Any]:
            if last_end is not None:
                data["last_end"] = format_timestamp(last_end)
            data["last_run"] = format_timestamp(now)
            data["status"] = "failing" if error else "ok"
            data["error"] = error
            data["budget"] = budget.as_dict()
            return data

        fenced_update(self.store, STATE, rule.id, change, fence)

    def run_all(self) -> list[RuleRun]:
        return [self.run(rule) for rule in self.rules.alerting()]

    def backfill(
        self, start: datetime, end: datetime, rules: list[Rule], *, store_alerts: bool = True
    ) -> tuple[list[Detection], list[RuleRun]]:
        """Run rules over a past range without moving their saved place or notifying anyone.

        Each rule goes over the range in passes of ``replay_window`` (or ``max_window`` if
        larger; a new-terms rule's as long as its history): nothing is saved between
        passes, and the results do not depend on where the range is cut, so fewer
        passes only ask less of the store.
        """
        found: list[Detection] = []
        runs = []
        for rule in rules:
            step = max(self.max_window, self.replay_window)
            if rule.new_terms is not None:
                # each pass reads the rule's whole history: passes as long as it read it once
                step = max(step, rule.new_terms.history)
            result = RuleRun(rule=rule.name, start=start, end=end)
            cursor = start
            try:
                while cursor < end:
                    chunk_end = min(cursor + step, end)
                    with metered() as spent:
                        detections = evaluate(rule, self.rules, self.store, Span(cursor, chunk_end))
                    result.budget.add(spent)
                    found += detections
                    if store_alerts:
                        self._record(rule, detections, result, notify=False, last=False)
                    else:
                        result.detections += len(detections)
                    result.windows += 1
                    cursor = chunk_end
            except StoreUnavailable:
                raise
            except (StoreError, ValueError, TypeError, KeyError) as exc:
                result.error = f"{type(exc).__name__}: {exc}"
            runs.append(result)
        return found, runs

    def status(self) -> list[RuleStatus]:
        now = self.clock.now()
        out = []
        for rule in self.rules.alerting():
            state = self.store.get_record(STATE, rule.id)
            data = state.data if state else {}
            last_end = parse_timestamp(data["last_end"]) if data.get("last_end") else None
            out.append(
                RuleStatus(
                    rule=rule.name,
                    title=rule.title,
                    kind=rule.kind,
                    last_end=last_end,
                    last_run=parse_timestamp(data["last_run"]) if data.get("last_run") else None,
                    lag=now - last_end if last_end else None,
                    status=data.get("status", "never run"),
                    error=data.get("error"),
                    budget=Budget.from_dict(data["budget"]) if "budget" in data else None,
                )
            )
        return out
