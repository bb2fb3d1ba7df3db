"""The Store protocol: all persistence goes through it, whichever backend holds the data.

Events are append-only and idempotent by id. Everything else people or jobs
keep (checkpoints, rule state, alerts, incidents, drafts, audit entries) is a
*record*: a JSON document of a kind, with a version that makes a stale update
fail instead of overwriting someone's work.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sentinel.events import Event
from sentinel.store.query import (
    Aggregation,
    AggRow,
    EventQuery,
    EventTime,
    GroupSpan,
    Windows,
)


class StoreError(Exception):
    """The store refused or failed an operation; the message says which and why."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or written right now; the caller may retry later.

    ``lasting`` marks a fault that does not clear within seconds (a full disk, a read-only
    file): retrying at once is pointless, a later run may succeed once someone fixed it.
    """

    def __init__(self, message: str, *, lasting: bool = False) -> None:
        super().__init__(message)
        self.lasting = lasting


class ConflictError(StoreError):
    """A record changed since it was read (optimistic concurrency), or already exists."""


@dataclass(slots=True)
class Rejected:
    event: Event
    reason: str


@dataclass(slots=True)
class WriteResult:
    stored: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(slots=True)
class EventPage:
    events: list[Event]
    next: str | None
    """Opaque cursor for the next page; None when this was the last."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A record that could not become an event, kept so nothing is lost silently."""

    id: str
    source: str
    position: str
    reason: str
    raw: str
    received: datetime


@dataclass(slots=True)
class Record:
    kind: str
    id: str
    data: dict[str, Any]
    version: str
    """Opaque; pass it back to ``update_record`` to prove the update is not stale."""


@dataclass(slots=True)
class PurgeResult:
    events: int = 0
    dead_letters: int = 0
    indices: list[str] = field(default_factory=list)


RecordKey = tuple[str | int | float | bool | None, str]
"""Where an ordered page of records ended: the last record's ``order_by`` value and its id."""


Scalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Between:
    """A ``where`` value: the key from ``low`` (inclusive) up to ``high`` (exclusive).

    Either bound may be None (open). Both bounds are text or both numbers, and only
    values of that type match: text compares by code point, so timestamps written by
    ``format_timestamp`` compare in time order.
    """

    low: Scalar = None
    high: Scalar = None

    def __post_init__(self) -> None:
        kinds = {isinstance(b, str) for b in (self.low, self.high) if b is not None}
        if not kinds:
            raise StoreError("a range needs a low or a high bound")
        if len(kinds) > 1:
            raise StoreError(f"a range's bounds are both text or both numbers, not {self!r}")


@dataclass(frozen=True, slots=True, init=False)
class Holds:
    """A ``where`` value for a key holding a list of text: the list holds every one of ``values``.

    The text items of every top-level list are indexed, so a rare value is found
    without reading the records that lack it.
    """

    values: tuple[str, ...]

    def __init__(self, *values: str) -> None:
        if not values or not all(isinstance(v, str) for v in values):
            raise StoreError(f"a list match needs one or more texts, not {values!r}")
        object.__setattr__(self, "values", values)


def after_key(after: str | RecordKey) -> RecordKey:
    """The (value, id) to page on past, for ``find_records`` with ``order_by``."""
    if not (isinstance(after, tuple) and len(after) == 2 and isinstance(after[1], str)):
        raise StoreError(
            f"records ordered by a key page on (value, id) of the last record, not {after!r}"
        )
    return after


