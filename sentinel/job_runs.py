"""How each scheduled job last ran, whichever worker ran it: last success, last failure.

One record per job (``job_run/<job>``), written by the worker holding the
job's lease after each run, so the watchdog, ``/metrics`` and the overview see
one picture of the cluster. ``last_successes`` is what they read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sentinel.events import format_timestamp, parse_timestamp
from sentinel.store.base import Record, Store

KIND = "job_run"
_PAGE = 1000


@dataclass(frozen=True, slots=True)
class JobRun:
    job: str
    interval: timedelta
    last_success: datetime | None
    last_finished: datetime | None
    """End of the last run, successful or not."""
    last_error: str | None
    """The error of the last run; None when it succeeded."""
    worker: str | None
    """The worker that ran it last."""

    @classmethod
    def from_record(cls, rec: Record) -> JobRun:
        d = rec.data
        return cls(
            job=rec.id,
            interval=timedelta(seconds=d["interval_seconds"]),
            last_success=_time(d.get("last_success")),
            last_finished=_time(d.get("last_finished")),
            last_error=d.get("last_error"),
            worker=d.get("worker"),
        )


def _time(value: str | None) -> datetime | None:
    return parse_timestamp(value) if value else None


def record_run(
    store: Store,
    job: str,
    interval: timedelta,
    *,
    worker: str,
    finished: datetime,
    error: str | None = None,
) -> None:
    """Note one finished run; a failure keeps the time of the last success."""
    current = store.get_record(KIND, job)
    data = dict(current.data) if current is not None else {"last_success": None}
    stamp = format_timestamp(finished)
    data.update(
        job=job,
        interval_seconds=interval.total_seconds(),
        last_finished=stamp,
        last_error=error,
        worker=worker,
    )
    if error is None:
        data["last_success"] = stamp
    store.put_record(KIND, job, data)


def get_run(store: Store, job: str) -> JobRun | None:
    rec = store.get_record(KIND, job)
    return JobRun.from_record(rec) if rec is not None else None


def job_runs(store: Store) -> list[JobRun]:
    """Every job that has run at least once, in job order."""
    out: list[JobRun] = []
    after: str | None = None
    while True:
        page = store.find_records(KIND, limit=_PAGE, after=after)
        out += [JobRun.from_record(r) for r in page]
        if len(page) < _PAGE:
            return out
        after = page[-1].id


def last_successes(store: Store) -> dict[str, datetime | None]:
    """Per job, when it last completed without error (None: it has only failed so far)."""
    return {run.job: run.last_success for run in job_runs(store)}
