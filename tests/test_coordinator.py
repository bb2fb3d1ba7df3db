"""Workers sharing jobs on both stores, with the injected clock: balance, clean stops, deaths."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from sentinel.coordinator import Coordinator, rank
from sentinel.leases import all_leases
from sentinel.store.base import Store
from tests.conftest import ManualClock

LEASE = timedelta(minutes=1)
JOBS = [f"rule r{i}" for i in range(8)] + ["ingest app", "incident reminders"]


def owners(store: Store) -> dict[str, str | None]:
    return {lease.job: lease.owner for lease in all_leases(store)}


@pytest.fixture
def claimed() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def workers(store: Store, clock: ManualClock, claimed: list[tuple[str, str]]) -> list[Coordinator]:
    def worker(name: str) -> Coordinator:
        return Coordinator(
            store,
            clock,
            JOBS,
            lease=LEASE,
            worker=name,
            on_claimed=lambda job: claimed.append((name, job)),
        )

    return [worker("w1"), worker("w2"), worker("w3")]


def tick(*workers: Coordinator) -> None:
    for w in workers:
        w.tick()


def test_three_workers_share_the_jobs_each_held_by_exactly_one(
    store: Store, workers: list[Coordinator], claimed: list[tuple[str, str]]
) -> None:
    tick(*workers)  # w1 came first and took everything; the others found nothing free
    assert [len(w.held()) for w in workers] == [10, 0, 0]

    tick(*workers)  # w1 sees three workers and hands back beyond its share; the others take them

    share = math.ceil(len(JOBS) / 3)
    held = [set(w.held()) for w in workers]
    assert all(len(h) <= share for h in held)
    assert set().union(*held) == set(JOBS)
    assert sum(len(h) for h in held) == len(JOBS)  # disjoint
    assert owners(store) == {job: w.worker for w in workers for job in w.held()}
    assert (
        sorted(claimed)
        == sorted(  # each taking was reported once, to be run at once
            [("w1", job) for job in JOBS]
            + [(w.worker, job) for w in workers[1:] for job in w.held()]
        )
    )


def test_a_clean_stop_hands_the_jobs_over_at_once(
    store: Store, clock: ManualClock, workers: list[Coordinator]
) -> None:
    tick(*workers, *workers)
    w1, w2, w3 = workers
    leaving = w1.held()

    assert sorted(w1.stop()) == sorted(leaving)
    assert all(owners(store)[job] is None for job in leaving)
    tick(w2, w3)  # no time has passed: nothing had to expire

    assert set(w2.held()) | set(w3.held()) == set(JOBS)
    for lease in all_leases(store):
        if lease.job in leaving:
            assert lease.epoch == 2  # a new owner, a new fencing number


def test_a_dead_workers_jobs_move_on_when_their_leases_expire(
    store: Store, clock: ManualClock, workers: list[Coordinator]
) -> None:
    tick(*workers, *workers)
    w1, w2, w3 = workers
    dead = w1.held()
    fence = w1.fence(dead[0])
    assert fence is not None and fence.epoch == 1

    clock.advance(seconds=30)
    tick(w2, w3)  # w1 has stopped renewing, but its leases run for another 30 seconds
    assert all(owners(store)[job] == "w1" for job in dead)
    clock.advance(seconds=31)
    tick(w2, w3)

    assert set(w2.held()) | set(w3.held()) == set(JOBS)
    assert w1.fence(dead[0]) is None  # past its lease by its own clock: its runs stop
    report = w1.tick()  # it wakes up: its renewals fail
    assert sorted(report.lost) == sorted(dead)
    assert w1.held() == []


def test_a_running_job_is_not_handed_back_while_it_runs(workers: list[Coordinator]) -> None:
    w1, w2, _ = workers
    w1.tick()
    w2.tick()
    first_to_go = min(JOBS, key=lambda job: rank("w1", job))  # w1 hands this one back first

    with w1.running(first_to_go) as fence:
        assert fence is not None
        report = w1.tick()

    assert first_to_go not in report.handed_back
    assert first_to_go in w1.held()
    assert len(report.handed_back) == len(JOBS) // 2  # others went instead
    w2.tick()
    assert len(w1.held()) == len(w2.held()) == len(JOBS) // 2