@runtime_checkable
class Store(Protocol):
    url: str

    def init(self) -> list[str]:
        """Create what is missing (tables, indices, templates); safe to repeat; says what it did."""

    def check(self) -> list[str]:
        """Problems with what exists (missing or wrong); empty when all is well."""

    def close(self) -> None: ...

    # events
    def write_events(self, events: Sequence[Event]) -> WriteResult: ...

    def search_events(
        self,
        query: EventQuery,
        *,
        limit: int = 100,
        after: str | None = None,
        ascending: bool = False,
    ) -> EventPage: ...

    def count_events(self, query: EventQuery) -> int: ...

    def newest_per_source(self) -> dict[str, datetime]:
        """Each source with stored events and the time of its newest one.

        Looked up per source, not counted: how far behind each source is stays cheap
        however many events the store holds.
        """

    def aggregate(self, query: EventQuery, agg: Aggregation) -> Iterator[AggRow]:
        """Rows for every group, paged inside the store; never an unbounded response."""

    def first_seen(
        self, query: EventQuery, fields: tuple[str, ...], history_start: datetime
    ) -> Iterator[AggRow]:
        """Value combinations of ``fields`` in the query's window never seen before it.

        "Before" means within ``[history_start, query.start)``; ``row.first`` is the
        first occurrence inside the window.
        """

    def dense_windows(self, query: EventQuery, windows: Windows) -> Iterator[AggRow]:
        """Each group's windows (see ``Windows``) that hold the minimum.

        Only windows starting at or after ``query.start`` are reported; ``row.bucket``
        is the window's start and the row's figures count the whole window. An
        event without one of the group's fields belongs to no group.
        """

    def activity(
        self,
        query: EventQuery,
        group_by: tuple[str, ...],
        bucket: timedelta,
        since: datetime,
        groups: Sequence[tuple[Any, ...]] = (),
    ) -> Iterator[AggRow]:
        """When each group was active: its last event before ``since`` and its buckets after.

        Per group, one row without a bucket whose ``first`` and ``last`` are its last
        event in ``[query.start, since)``, and from ``since`` to ``query.end`` one row
        per non-empty bucket of ``bucket`` (aligned to the epoch) with its first and
        last event. With ``groups``, only those (matched ignoring case, as filters
        match). An event without one of the group's fields belongs to no group.
        """

    def event_times(
        self,
        query: EventQuery,
        group_by: tuple[str, ...],
        spans: Sequence[GroupSpan],
        value: str | None = None,
    ) -> Iterator[EventTime]:
        """When the events matching ``query`` of each group within its spans happened.

        Group keys are matched by exact spelling (as groups are counted); each
        time comes with the value of the field ``value`` names. Not necessarily
        in time order.
        """

    # dead letters
    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> int: ...

    def dead_letters(self, *, source: str | None = None, limit: int = 100) -> list[DeadLetter]: ...

    def count_dead_letters(self) -> dict[str, int]: ...

    # records
    def get_record(self, kind: str, id: str) -> Record | None: ...

    def create_record(self, kind: str, id: str, data: Mapping[str, Any]) -> Record:
        """ConflictError if a record of that kind and id exists."""

    def update_record(self, kind: str, id: str, data: Mapping[str, Any], version: str) -> Record:
        """ConflictError if the record changed since ``version`` was read."""

    def put_record(self, kind: str, id: str, data: Mapping[str, Any]) -> Record:
        """Create or overwrite without a version check (job state owned by one writer)."""

    def delete_record(self, kind: str, id: str) -> bool: ...

    def find_records(
        self,
        kind: str,
        where: Mapping[str, Any] | None = None,
        *,
        order_by: str | None = None,
        descending: bool = False,
        limit: int = 1000,
        after: str | RecordKey | None = None,
    ) -> list[Record]:
        """Records whose top-level ``where`` keys equal the given values.

        A value may also be a ``Between`` (a range) or a ``Holds`` (list membership).

        Without ``order_by`` records come in id order and ``after`` pages by id. With
        ``order_by`` they come in that key's order, then by id, and ``after`` is the
        (value, id) of the previous page's last record (keyset paging: nothing is
        skipped or repeated when records are added between pages).
        """

    def count_records(
        self, kind: str, group_by: Sequence[str], where: Mapping[str, Any] | None = None
    ) -> Iterator[tuple[tuple[Scalar, ...], int]]:
        """How many records match ``where``, per combination of the ``group_by`` keys' values.

        Counted inside the store (paged on Elasticsearch), in no particular order. Values
        come as ``json`` reads them back, except that booleans count as 1 and 0 (as
        ``where`` compares them) and a missing key, null, a list or an object as None.
        """

    # retention
    def purge(self, before: datetime) -> PurgeResult:
        """Drop events and dead letters older than ``before``; records are never purged here."""
