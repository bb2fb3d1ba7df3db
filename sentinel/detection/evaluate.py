"""Turns one rule and one time span into detections, with the work pushed into the store.

Every kind asks the store for aggregated rows (groups, buckets, counts, first
and last times), never for whole events: a sliding threshold reads the times of
events only in the few windows where the aggregates say it can fire. Buckets
are aligned to the epoch (a correlation's timespan, a match rule's window), so
the same burst always lands in the same bucket and gets the same alert id,
however often and with whatever overlap the rule runs.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from sentinel.detection.model import Rule, RuleSet
from sentinel.events import format_timestamp
from sentinel.localtime import span as human
from sentinel.store.base import Store
from sentinel.store.query import (
    Aggregation,
    AggRow,
    EventQuery,
    Filter,
    GroupSpan,
    Match,
    Or,
    Windows,
    all_of,
)

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


def floor(ts: datetime, size: timedelta) -> datetime:
    """The start of the epoch-aligned bucket of ``size`` holding ``ts``."""
    step = int(size.total_seconds() * 1000)
    ms = int((ts - EPOCH).total_seconds() * 1000)
    return EPOCH + timedelta(milliseconds=ms // step * step)


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
    distinct: str | None = None,
    min_count: int = 1,
    min_distinct: int = 0,
) -> list[AggRow]:
    start = floor(span.start, bucket) if bucket else span.start
    agg = Aggregation(
        group_by=group_by,
        distinct=distinct,
        bucket=bucket,
        min_count=min_count,
        min_distinct=min_distinct,
    )
    return list(store.aggregate(EventQuery(_keyed(flt, group_by), start, span.end), agg))


def _keyed(flt: Filter | None, group_by: tuple[str, ...]) -> Filter | None:
    """An event without a group-by field belongs to no group (as in Elastic's threshold
    rules): "failed logins per user" must not pool every anonymous request into one."""
    return all_of(flt, *(Match(f, "exists", True) for f in group_by))


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


def _threshold(
    rule: Rule,
    rules: RuleSet,
    store: Store,
    span: Span,
    only: set[tuple[Any, ...]] | None = None,
) -> list[Detection]:
    """``only``: the groups that can matter to the caller (a sequence's other rules
    occurred for them); the others' events are not read."""
    assert rule.condition is not None
    cond = rule.condition
    if cond.op in ("gt", "gte") and cond.upper is None:
        return _sliding(rule, rules, store, span, only)
    found = _aligned(rule, rules, store, span)
    if only is None:
        return found
    return [d for d in found if tuple(d.group.get(f) for f in rule.group_by) in only]


def _parts(
    rule: Rule, rules: RuleSet, shared_minimum: int
) -> tuple[list[tuple[Filter | None, tuple[str, ...]]], int]:
    """What to ask the store for: one query when the referenced rules share their group
    fields (and the threshold can be pushed down), else one per rule, summed after."""
    sources = _sources(rule, rules)
    if rule.kind == "value_count" or len({fields for _, fields in sources}) == 1:
        flt = _any_of([r.filter for r, _ in sources if r.filter is not None])
        return [(flt, sources[0][1])], shared_minimum
    return [(ref.filter, fields) for ref, fields in sources], 1


def _sliding(
    rule: Rule,
    rules: RuleSet,
    store: Store,
    span: Span,
    only: set[tuple[Any, ...]] | None = None,
) -> list[Detection]:
    """Fires for a group when any stretch of the timespan holds the threshold.

    The span is cut into buckets of the timespan, aligned to the epoch. An event
    *completes* the threshold when the timespan ending at it holds enough; those
    events all lie in a bucket whose window of two buckets (it and the one before)
    holds enough as well. The store names those windows; only their events' times
    are read, and one detection is made per bucket with completing events, keyed by
    the bucket, so every run that sees the same events reports the same alert.
    """
    cond = rule.condition
    assert cond is not None
    size = rule.window
    counted = cond.field if rule.kind == "value_count" else None
    first = floor(span.start, size)
    parts, minimum = _parts(rule, rules, cond.minimum)
    reach: dict[tuple[tuple[Any, ...], datetime], int] = defaultdict(int)
    for flt, fields in parts:
        query = EventQuery(flt, first - size, span.end)
        for row in store.dense_windows(query, Windows(fields, size, minimum, counted)):
            assert row.bucket is not None
            reach[(row.key, row.bucket + size)] += (row.distinct or 0) if counted else row.count
    dense: dict[tuple[Any, ...], set[datetime]] = defaultdict(set)
    for (key, bucket), n in reach.items():
        if n >= cond.minimum and bucket < span.end and (only is None or key in only):
            dense[key].add(bucket)
    if not dense:
        return []
    spans = [
        GroupSpan(key, lo, min(hi, span.end))
        for key, buckets in dense.items()
        for lo, hi in _joined([(b - size, b + size) for b in buckets])
    ]
    times: dict[tuple[Any, ...], list[tuple[datetime, Any]]] = defaultdict(list)
    for flt, fields in parts:
        for t in store.event_times(EventQuery(flt), fields, spans, counted):
            times[t.key].append((t.at, t.value))
    out = []
    sources = _sources(rule, rules)
    for key, buckets in dense.items():
        events = sorted(times.get(key, []), key=lambda e: e[0])
        completing = _completing(events, buckets, size, cond.minimum, counting=counted)
        for bucket, found in completing.items():
            out.append(_sliding_detection(rule, sources, key, bucket, events, found))
    return out


