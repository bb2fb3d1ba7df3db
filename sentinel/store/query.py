"""A backend-neutral description of which events to select and how to group them.

Each store compiles these to its own language (SQL WHERE/GROUP BY, an
Elasticsearch bool query with composite aggregations). They are plain data, so
an alert can keep the query that selected its evidence and run it again later.
String matching is case-insensitive unless ``cased`` is set, as in Sigma.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sentinel.events import format_timestamp, parse_timestamp

Op = Literal[
    "eq",
    "wildcard",
    "contains",
    "startswith",
    "endswith",
    "regex",
    "cidr",
    "gt",
    "gte",
    "lt",
    "lte",
    "exists",
]
OPS: tuple[str, ...] = Op.__args__  # type: ignore[attr-defined]

FIELD_NAME = re.compile(r"^@?[A-Za-z_][A-Za-z0-9_.]*$")

# Fields whose value may be a list; a match on them is true if any element matches.
LIST_FIELDS = frozenset(
    {
        "user.roles",
        "event.category",
        "event.type",
        "sentinel.data_categories",
        "sentinel.target.roles",
        "related.ip",
        "related.user",
        "tags",
    }
)


class QueryError(ValueError):
    """A query names an unknown operator or an unusable field."""


def check_field(name: str) -> str:
    if not FIELD_NAME.match(name):
        raise QueryError(f"{name!r} is not a field name (letters, digits, '_' and '.')")
    return name


@dataclass(frozen=True, slots=True)
class Match:
    """``field op value``; ``exists`` takes True/False, ``eq`` with None means missing or null."""

    field: str
    op: Op
    value: Any
    cased: bool = False

    def __post_init__(self) -> None:
        check_field(self.field)
        if self.op not in OPS:
            raise QueryError(f"unknown operator {self.op!r}; known: {', '.join(OPS)}")


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Filter


Filter = Match | And | Or | Not


def all_of(*items: Filter | None) -> Filter | None:
    kept = tuple(i for i in items if i is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else And(kept)


def in_groups(fields: tuple[str, ...], groups: Iterable[tuple[Any, ...]]) -> Filter:
    """Events of any of ``groups`` (values of ``fields``), matched as filters match."""
    each = [
        all_of(*(Match(f, "eq", v) for f, v in zip(fields, group, strict=True))) for group in groups
    ]
    return Or(tuple(g for g in each if g is not None))


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Events matching ``filter`` with ``start <= @timestamp < end`` (either bound optional)."""

    filter: Filter | None = None
    start: datetime | None = None
    end: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "filter": filter_to_dict(self.filter),
            "start": format_timestamp(self.start) if self.start else None,
            "end": format_timestamp(self.end) if self.end else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EventQuery:
        return cls(
            filter=filter_from_dict(data.get("filter")),
            start=parse_timestamp(data["start"]) if data.get("start") else None,
            end=parse_timestamp(data["end"]) if data.get("end") else None,
        )


@dataclass(frozen=True, slots=True)
class Aggregation:
    """Group matching events by fields (and optionally by a time bucket).

    Each row reports the count, first and last timestamp and, when ``distinct``
    names a field, the number of distinct values of it. Rows below ``min_count``
    or ``min_distinct`` are left out by the store.
    """

    group_by: tuple[str, ...] = ()
    distinct: str | None = None
    bucket: timedelta | None = None
    offset: timedelta = timedelta(0)
    """Buckets start at epoch + offset + k * bucket (staggered windows)."""
    min_count: int = 1
    min_distinct: int = 0

    def __post_init__(self) -> None:
        for name in (*self.group_by, *([self.distinct] if self.distinct else [])):
            check_field(name)
            if name in LIST_FIELDS:
                raise QueryError(f"cannot group or count distinct on list field {name!r}")


@dataclass(frozen=True, slots=True)
class Windows:
    """Windows of ``2 * span`` starting every ``span`` from the epoch, per group.

    Every stretch of time ``span`` long lies inside one of them, so the windows
    holding at least ``minimum`` events (or, with ``distinct``, distinct values of
    that field) are the only places where a sliding count over ``span`` can reach
    ``minimum``: a sliding threshold asks for these first, then looks closer only
    there.
    """

    group_by: tuple[str, ...]
    span: timedelta
    minimum: int = 1
    distinct: str | None = None

    def __post_init__(self) -> None:
        Aggregation(group_by=self.group_by, distinct=self.distinct)
        if self.span <= timedelta(0) or self.minimum < 1:
            raise QueryError("windows need a positive span and a minimum of at least 1")


@dataclass(frozen=True, slots=True)
class GroupSpan:
    """One group's stretch of time, ``start <= @timestamp < end``."""

    key: tuple[Any, ...]
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class EventTime:
    """When one event of a group happened, with the value of the field asked for."""

    key: tuple[Any, ...]
    at: datetime
    value: Any = None


@dataclass(slots=True)
class AggRow:
    """One group; ``bucket`` is the bucket's start when the aggregation is bucketed."""

    key: tuple[Any, ...]
    count: int
    first: datetime
    last: datetime
    distinct: int | None = None
    approximate: bool = False
    bucket: datetime | None = None


def filter_to_dict(f: Filter | None) -> Any:
    if f is None:
        return None
    if isinstance(f, Match):
        return {"field": f.field, "op": f.op, "value": f.value, "cased": f.cased}
    if isinstance(f, And):
        return {"and": [filter_to_dict(i) for i in f.items]}
    if isinstance(f, Or):
        return {"or": [filter_to_dict(i) for i in f.items]}
    return {"not": filter_to_dict(f.item)}


def filter_from_dict(d: Any) -> Filter | None:
    if d is None:
        return None
    if "and" in d:
        return And(tuple(filter_from_dict(i) for i in d["and"]))  # type: ignore[misc]
    if "or" in d:
        return Or(tuple(filter_from_dict(i) for i in d["or"]))  # type: ignore[misc]
    if "not" in d:
        return Not(filter_from_dict(d["not"]))  # type: ignore[arg-type]
    return Match(d["field"], d["op"], d["value"], bool(d.get("cased", False)))
