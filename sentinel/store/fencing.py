"""Fenced writes: a job's saved progress moves only for the current holder of its lease.

A job's progress (a source's checkpoint, a rule's last end) lives in one record.
Whoever runs the job holds a fencing number, the epoch of its lease, which
grows with every new owner (see ``sentinel.leases``). The record keeps the
highest number that has written it under ``FENCE``, and a write carrying a
lower one is refused with ``FencedOff``. A worker that takes a job over raises
the record's number before it reads the progress, so a previous owner that was
paused past its lease and wakes up cannot move the state any more, whatever
its own clock says.

Every write is a compare-and-set on the record's version (``if_seq_no`` and
``if_primary_term`` on Elasticsearch, a conditional UPDATE on SQLite), so the
check and the write are one step: a writer that read the record before the
number was raised fails on the version, reads again and is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sentinel.store.base import ConflictError, Record, Store

FENCE = "fence"
"""The key under which a fenced record keeps the highest epoch that wrote it."""
_TRIES = 20


@dataclass(frozen=True, slots=True)
class Fence:
    """The right to write a job's state: the job and the epoch of the lease held for it."""

    job: str
    epoch: int


class FencedOff(Exception):
    """A newer holder of the job's lease has written the record: this writer must stop.

    Not a ``StoreError``: nothing is wrong with the store, and the job must not
    treat it as a failure to record and retry, only stop.
    """

    def __init__(self, kind: str, id: str, fence: Fence, held: int) -> None:
        self.kind, self.id, self.fence, self.held = kind, id, fence, held
        super().__init__(
            f"{kind} {id}: write refused, the lease of {fence.job!r} has passed to a newer "
            f"holder (epoch {held}; this worker held epoch {fence.epoch})"
        )


def epoch_of(record: Record | None) -> int:
    value = record.data.get(FENCE, 0) if record is not None else 0
    return value if isinstance(value, int) else 0


def fenced_update(
    store: Store,
    kind: str,
    id: str,
    change: Callable[[dict[str, Any]], dict[str, Any]],
    fence: Fence | None,
) -> Record:
    """Write ``change(current data)``, unless a newer epoch has written the record.

    ``change`` may be called more than once (a concurrent write makes it start
    over from what is stored now). Without a fence (a command run by hand, a
    single process) the write is not checked and the record keeps its number.
    """
    for _ in range(_TRIES):
        current = store.get_record(kind, id)
        held = epoch_of(current)
        if fence is not None and held > fence.epoch:
            raise FencedOff(kind, id, fence, held)
        data = change(dict(current.data) if current is not None else {})
        data[FENCE] = max(held, fence.epoch) if fence is not None else held
        try:
            if current is None:
                return store.create_record(kind, id, data)
            return store.update_record(kind, id, data, current.version)
        except ConflictError:
            continue
    raise ConflictError(f"{kind} {id} kept changing while it was being written")


def raise_fence(store: Store, kind: str, id: str, fence: Fence) -> None:
    """Put the record under ``fence`` before its state is read: older holders are refused from now.

    A record that does not exist yet is created holding only the number, so a
    previous holder cannot create it either.
    """
    current = store.get_record(kind, id)
    held = epoch_of(current)
    if held > fence.epoch:
        raise FencedOff(kind, id, fence, held)
    if current is None or held < fence.epoch:
        fenced_update(store, kind, id, lambda data: data, fence)