@dataclass(frozen=True, slots=True)
class _Completion:
    at: datetime
    since: datetime
    """The first event of the timespan ending at ``at``."""
    n: int


def _completing(
    events: list[tuple[datetime, Any]],
    buckets: set[datetime],
    size: timedelta,
    minimum: int,
    *,
    counting: str | None,
) -> dict[datetime, list[_Completion]]:
    """Per bucket, the events at which the timespan ending there holds ``minimum``.

    A timespan ending at ``t`` holds the events with ``t - size < time <= t``; with
    ``counting`` it is the number of distinct values that counts, else events.
    """
    out: dict[datetime, list[_Completion]] = defaultdict(list)
    values: Counter[Any] = Counter()
    lo = hi = 0
    for t, _ in events:
        while hi < len(events) and events[hi][0] <= t:
            if events[hi][1] is not None:
                values[events[hi][1]] += 1
            hi += 1
        while events[lo][0] <= t - size:
            value = events[lo][1]
            if value is not None:
                values[value] -= 1
                if not values[value]:
                    del values[value]
            lo += 1
        n = len(values) if counting else hi - lo
        bucket = floor(t, size)
        if n >= minimum and bucket in buckets:
            done = out[bucket]
            if not done or done[-1].at != t:
                done.append(_Completion(t, events[lo][0], n))
    return out


def _sliding_detection(
    rule: Rule,
    sources: list[tuple[Rule, tuple[str, ...]]],
    key: tuple[Any, ...],
    bucket: datetime,
    events: list[tuple[datetime, Any]],
    found: list[_Completion],
) -> Detection:
    cond = rule.condition
    assert cond is not None
    start, last = found[0].since, found[-1].at
    end = last + timedelta(milliseconds=1)
    inside = events[
        bisect_left(events, start, key=lambda e: e[0]) : bisect_right(
            events, last, key=lambda e: e[0]
        )
    ]
    peak = max(c.n for c in found)
    group = dict(zip(rule.group_by, key, strict=True))
    if rule.kind == "value_count":
        distinct: int | None = len({v for _, v in inside if v is not None})
        measure = f"{peak} distinct {cond.field}"
    else:
        distinct, measure = None, f"{peak} events"
    return Detection(
        rule=rule,
        group=group,
        start=start,
        end=end,
        count=len(inside),
        distinct=distinct,
        first=start,
        last=last,
        evidence=EventQuery(_evidence(sources, key), start, end),
        key=format_timestamp(bucket),
        summary=f"{measure} within {human(rule.window)} for {_who(group)}",
        extra={"peak": peak},
    )


