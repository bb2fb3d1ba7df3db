"""The ingest job: batches, write-then-checkpoint, dead letters, outages, resume."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from sentinel.ingest import Pipeline, Retry, ingest, load_cursor, reset_checkpoint, source_stats
from sentinel.parsers.base import ParseError
from sentinel.parsers.sshd import SshdParser
from sentinel.sources.base import RawRecord, SourceError
from sentinel.store.base import Store, StoreUnavailable
from sentinel.store.fencing import Fence, FencedOff, raise_fence
from sentinel.store.query import EventQuery
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock


class ListReader:
    """A source over an in-memory list of lines; its cursor is the next index."""

    def __init__(self, lines: list[str], cursor: dict[str, Any] | None, fail_at: int = -1) -> None:
        self.lines = lines
        self.next = cursor["next"] if cursor else 0
        self.fail_at = fail_at

    def records(self) -> Iterator[RawRecord]:
        while self.next < len(self.lines):
            i = self.next
            if i == self.fail_at:
                raise SourceError("connection reset by peer")
            self.next += 1
            yield RawRecord(data=self.lines[i], position=f"line:{i}", label=f"list:{i}", stream="s")

    def cursor(self) -> dict[str, Any]:
        return {"next": self.next}

    def progress(self) -> tuple[int, int | None]:
        return self.next, len(self.lines)


class JsonParser:
    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        try:
            doc = orjson.loads(record.data)
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"not JSON: {exc}") from None
        doc["@timestamp"] = datetime.fromisoformat(doc["@timestamp"])
        return [doc]


class FlakyStore:
    """The real SQLite store, with outages switched on and off by the test."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store
        self.fail_writes = 0
        self.fail_checkpoints = 0

    def write_events(self, events):
        if self.fail_writes:
            self.fail_writes -= 1
            raise StoreUnavailable("database is locked")
        return self._store.write_events(events)

    def _checkpoint_outage(self) -> None:
        if self.fail_checkpoints:
            self.fail_checkpoints -= 1
            raise StoreUnavailable("disk I/O error")

    def create_record(self, kind, id, data):
        self._checkpoint_outage()
        return self._store.create_record(kind, id, data)

    def update_record(self, kind, id, data, version):
        self._checkpoint_outage()
        return self._store.update_record(kind, id, data, version)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def lines(n: int, start: int = 0) -> list[str]:
    return [
        orjson.dumps(
            {
                "@timestamp": f"2026-03-10T08:{i // 60 % 60:02d}:{i % 60:02d}+00:00",
                "event.action": "member.view",
                "user.name": f"u{i % 7}",
                "n": i,
            }
        ).decode()
        for i in range(start, start + n)
    ]


def pipeline(clock) -> Pipeline:
    return Pipeline(source="app", parser=JsonParser(), enrich=None, clock=clock)


def count(store: SQLiteStore) -> int:
    return store.count_events(EventQuery())


def test_all_lines_stored_once_and_counts_reported(sqlite_store, clock) -> None:
    data = lines(25)
    report = ingest(ListReader(data, None), pipeline(clock), sqlite_store, batch_size=10)
    assert (report.read, report.stored, report.duplicates, report.batches) == (25, 25, 0, 3)
    assert count(sqlite_store) == 25
    assert load_cursor(sqlite_store, "app") == {"next": 25}


def test_rerun_from_scratch_stores_nothing_twice(sqlite_store, clock) -> None:
    data = lines(12)
    ingest(ListReader(data, None), pipeline(clock), sqlite_store, batch_size=5)
    again = ingest(ListReader(data, None), pipeline(clock), sqlite_store, batch_size=5)
    assert (again.stored, again.duplicates) == (0, 12)
    assert count(sqlite_store) == 12


def test_bad_line_becomes_dead_letter_with_source_and_offset_and_job_goes_on(
    sqlite_store, clock
) -> None:
    data = lines(5)
    data[2] = '{"@timestamp": "2026-03-10T08:00:00+00:00", broken'
    report = ingest(ListReader(data, None), pipeline(clock), sqlite_store, batch_size=2)
    assert (report.stored, report.dead_letters) == (4, 1)
    [letter] = sqlite_store.dead_letters(source="app")
    assert letter.position == "list:2"
    assert "not JSON" in letter.reason
    assert letter.raw == data[2]
    assert letter.received == clock.now()


def test_dead_letter_raw_is_cut_to_the_limit(sqlite_store, clock) -> None:
    p = pipeline(clock)
    p.dead_letter_max_bytes = 100
    ingest(ListReader(["x" * 10_000], None), p, sqlite_store)
    [letter] = sqlite_store.dead_letters()
    assert len(letter.raw.encode()) < 120
    assert letter.raw.endswith("[cut]")


