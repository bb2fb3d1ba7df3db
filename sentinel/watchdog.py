"""The watchdog: a scheduled job that has stopped completing raises an alert.

A job is late when its last success (``sentinel.job_runs``) is more than twice
its interval ago, and never less than its interval plus the lease expiry,
which is how long a dead worker's jobs may wait to move on. A late job raises
one alert per stall (its id comes from the job and the last success), sent
like any other alert; the alert is closed once the job completes again. The
incident reminders and notification delivery are watched as critical: when
they stop, the 72-hour reminders stop with them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sentinel.alerts import KIND as ALERT
from sentinel.alerts import Alerts, alert_id
from sentinel.clock import Clock
from sentinel.detection.evaluate import Detection
from sentinel.detection.model import Meta, Rule
from sentinel.job_runs import JobRun, job_runs
from sentinel.localtime import show
from sentinel.store.query import EventQuery, Match

RULE_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "sentinel:job-watchdog"))
RULE_NAME = "job_watchdog"
JOB_FIELD = "sentinel.job"

REMINDERS = "incident reminders"
DELIVERY = "notify delivery"


@dataclass(frozen=True, slots=True)
class Watched:
    job: str
    interval: timedelta


@dataclass(frozen=True, slots=True)
class Late:
    job: str
    since: datetime
    """The last success, or when watching began if the job has not succeeded yet."""
    succeeded: bool
    allowed: timedelta


@dataclass(slots=True)
class WatchReport:
    late: list[Late] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)

    def line(self) -> str:
        if not self.late:
            text = "every job ran in time"
        else:
            text = f"{len(self.late)} job(s) late: " + ", ".join(j.job for j in self.late)
        return text + f"; {len(self.raised)} alert(s) raised, {len(self.cleared)} cleared"


def allowed_gap(interval: timedelta, lease: timedelta) -> timedelta:
    """Twice the interval, at least interval + lease: a takeover after a death is no stall."""
    return max(2 * interval, interval + lease)


def late_jobs(
    jobs: Sequence[Watched],
    runs: dict[str, JobRun],
    now: datetime,
    *,
    lease: timedelta,
    watching_since: datetime,
) -> list[Late]:
    late = []
    for job in jobs:
        run = runs.get(job.job)
        succeeded = run is not None and run.last_success is not None
        since = run.last_success if run is not None and run.last_success else watching_since
        allowed = allowed_gap(job.interval, lease)
        if now - since > allowed:
            late.append(Late(job.job, since, succeeded, allowed))
    return late


def describe(job: str) -> tuple[str, str]:
    """What a job is, in words, and how severe its stall is."""
    if job.startswith("rule "):
        return f"detection rule {job.removeprefix('rule ')}", "high"
    if job.startswith("ingest "):
        return f"the pull of source {job.removeprefix('ingest ')}", "high"
    if job == REMINDERS:
        return "the 72-hour reminder job", "critical"
    if job == DELIVERY:
        return "notification delivery", "critical"
    return job, "medium"


def _rule(job: str) -> Rule:
    _, severity = describe(job)
    return Rule(
        id=RULE_ID,
        name=RULE_NAME,
        title="A scheduled job has stopped running",
        description="Raised by the workers' watchdog when a job misses its interval twice.",
        file=__file__,
        line=1,
        kind="match",
        meta=Meta(severity=severity, suppress=timedelta(0)),
        group_by=(JOB_FIELD,),
    )


class Watchdog:
    """Checks the jobs ``jobs`` against their last successes and raises or clears alerts."""

    def __init__(
        self,
        store_alerts: Alerts,
        clock: Clock,
        jobs: Sequence[Watched],
        *,
        lease: timedelta,
        zone: ZoneInfo,
        watching_since: datetime,
    ) -> None:
        self.alerts = store_alerts
        self.store = store_alerts.store
        self.clock = clock
        self.jobs = list(jobs)
        self.lease = lease
        self.zone = zone
        self.watching_since = watching_since

    def run(self) -> WatchReport:
        now = self.clock.now()
        runs = {run.job: run for run in job_runs(self.store)}
        report = WatchReport(
            late=late_jobs(
                self.jobs, runs, now, lease=self.lease, watching_since=self.watching_since
            )
        )
        detections = [self._detection(late) for late in report.late]
        report.raised = self.alerts.record(detections).new
        current = {alert_id(d.rule.id, d.group, d.key) for d in detections}
        for rec in self.store.find_records(ALERT, {"rule": RULE_ID, "open": True}, limit=1000):
            if rec.id in current:
                continue
            job = rec.data["group"].get(JOB_FIELD, "?")
            run = runs.get(job)
            when = show(run.last_success, self.zone, seconds=False) if run else "—"
            self.alerts.close(rec.id, "sentinel", f"{describe(job)[0]} ran again ({when})")
            report.cleared.append(rec.id)
        return report

    def _detection(self, late: Late) -> Detection:
        what, _ = describe(late.job)
        when = show(late.since, self.zone, seconds=False)
        summary = (
            f"{what} has not run since {when}"
            if late.succeeded
            else f"{what} has not completed a run since the workers started watching it ({when})"
        )
        overdue = late.since + late.allowed
        return Detection(
            rule=_rule(late.job),
            group={JOB_FIELD: late.job},
            start=late.since,
            end=overdue,
            count=1,
            first=overdue,
            last=overdue,
            evidence=EventQuery(Match(JOB_FIELD, "eq", late.job), late.since, overdue),
            key=f"since:{late.since.isoformat()}",
            summary=summary,
        )