def _joined(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching spans as one."""
    out: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _aligned(rule: Rule, rules: RuleSet, store: Store, span: Span) -> list[Detection]:
    """Conditions that are not "at least" (fewer than, exactly, a range) are judged per
    window of the timespan aligned to the epoch: a sliding span would always find some
    stretch with fewer events, so only fixed windows give them a meaning."""
    cond = rule.condition
    assert cond is not None
    sources = _sources(rule, rules)
    size = rule.window
    counting_values = rule.kind == "value_count"
    parts, minimum = _parts(rule, rules, cond.minimum)
    merged: dict[tuple[tuple[Any, ...], datetime], AggRow] = {}
    for flt, fields in parts:
        rows = _rows(
            store,
            flt,
            fields,
            span,
            bucket=size,
            distinct=cond.field if counting_values else None,
            min_count=1 if counting_values else minimum,
        )
        for row in rows:
            assert row.bucket is not None
            seen = merged.get((row.key, row.bucket))
            if seen is None:
                merged[(row.key, row.bucket)] = row
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
    ref: Rule,
    fields: tuple[str, ...],
    rules: RuleSet,
    store: Store,
    span: Span,
    slice_: timedelta,
    only: set[tuple[Any, ...]] | None = None,
) -> dict[tuple[Any, ...], list[_Occurrence]]:
    """When a referenced rule occurred, per group: its detections, or slices of its events.

    With ``only``, a correlation's detections are made for those groups alone."""
    out: dict[tuple[Any, ...], list[_Occurrence]] = defaultdict(list)
    if ref.references:
        for d in _threshold(ref, rules, store, span, only):
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
    asked for that much more history. Every rule must occur for a sequence, so
    the plain rules (one aggregation each) are asked first, and the correlations
    among them (several statements and their events' times) only when none of
    those came back empty, for the groups all the rules before them share.
    """
    sources = _sources(rule, rules)
    timespan = rule.window
    slice_ = max(timedelta(seconds=1), timespan / SEQUENCE_RESOLUTION)
    wide = Span(span.start - timespan, span.end)
    found_per_rule: dict[int, dict[tuple[Any, ...], list[_Occurrence]]] = {}
    only: set[tuple[Any, ...]] | None = None
    for i in sorted(range(len(sources)), key=lambda i: bool(sources[i][0].references)):
        ref, fields = sources[i]
        found_per_rule[i] = _occurrences(ref, fields, rules, store, wide, slice_, only)
        if not found_per_rule[i]:
            return []
        only = set(found_per_rule[i]) if only is None else only & set(found_per_rule[i])
    per_rule = [found_per_rule[i] for i in range(len(sources))]
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
    rows = list(
        store.first_seen(EventQuery(rule.filter, span.start, span.end), fields, history_start)
    )
    earliest = _earliest(store, rule.filter) if rows else None
    if earliest is None:
        return []
    learned = earliest + min(nt.history, LEARNING_PERIOD)
    out = []
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
    """Silences of the rule's span or longer, per group (source, service), wherever they fall.

    A silence is the time between two events of a group, or from its last event
    to the span's end (still silent). The span's events are asked for in
    buckets of the silence's length, with their first and last times: a silence
    that long cannot fit inside one bucket, so it lies between the last event of
    one bucket and the first of the next non-empty one. Every silence reaching
    into the span is reported, keyed by the event before it, so a replay finds
    the same silences as running live, and a silence that went on across runs
    stays one alert.
    """
    f = rule.flatline
    assert f is not None
    # a group's last event is looked for as far back as the history reaches from the
    # span's start, so a long span (a replay) sees a silence that began before it
    history_start = span.start - f.history
    recent_start = floor(span.start - f.span, f.span)
    groups = [(value,) for value in f.expected]
    times: dict[tuple[Any, ...], list[tuple[datetime, datetime]]] = defaultdict(list)
    query = EventQuery(rule.filter, history_start, span.end)
    for row in store.activity(query, f.group_by, f.span, recent_start, groups):
        times[_expected_key(f.expected, row.key)].append((row.first, row.last))
    never = [key for key in groups if key not in times]
    # An expected group never seen is silent only if something else was heard meanwhile:
    # before the first event reaches the store (a new install, a backfill from before
    # the logs begin) there is no evidence of silence, only of no data yet.
    if never and not times and _latest(store, None, Span(history_start, span.end - f.span)) is None:
        never = []
    out = [_silence(rule, key, None, None, span) for key in never]
    for key, ts in times.items():
        ts.sort()
        for (_, before), (after, _) in pairwise(ts):
            if after - before >= f.span and after > span.start:
                out.append(_silence(rule, key, before, after, span))
        last = ts[-1][1]
        if span.end - last >= f.span:
            out.append(_silence(rule, key, last, None, span))
    return out


def _expected_key(expected: tuple[str, ...], key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A group as the rule names it: expected values match however the logs spell them."""
    for value in expected:
        if isinstance(key[0], str) and key[0].casefold() == value.casefold():
            return (value,)
    return key


def _silence(
    rule: Rule,
    key: tuple[Any, ...],
    since: datetime | None,
    until: datetime | None,
    span: Span,
) -> Detection:
    """A silence after ``since`` (None: the group was never heard within its history),
    ended by an event at ``until`` or still going on at the span's end."""
    f = rule.flatline
    assert f is not None
    group = dict(zip(f.group_by, key, strict=True))
    start = since if since is not None else span.end - f.history
    end = until if until is not None else span.end
    extra = {"silent_since": format_timestamp(start)}
    if until is not None:
        extra["silent_until"] = format_timestamp(until)
        summary = (
            f"no events for {_who(group)} from {format_timestamp(start)} "
            f"to {format_timestamp(until)} ({human(until - start)})"
        )
    else:
        summary = (
            f"no events for {_who(group)} since {format_timestamp(start)} "
            f"({human(span.end - start)})"
        )
    return Detection(
        rule=rule,
        group=group,
        start=start,
        end=end,
        count=0,
        first=start,
        last=start,
        evidence=EventQuery(all_of(rule.filter, *_eqs(f.group_by, key)), start - f.span, end),
        key=format_timestamp(since) if since is not None else "never-seen",
        summary=summary,
        extra=extra,
    )


def quiet_groups(rule: Rule, detections: list[Detection]) -> set[tuple[Any, ...]]:
    """For a flatline rule: the groups still silent (their alerts stay open)."""
    assert rule.flatline is not None
    return {
        tuple(d.group[k] for k in rule.flatline.group_by)
        for d in detections
        if "silent_until" not in d.extra
    }