def test_event_without_timezone_is_dead_lettered_not_stored(sqlite_store, clock) -> None:
    data = ['{"@timestamp": "2026-03-10T08:00:00", "user.name": "a"}']
    report = ingest(ListReader(data, None), pipeline(clock), sqlite_store)
    assert (report.stored, report.dead_letters) == (0, 1)
    assert "timezone" in sqlite_store.dead_letters()[0].reason


def test_crash_between_write_and_checkpoint_rereads_batch_without_doubles(
    sqlite_store, clock
) -> None:
    data = lines(30)
    flaky = FlakyStore(sqlite_store)
    no_retry = Retry(attempts=1, sleep=lambda s: None)
    first = ingest(
        ListReader(data, None), pipeline(clock), flaky, batch_size=10, should_stop=lambda: True
    )
    assert first.stored == 10 and first.error is None
    flaky.fail_checkpoints = 1  # the second batch is written, its checkpoint never lands
    reader = ListReader(data, load_cursor(sqlite_store, "app"))
    crashed = ingest(reader, pipeline(clock), flaky, batch_size=10, retry=no_retry)
    assert crashed.error is not None and "unavailable" in crashed.error
    assert load_cursor(sqlite_store, "app") == {"next": 10}
    assert count(sqlite_store) == 20  # the batch itself did land
    resumed = ingest(
        ListReader(data, load_cursor(sqlite_store, "app")), pipeline(clock), flaky, batch_size=10
    )
    assert (resumed.duplicates, resumed.stored) == (10, 10)
    assert count(sqlite_store) == len(data)


def test_store_outage_is_retried_with_backoff_then_succeeds(sqlite_store, clock) -> None:
    flaky = FlakyStore(sqlite_store)
    flaky.fail_writes = 3
    sleeps: list[float] = []
    report = ingest(
        ListReader(lines(8), None),
        pipeline(clock),
        flaky,
        batch_size=4,
        retry=Retry(attempts=5, base=0.5, cap=30, sleep=sleeps.append),
    )
    assert report.error is None
    assert sleeps == [0.5, 1.0, 2.0]
    assert count(sqlite_store) == 8


def test_long_outage_stops_cleanly_and_next_run_resumes_from_checkpoint(
    sqlite_store, clock
) -> None:
    data = lines(40)
    flaky = FlakyStore(sqlite_store)
    retry = Retry(attempts=3, sleep=lambda s: None)
    reader = ListReader(data, None)
    batches = 0

    def outage_after_two(report) -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            flaky.fail_writes = 100

    stopped = ingest(
        reader, pipeline(clock), flaky, batch_size=10, retry=retry, on_batch=outage_after_two
    )
    assert stopped.error is not None and stopped.stored == 20
    assert load_cursor(sqlite_store, "app") == {"next": 20}
    flaky.fail_writes = 0
    resumed = ingest(
        ListReader(data, load_cursor(sqlite_store, "app")), pipeline(clock), flaky, batch_size=10
    )
    assert (resumed.stored, resumed.duplicates) == (20, 0)
    assert count(sqlite_store) == len(data)


def test_source_failure_stops_run_and_keeps_checkpoint_of_acknowledged_batches(
    sqlite_store, clock
) -> None:
    data = lines(25)
    report = ingest(ListReader(data, None, fail_at=17), pipeline(clock), sqlite_store, batch_size=5)
    assert report.error is not None and "connection reset" in report.error
    assert load_cursor(sqlite_store, "app") == {"next": 15}
    resumed = ingest(
        ListReader(data, load_cursor(sqlite_store, "app")), pipeline(clock), sqlite_store
    )
    assert resumed.error is None
    assert count(sqlite_store) == 25


def test_stop_request_finishes_current_batch_only(sqlite_store, clock) -> None:
    report = ingest(
        ListReader(lines(50), None),
        pipeline(clock),
        sqlite_store,
        batch_size=10,
        should_stop=lambda: True,
    )
    assert report.stored == 10
    assert load_cursor(sqlite_store, "app") == {"next": 10}


