"""What /metrics reads from the store when scraped: ingest lag, failed notifications, clocks,
and each scheduled job's last success.

Read at scrape time rather than counted, so the figures are the same whichever
worker ingested, delivered or opened the incident.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.incidents.deadline import deadline
from sentinel.incidents.model import KIND as INCIDENT_KIND
from sentinel.incidents.model import Incident
from sentinel.ingest import source_lags
from sentinel.notify.outbox import KIND as NOTIFICATION_KIND
from sentinel.services.workers import job_health
from sentinel.store.base import Record, Store

_PAGE = 500


class StoreFigures(Collector):
    def __init__(self, settings: Settings, store: Store, clock: Clock) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock.now()
        lag = GaugeMetricFamily(
            "sentinel_ingest_lag_seconds",
            "Seconds between now and the newest stored event, per source",
            labels=["source"],
        )
        configured = [s.name for s in self.settings.sources]
        for row in source_lags(self.store, configured, now):
            if row.lag is not None:
                lag.add_metric([row.source], row.lag.total_seconds())
        yield lag

        failed = GaugeMetricFamily(
            "sentinel_notifications_failed",
            "Notifications that gave up on at least one channel (sentinel notify list)",
        )
        failed.add_metric(
            [], sum(1 for _ in self._records(NOTIFICATION_KIND, {"status": "failed"}))
        )
        yield failed

        left = GaugeMetricFamily(
            "sentinel_incident_deadline_seconds",
            "Seconds left until the 72-hour AP deadline of each incident whose clock runs "
            "(negative once passed)",
            labels=["incident"],
        )
        for rec in self._records(INCIDENT_KIND, {"clock_running": True}):
            incident = Incident.from_data(rec.id, rec.data)
            if incident.awareness is not None:
                due = deadline(incident.awareness.at)
                left.add_metric([incident.id], (due - now).total_seconds())
        yield left

        success = GaugeMetricFamily(
            "sentinel_job_last_success_timestamp_seconds",
            "When each scheduled job last completed without error, whichever worker ran it "
            "(Unix time; absent while a job has only failed)",
            labels=["job"],
        )
        late = GaugeMetricFamily(
            "sentinel_job_late",
            "1 when a job has not completed within twice its interval (the watchdog alerts)",
            labels=["job"],
        )
        for job in job_health(self.store, now, self.settings.workers.lease):
            if job.last_success is not None:
                success.add_metric([job.job], job.last_success.timestamp())
            late.add_metric([job.job], float(job.late))
        yield success
        yield late

    def _records(self, kind: str, where: dict[str, Any]) -> Iterator[Record]:
        after: str | None = None
        while True:
            records = self.store.find_records(kind, where, limit=_PAGE, after=after)
            yield from records
            if len(records) < _PAGE:
                return
            after = records[-1].id


def registry(settings: Settings, store: Store, clock: Clock) -> CollectorRegistry:
    """A registry of this app's store figures (one per app, so tests can make many apps)."""
    found = CollectorRegistry(auto_describe=False)
    found.register(StoreFigures(settings, store, clock))
    return found
