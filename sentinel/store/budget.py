"""What reading events costs the store: requests, buckets, bytes and server time.

A rule run opens a meter (``metered()``); every event search the store makes
while it is open is charged to it. The figures depend on the data and the query
plan, not on how busy the machine is, so they show what a rule asks of the
store and tests can hold them steady. The meter belongs to the thread (a
context variable), so the ingest job writing at the same time is not counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(slots=True)
class Budget:
    requests: int = 0
    """Searches sent to Elasticsearch, statements run on SQLite."""
    buckets: int = 0
    """Aggregation buckets (Elasticsearch) or rows (SQLite) that came back."""
    hits: int = 0
    """Events (or event times) that came back."""
    bytes: int = 0
    """Response bytes (Elasticsearch; SQLite answers in process)."""
    took_ms: int = 0
    """Time the server says it spent (Elasticsearch ``took``), or the statements' time."""

    def add(self, other: Budget) -> None:
        self.requests += other.requests
        self.buckets += other.buckets
        self.hits += other.hits
        self.bytes += other.bytes
        self.took_ms += other.took_ms

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Budget:
        data = data or {}
        return cls(**{k: int(data.get(k, 0)) for k in cls.__slots__})  # type: ignore[attr-defined]

    def line(self) -> str:
        size = f", {self.bytes / 1024:.0f} KiB" if self.bytes else ""
        return (
            f"{self.requests} request(s), {self.buckets} bucket(s), {self.hits} hit(s)"
            f"{size}, {self.took_ms} ms in the store"
        )


_current: ContextVar[Budget | None] = ContextVar("sentinel_store_budget", default=None)


@contextmanager
def metered() -> Iterator[Budget]:
    """Charge the event searches made inside the block (in this thread) to a new Budget.

    Nested meters each see what is charged inside them.
    """
    outer = _current.get()
    budget = Budget()
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)
        if outer is not None:
            outer.add(budget)


def charge(
    *, requests: int = 1, buckets: int = 0, hits: int = 0, bytes: int = 0, took_ms: int = 0
) -> None:
    budget = _current.get()
    if budget is not None:
        budget.requests += requests
        budget.buckets += buckets
        budget.hits += hits
        budget.bytes += bytes
        budget.took_ms += took_ms


def count_buckets(aggregations: Any) -> int:
    """Buckets in an Elasticsearch ``aggregations`` object, at every level."""
    if isinstance(aggregations, dict):
        total = 0
        for key, value in aggregations.items():
            if key == "buckets":
                items = value.values() if isinstance(value, dict) else value
                for bucket in items:
                    total += 1 + count_buckets(bucket)
            elif isinstance(value, dict):
                total += count_buckets(value)
        return total
    return 0