def test_a_pull_whose_source_passed_to_another_worker_stops_at_its_checkpoint(
    sqlite_store, clock
) -> None:
    data = lines(50)
    mine, theirs = Fence("ingest app", 1), Fence("ingest app", 2)

    def taken_over(report) -> None:  # after the first batch, another worker takes the source
        if report.batches == 1:
            raise_fence(sqlite_store, "checkpoint", "app", theirs)

    with pytest.raises(FencedOff):
        ingest(
            ListReader(data, None),
            pipeline(clock),
            sqlite_store,
            batch_size=10,
            on_batch=taken_over,
            fence=mine,
        )
    assert load_cursor(sqlite_store, "app") == {"next": 10}  # the second batch never checkpointed
    rest = ingest(
        ListReader(data, load_cursor(sqlite_store, "app")),
        pipeline(clock),
        sqlite_store,
        batch_size=10,
        fence=theirs,
    )
    assert (rest.duplicates, rest.stored) == (10, 30)  # the refused batch's events, stored once
    assert count(sqlite_store) == len(data)


def test_a_reset_source_keeps_its_fence_so_a_paused_holder_cannot_write_its_old_cursor_back(
    store: Store, clock: ManualClock
) -> None:
    data = lines(30)
    old, new = Fence("ingest app", 1), Fence("ingest app", 2)
    ingest(ListReader(data[:10], None), pipeline(clock), store, batch_size=10, fence=old)
    # the old holder is paused past its lease; the new one takes the source and reads it all
    raise_fence(store, "checkpoint", "app", new)
    ingest(ListReader(data, load_cursor(store, "app")), pipeline(clock), store, fence=new)
    assert reset_checkpoint(store, "app", clock)
    assert load_cursor(store, "app") is None

    with pytest.raises(FencedOff, match="epoch 2; this worker held epoch 1"):
        ingest(ListReader(data, {"next": 10}), pipeline(clock), store, batch_size=10, fence=old)
    assert load_cursor(store, "app") is None  # the reset stands
    again = ingest(ListReader(data, None), pipeline(clock), store, fence=new)
    assert (again.read, again.stored, again.duplicates) == (30, 0, 30)  # from the start, once
    assert load_cursor(store, "app") == {"next": 30}
    assert not reset_checkpoint(store, "elsewhere", clock)
    assert store.get_record("checkpoint", "elsewhere") is None


def test_record_with_its_own_id_keeps_it_and_derives_event_id_from_it(sqlite_store, clock) -> None:
    data = ['{"@timestamp": "2026-03-10T08:00:00+00:00", "event.id": "abc-1"}'] * 2
    report = ingest(ListReader(data, None), pipeline(clock), sqlite_store)
    assert (report.stored, report.duplicates) == (1, 1)
    [event] = sqlite_store.search_events(EventQuery()).events
    assert event.fields["sentinel.source_id"] == "abc-1"


def test_source_stats_reports_events_newest_lag_and_dead_letters(sqlite_store, clock) -> None:
    data = [*lines(3), "garbage"]
    ingest(ListReader(data, None), pipeline(clock), sqlite_store)
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    [app, quiet] = source_stats(sqlite_store, ["app", "quiet"], now)
    assert (app.source, app.events, app.dead_letters) == ("app", 3, 1)
    assert app.newest == datetime(2026, 3, 10, 8, 0, 2, tzinfo=UTC)
    assert app.lag is not None and app.lag.total_seconds() == pytest.approx(3598)
    assert (quiet.events, quiet.newest, quiet.lag) == (0, None, None)


def test_every_record_read_is_accounted_for(sqlite_store: SQLiteStore, clock: ManualClock) -> None:
    lines = [
        "Nov 25 03:24:13 gw1 sshd[14724]: Invalid user git from 112.85.42.206 port 47835",
        "Nov 25 03:24:14 gw1 sshd[14724]: pam_unix(sshd:auth): check pass; user unknown",
        "Nov 25 03:51:50 gw1 sshd[27044]: message repeated 3 times: [ Failed password for "
        "invalid user git from 222.186.30.145 port 30961 ssh2]",
        "Nov 25 03:52:00 gw1 CRON[99]: (root) CMD (run-parts /etc/cron.hourly)",
        "not a syslog line at all",
    ]
    pipeline = Pipeline(
        source="gw",
        parser=SshdParser(ZoneInfo("Europe/Amsterdam"), year=2026),
        enrich=None,
        clock=clock,
    )
    report = ingest(ListReader(lines, None), pipeline, sqlite_store, batch_size=2)

    assert (report.read, report.with_events, report.events, report.stored) == (5, 2, 4, 4)
    assert (sum(report.skipped.values()), report.dead_letters) == (2, 1)
    assert report.read == report.with_events + sum(report.skipped.values()) + report.dead_letters
    assert report.accounting() == (
        "5 read: 2 gave 4 event(s), 2 skipped (cron 1, sshd 1), 1 dead letter(s)"
    )
