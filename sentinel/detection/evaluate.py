"""Turns one rule and one time span into detections, with the work pushed into the store.

Every kind asks the store for aggregated rows (groups, buckets, counts, first
and last times), never for the events themselves. Windows are aligned to the
epoch (a correlation's timespan, a match rule's window), so the same burst
always lands in the same window and gets the same alert id, however often and
with whatever overlap the rule runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel.detection.model import Rule, RuleSet
from sentinel.events import format_timestamp
from sentinel.localtime import span as human
from sentinel.store.base import Store
from sentinel.store.query import Aggregation, AggRow, EventQuery, Filter, Match, Or, all_of

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_HISTORY_BUCKETS = 3
"""A baseline needs this many active buckets of history before it can call a spike."""
SEQUENCE_RESOLUTION = 60
"""A temporal rule's timespan is cut into this many slices to order its events."""
LEARNING_PERIOD = timedelta(days=3)
"""How much history a new-terms rule needs before anything can count as new."""


@dataclass(frozen=True, slots=True)
class Span:
    start: datetime
    end: datetime


@dataclass(slots=True)
class Detection:
    rule: Rule
    group: dict[str, Any]
    start: datetime
    end: datetime
    count: int
    first: datetime
    last: datetime
    evidence: EventQuery
    key: str
    """The window part of the alert id: stable for the same burst across runs."""
    summary: str
    distinct: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


STAGGER = 2
"""Threshold windows are evaluated at this many offsets (a timespan's halves), so a
burst that straddles a window boundary still falls mostly inside one window."""


