"""Fenced writes on both stores: a job's state moves only for the newest holder of its lease."""

from __future__ import annotations

from typing import Any

import pytest

from sentinel.store.base import Store
from sentinel.store.fencing import FENCE, Fence, FencedOff, fenced_update, raise_fence

KIND = "checkpoint"


def cursor(at: int) -> Any:
    return lambda _data: {"cursor": {"next": at}}


def saved(store: Store) -> Any:
    rec = store.get_record(KIND, "app")
    assert rec is not None
    return rec.data.get("cursor"), rec.data[FENCE]


def test_the_holder_moves_the_state_and_an_older_holder_is_refused(store: Store) -> None:
    old, new = Fence("ingest app", 1), Fence("ingest app", 2)
    fenced_update(store, KIND, "app", cursor(10), old)
    fenced_update(store, KIND, "app", cursor(20), new)

    with pytest.raises(
        FencedOff, match="passed to a newer holder \\(epoch 2; this worker held epoch 1"
    ):
        fenced_update(store, KIND, "app", cursor(15), old)
    assert saved(store) == ({"next": 20}, 2)


def test_a_takeover_fences_the_state_before_the_new_holder_has_written(store: Store) -> None:
    old, new = Fence("ingest app", 3), Fence("ingest app", 4)
    fenced_update(store, KIND, "app", cursor(10), old)

    raise_fence(store, KIND, "app", new)  # the new holder, before it reads the cursor

    with pytest.raises(FencedOff):
        fenced_update(store, KIND, "app", cursor(30), old)  # the old one wakes up
    assert saved(store) == ({"next": 10}, 4)  # what the new holder reads: nothing lost


def test_a_writer_that_read_before_the_takeover_is_refused_on_its_retry(store: Store) -> None:
    old, new = Fence("rule r", 1), Fence("rule r", 2)
    fenced_update(store, KIND, "app", cursor(10), old)
    calls = 0

    def overtaken(data: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 1:  # between the old holder's read and its write, the new one takes over
            raise_fence(store, KIND, "app", new)
        return {**data, "cursor": {"next": 99}}

    with pytest.raises(FencedOff):
        fenced_update(store, KIND, "app", overtaken, old)
    assert calls == 1
    assert saved(store) == ({"next": 10}, 2)


def test_a_write_by_hand_keeps_the_fence(store: Store) -> None:
    fenced_update(store, KIND, "app", cursor(10), Fence("ingest app", 5))
    fenced_update(store, KIND, "app", cursor(0), None)  # e.g. a manual pull

    assert saved(store) == ({"next": 0}, 5)
    with pytest.raises(FencedOff):
        fenced_update(store, KIND, "app", cursor(7), Fence("ingest app", 4))


def test_a_fence_on_state_never_written_stops_an_older_holder_creating_it(store: Store) -> None:
    raise_fence(store, KIND, "app", Fence("ingest app", 2))

    assert saved(store) == (None, 2)
    with pytest.raises(FencedOff):
        fenced_update(store, KIND, "app", cursor(5), Fence("ingest app", 1))
    with pytest.raises(FencedOff):
        raise_fence(store, KIND, "app", Fence("ingest app", 1))
    fenced_update(store, KIND, "app", cursor(5), Fence("ingest app", 2))
    assert saved(store) == ({"next": 5}, 2)
