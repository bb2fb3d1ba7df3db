"""Leases on both stores: one owner at a time, a new epoch with each new owner, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel.leases import LeaseLost, Leases
from sentinel.store.base import Store
from tests.conftest import ManualClock

MINUTE = timedelta(minutes=1)


def leases(store: Store, clock: ManualClock, owner: str) -> Leases:
    return Leases(store, clock, owner, MINUTE)


def test_a_free_job_is_taken_once_with_the_first_epoch(store: Store, clock: ManualClock) -> None:
    a, b = leases(store, clock, "a"), leases(store, clock, "b")

    lease = a.acquire("ingest app")
    assert lease is not None and (lease.owner, lease.epoch) == ("a", 1)
    assert lease.expires == clock.now() + MINUTE
    assert b.acquire("ingest app") is None
    assert a.acquire("ingest app") is None  # held is held, even by its own owner


def test_two_workers_racing_for_a_job_one_wins(store: Store, clock: ManualClock) -> None:
    a, b = leases(store, clock, "a"), leases(store, clock, "b")
    first = a.acquire("rule r")
    assert first is not None and a.release(first)
    seen = a.get("rule r")  # both read the free lease, then both try to take it

    winner = a.acquire("rule r", seen)
    loser = b.acquire("rule r", seen)

    assert winner is not None and winner.epoch == 2
    assert loser is None
    current = a.get("rule r")
    assert current is not None and (current.owner, current.epoch) == ("a", 2)


def test_an_expired_lease_passes_on_with_the_next_epoch_and_its_owner_learns_it(
    store: Store, clock: ManualClock
) -> None:
    a, b = leases(store, clock, "a"), leases(store, clock, "b")
    held = a.acquire("ingest app")
    assert held is not None
    clock.advance(seconds=59)
    assert b.acquire("ingest app") is None
    clock.advance(seconds=1)

    taken = b.acquire("ingest app")

    assert taken is not None and (taken.owner, taken.epoch) == ("b", 2)
    with pytest.raises(LeaseLost, match="passed to b \\(epoch 2; this worker held epoch 1\\)"):
        a.renew(held)
    assert not a.release(held)  # a late clean stop hands nothing back
    current = b.get("ingest app")
    assert current is not None and current.owner == "b"


def test_renewing_keeps_the_job_and_its_epoch(store: Store, clock: ManualClock) -> None:
    a, b = leases(store, clock, "a"), leases(store, clock, "b")
    held = a.acquire("ingest app")
    assert held is not None
    for _ in range(3):
        clock.advance(seconds=40)
        held = a.renew(held)

    assert (held.epoch, held.expires) == (1, clock.now() + MINUTE)
    assert b.acquire("ingest app") is None


def test_a_lease_handed_back_is_free_at_once(store: Store, clock: ManualClock) -> None:
    a, b = leases(store, clock, "a"), leases(store, clock, "b")
    held = a.acquire("incident reminders")
    assert held is not None and a.release(held)

    taken = b.acquire("incident reminders")

    assert taken is not None and taken.epoch == 2
    with pytest.raises(LeaseLost):
        a.renew(held)
    assert [(x.job, x.owner) for x in a.all()] == [("incident reminders", "b")]