def floor(ts: datetime, size: timedelta, offset: timedelta = timedelta(0)) -> datetime:
    step = int(size.total_seconds() * 1000)
    off = int(offset.total_seconds() * 1000) % step
    ms = int((ts - EPOCH).total_seconds() * 1000) - off
    return EPOCH + timedelta(milliseconds=ms // step * step + off)


def evaluate(rule: Rule, rules: RuleSet, store: Store, span: Span) -> list[Detection]:
    if rule.kind == "match":
        return _match(rule, store, span)
    if rule.kind in ("event_count", "value_count"):
        return _threshold(rule, rules, store, span)
    if rule.kind in ("temporal", "temporal_ordered"):
        return _temporal(rule, rules, store, span)
    if rule.kind == "new_terms":
        return _new_terms(rule, store, span)
    if rule.kind == "baseline":
        return _baseline(rule, store, span)
    if rule.kind == "flatline":
        return _flatline(rule, store, span)
    raise ValueError(f"unknown rule kind {rule.kind}")


# helpers ---------------------------------------------------------------------


def _eqs(fields: Iterable[str], values: Iterable[Any]) -> list[Filter]:
    return [Match(f, "eq", v) for f, v in zip(fields, values, strict=True)]


def _who(group: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in group.items()) or "all events"


def _any_of(filters: list[Filter]) -> Filter:
    return filters[0] if len(filters) == 1 else Or(tuple(filters))


def _rows(
    store: Store,
    flt: Filter | None,
    group_by: tuple[str, ...],
    span: Span,
    *,
    bucket: timedelta | None = None,
    offset: timedelta = timedelta(0),
    distinct: str | None = None,
    min_count: int = 1,
    min_distinct: int = 0,
) -> list[AggRow]:
    start = floor(span.start, bucket, offset) if bucket else span.start
    agg = Aggregation(
        group_by=group_by,
        distinct=distinct,
        bucket=bucket,
        offset=offset,
        min_count=min_count,
        min_distinct=min_distinct,
    )
    # An event without a group-by field belongs to no group (as in Elastic's threshold
    # rules): "failed logins per user" must not pool every anonymous request into one.
    keyed = all_of(flt, *(Match(f, "exists", True) for f in group_by))
    return list(store.aggregate(EventQuery(filter=keyed, start=start, end=span.end), agg))


def _sources(rule: Rule, rules: RuleSet) -> list[tuple[Rule, tuple[str, ...]]]:
    """Each referenced rule with the fields that hold this rule's group-by (aliases applied)."""
    return [
        (rules.rules[name], tuple(rule.group_field(alias, name) for alias in rule.group_by))
        for name in rule.references
    ]


def _evidence(sources: list[tuple[Rule, tuple[str, ...]]], key: tuple[Any, ...]) -> Filter:
    parts = [all_of(ref.filter, *_eqs(fields, key)) for ref, fields in sources]
    return _any_of([p for p in parts if p is not None])


# match -----------------------------------------------------------------------


def _match(rule: Rule, store: Store, span: Span) -> list[Detection]:
    out = []
    for row in _rows(store, rule.filter, rule.group_by, span, bucket=rule.window):
        assert row.bucket is not None
        group = dict(zip(rule.group_by, row.key, strict=True))
        start, end = row.bucket, row.bucket + rule.window
        out.append(
            Detection(
                rule=rule,
                group=group,
                start=start,
                end=end,
                count=row.count,
                first=row.first,
                last=row.last,
                evidence=EventQuery(all_of(rule.filter, *_eqs(rule.group_by, row.key)), start, end),
                key=format_timestamp(start),
                summary=f"{row.count} matching event(s) for {_who(group)}",
            )
        )
    return out


# event_count / value_count ---------------------------------------------------


def _threshold(rule: Rule, rules: RuleSet, store: Store, span: Span) -> list[Detection]:
    assert rule.condition is not None
    cond = rule.condition
    sources = _sources(rule, rules)
    size = rule.window
    counting_values = rule.kind == "value_count"
    merged: dict[tuple[tuple[Any, ...], datetime], AggRow] = {}
    for k in range(STAGGER):
        offset = size * k / STAGGER
        if counting_values or len({fields for _, fields in sources}) == 1:
            # one query over the referenced rules' events together, grouped by the same fields
            rows = _rows(
                store,
                _any_of([r.filter for r, _ in sources if r.filter is not None]),
                sources[0][1],
                span,
                bucket=size,
                offset=offset,
                distinct=cond.field if counting_values else None,
                min_count=1 if counting_values else cond.minimum,
                min_distinct=cond.minimum if counting_values else 0,
            )
            merged.update({(row.key, row.bucket): row for row in rows})  # type: ignore[misc]
            continue
        for ref, fields in sources:
            for row in _rows(store, ref.filter, fields, span, bucket=size, offset=offset):
                seen = merged.get((row.key, row.bucket))  # type: ignore[arg-type]
                if seen is None:
                    merged[(row.key, row.bucket)] = row  # type: ignore[index]
                else:
                    seen.count += row.count
                    seen.first = min(seen.first, row.first)
                    seen.last = max(seen.last, row.last)
    out = []
    for (key, bucket), row in merged.items():
        n = row.distinct if counting_values else row.count
        if n is None or not cond.holds(n):
            continue
        group = dict(zip(rule.group_by, key, strict=True))
        end = bucket + size
        measure = f"{n} distinct {cond.field}" if counting_values else f"{n} events"
        approx = " (approximate)" if row.approximate else ""
        out.append(
            Detection(
                rule=rule,
                group=group,
                start=bucket,
                end=end,
                count=row.count,
                distinct=row.distinct,
                first=row.first,
                last=row.last,
                evidence=EventQuery(_evidence(sources, key), bucket, end),
                key=format_timestamp(bucket),
                summary=f"{measure}{approx} within {human(size)} for {_who(group)}",
                extra={"approximate": row.approximate} if row.approximate else {},
            )
        )
    return out


# temporal / temporal_ordered -------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Occurrence:
    first: datetime
    last: datetime


def _occurrences(
    ref: Rule, fields: tuple[str, ...], rules: RuleSet, store: Store, span: Span, slice_: timedelta
) -> dict[tuple[Any, ...], list[_Occurrence]]:
    """When a referenced rule occurred, per group: its detections, or slices of its events."""
    out: dict[tuple[Any, ...], list[_Occurrence]] = defaultdict(list)
    if ref.references:
        for d in _threshold(ref, rules, store, span):
            key = tuple(d.group.get(f) for f in ref.group_by)
            out[key].append(_Occurrence(d.first, d.last))
    else:
        for row in _rows(store, ref.filter, fields, span, bucket=slice_):
            out[row.key].append(_Occurrence(row.first, row.last))
    for occ in out.values():
        occ.sort(key=lambda o: o.last)
    return out


def _temporal(rule: Rule, rules: RuleSet, store: Store, span: Span) -> list[Detection]:
    """Sequences are judged at their last element, which must fall in the span.

    The earlier elements may lie up to one timespan before it, so the store is
    asked for that much more history.
    """
    sources = _sources(rule, rules)
    timespan = rule.window
    slice_ = max(timedelta(seconds=1), timespan / SEQUENCE_RESOLUTION)
    wide = Span(span.start - timespan, span.end)
    per_rule = [_occurrences(ref, fields, rules, store, wide, slice_) for ref, fields in sources]
    groups = set().union(*(set(occ) for occ in per_rule))
    found: dict[tuple[tuple[Any, ...], str], Detection] = {}
    for key in groups:
        lists = [occ.get(key, []) for occ in per_rule]
        if any(not occ for occ in lists):
            continue
        anchors = lists[-1] if rule.kind == "temporal_ordered" else [o for oc in lists for o in oc]
        for anchor in anchors:
            t = anchor.last
            if not span.start <= t < span.end:
                continue
            begin = _sequence_start(lists, t, timespan, ordered=rule.kind == "temporal_ordered")
            if begin is None:
                continue
            bucket = floor(t, timespan)
            ident = (key, format_timestamp(bucket))
            group = dict(zip(rule.group_by, key, strict=True))
            names = " then ".join(r.title for r, _ in sources)
            found[ident] = Detection(
                rule=rule,
                group=group,
                start=begin,
                end=t,
                count=len(sources),
                first=begin,
                last=t,
                evidence=EventQuery(_evidence(sources, key), begin, t + timedelta(milliseconds=1)),
                key=ident[1],
                summary=f"{names} within {human(timespan)} for {_who(group)}",
            )
    return list(found.values())


def _sequence_start(
    lists: list[list[_Occurrence]], t: datetime, timespan: timedelta, *, ordered: bool
) -> datetime | None:
    """The start of the latest sequence ending at ``t``, or None when there is none.

    Ordered: walking back from the last element, each earlier rule needs an
    occurrence that started no later than the element after it; taking the
    latest such moment keeps the sequence as short as possible.
    """
    earliest = t - timespan
    if not ordered:
        starts = []
        for occ in lists:
            hits = [o for o in occ if o.first <= t and o.last >= earliest]
            if not hits:
                return None
            starts.append(max(o.first for o in hits))
        return min(starts)
    current = t
    for occ in reversed(lists[:-1]):
        best = max((min(o.last, current) for o in occ if o.first <= current), default=None)
        if best is None or best < earliest:
            return None
        current = best
    return current


# new terms -------------------------------------------------------------------


def _new_terms(rule: Rule, store: Store, span: Span) -> list[Detection]:
    """Value combinations first seen in the span, judged against the rule's history.

    Until the store holds a full history of the rule's events, everything would
    look new; the rule stays quiet for combinations first seen before then.
    """
    nt = rule.new_terms
    assert nt is not None
    fields = (*nt.group_by, *nt.fields)
    history_start = span.start - nt.history
    earliest = _earliest(store, rule.filter)
    if earliest is None:
        return []
    learned = earliest + min(nt.history, LEARNING_PERIOD)
    out = []
    rows = store.first_seen(EventQuery(rule.filter, span.start, span.end), fields, history_start)
    for row in rows:
        if row.first < learned:
            continue
        group = dict(zip(fields, row.key, strict=True))
        day = floor(row.first, timedelta(days=1))
        new = ", ".join(
            f"{f}={v}" for f, v in zip(nt.fields, row.key[len(nt.group_by) :], strict=True)
        )
        who = _who(dict(zip(nt.group_by, row.key[: len(nt.group_by)], strict=True)))
        out.append(
            Detection(
                rule=rule,
                group=group,
                start=row.first,
                end=row.last,
                count=row.count,
                first=row.first,
                last=row.last,
                evidence=EventQuery(
                    all_of(rule.filter, *_eqs(fields, row.key)), day, day + timedelta(days=1)
                ),
                key=format_timestamp(day),
                summary=f"first {new} for {who} in {human(nt.history)}",
            )
        )
    return out


def _earliest(store: Store, flt: Filter | None) -> datetime | None:
    page = store.search_events(EventQuery(filter=flt), limit=1, ascending=True)
    return page.events[0].timestamp if page.events else None


def _latest(store: Store, flt: Filter | None, span: Span) -> datetime | None:
    page = store.search_events(EventQuery(flt, span.start, span.end), limit=1)
    return page.events[0].timestamp if page.events else None


# baseline --------------------------------------------------------------------


def _baseline(rule: Rule, store: Store, span: Span) -> list[Detection]:
    """A group's count in a window against the mean of its own active windows before it."""
    b = rule.baseline
    assert b is not None
    current = _rows(store, rule.filter, b.group_by, span, bucket=b.window, min_count=b.min_count)
    if not current:
        return []
    buckets = [row.bucket for row in current if row.bucket is not None]
    candidates = {row.key for row in current}
    groups = _any_of([all_of(*_eqs(b.group_by, key)) for key in candidates])  # type: ignore[misc]
    history: dict[tuple[Any, ...], list[AggRow]] = defaultdict(list)
    past = Span(min(buckets) - b.history, max(buckets))
    for row in _rows(store, all_of(rule.filter, groups), b.group_by, past, bucket=b.window):
        history[row.key].append(row)
    out = []
    for row in current:
        assert row.bucket is not None
        before = [
            h
            for h in history.get(row.key, [])
            if h.bucket is not None and row.bucket - b.history <= h.bucket < row.bucket
        ]
        if len(before) < MIN_HISTORY_BUCKETS:
            continue
        mean = sum(h.count for h in before) / len(before)
        if row.count < b.ratio * mean:
            continue
        group = dict(zip(b.group_by, row.key, strict=True))
        end = row.bucket + b.window
        out.append(
            Detection(
                rule=rule,
                group=group,
                start=row.bucket,
                end=end,
                count=row.count,
                first=row.first,
                last=row.last,
                evidence=EventQuery(
                    all_of(rule.filter, *_eqs(b.group_by, row.key)), row.bucket, end
                ),
                key=format_timestamp(row.bucket),
                summary=(
                    f"{row.count} events within {human(b.window)} for {_who(group)}, "
                    f"{row.count / mean:.1f} times its usual {mean:.1f}"
                ),
                extra={"baseline": round(mean, 2), "ratio": round(row.count / mean, 2)},
            )
        )
    return out


# flatline --------------------------------------------------------------------


def _flatline(rule: Rule, store: Store, span: Span) -> list[Detection]:
    """Groups (sources, services) that went quiet for the rule's span, once per silence."""
    f = rule.flatline
    assert f is not None
    history = Span(span.end - f.history, span.end)
    last_seen: dict[tuple[Any, ...], datetime | None]
    if f.expected:
        # known groups: one probe each for its latest event, instead of a week's aggregate
        last_seen = {
            (value,): _latest(store, all_of(rule.filter, *_eqs(f.group_by, (value,))), history)
            for value in f.expected
        }
    else:
        last_seen = {row.key: row.last for row in _rows(store, rule.filter, f.group_by, history)}
    # An expected group never seen is silent only if something else was heard meanwhile:
    # before the first event reaches the store (a new install, a backfill from before
    # the logs begin) there is no evidence of silence, only of no data yet.
    heard = any(last is not None for last in last_seen.values()) or (
        _latest(store, None, Span(history.start, span.end - f.span)) is not None
    )
    out = []
    for key, last in last_seen.items():
        if last is None and not heard:
            continue
        since = last if last is not None else span.end - f.history
        if span.end - since < f.span:
            continue
        group = dict(zip(f.group_by, key, strict=True))
        episode = format_timestamp(last) if last is not None else "never-seen"
        out.append(
            Detection(
                rule=rule,
                group=group,
                start=since,
                end=span.end,
                count=0,
                first=since,
                last=since,
                evidence=EventQuery(
                    all_of(rule.filter, *_eqs(f.group_by, key)), since - f.span, span.end
                ),
                key=episode,
                summary=f"no events for {_who(group)} since {format_timestamp(since)} "
                f"({human(span.end - since)})",
                extra={"silent_since": format_timestamp(since)},
            )
        )
    return out


def quiet_groups(rule: Rule, detections: list[Detection]) -> set[tuple[Any, ...]]:
    """For a flatline rule: the groups still silent (their alerts stay open)."""
    assert rule.flatline is not None
    return {tuple(d.group[k] for k in rule.flatline.group_by) for d in detections}
