"""The overview: what needs attention now, on one page.

Open incidents with their clocks come from the incident service; this module adds
alerts per rule per day, each source's ingest lag, the rules whose last run
failed and the notifications that could not be delivered. Each part asks for the
permission of what it shows, so a viewer sees the parts a viewer may see.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from sentinel.events import format_timestamp
from sentinel.incidents.facts import Time
from sentinel.ingest import source_lags
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.outbox import OutboxService
from sentinel.store.base import Between


class RuleDay(BaseModel):
    rule_name: str
    days: list[int]
    """Alerts first seen on each day of ``AlertsPerDay.days``, oldest first."""
    total: int


class AlertsPerDay(BaseModel):
    days: list[date]
    rules: list[RuleDay]


class SourceLag(BaseModel):
    source: str
    newest: Time | None
    lag_seconds: float | None
    dead_letters: int


class FailingRule(BaseModel):
    rule: str
    last_run: Time | None
    error: str


class FailedNotification(BaseModel):
    id: str
    title: str
    created: Time
    channels: dict[str, str]
    """Channel → its last error."""


def _midnight(day: date, zone: ZoneInfo) -> str:
    """The day's start in the zone, as alerts store their times (so text order is time order)."""
    return format_timestamp(datetime.combine(day, time(), tzinfo=zone))


class OverviewService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def alerts_per_day(self, actor: Actor, days: int = 14) -> AlertsPerDay:
        """Alerts by the local day they first saw an event, per rule, over the last ``days``."""
        require(actor, "alerts:read")
        zone = self.ctx.zone
        today = self.ctx.clock.now().astimezone(zone).date()
        first = today - timedelta(days=days - 1)
        span = [first + timedelta(days=n) for n in range(days)]
        counts: Counter[tuple[str, date]] = Counter()
        for day in span:
            # a local day runs midnight to midnight: 23 or 25 hours when the clocks change
            day_range = Between(_midnight(day, zone), _midnight(day + timedelta(days=1), zone))
            for (name,), n in self.ctx.store.count_records(
                "alert", ("rule_name",), {"first_seen": day_range}
            ):
                counts[(str(name), day)] += n
        names = sorted({name for name, _ in counts})
        rules = [
            RuleDay(
                rule_name=name,
                days=[counts[(name, d)] for d in span],
                total=sum(counts[(name, d)] for d in span),
            )
            for name in names
        ]
        rules.sort(key=lambda r: (-r.total, r.rule_name))
        return AlertsPerDay(days=span, rules=rules)

    def sources(self, actor: Actor) -> list[SourceLag]:
        require(actor, "sources:read")
        configured = [s.name for s in self.ctx.settings.sources]
        return [
            SourceLag(
                source=s.source,
                newest=s.newest,
                lag_seconds=s.lag.total_seconds() if s.lag is not None else None,
                dead_letters=s.dead_letters,
            )
            for s in source_lags(self.ctx.store, configured, self.ctx.clock.now())
        ]

    def failing_rules(self, actor: Actor) -> list[FailingRule]:
        require(actor, "rules:read")
        found = self.ctx.store.find_records("rule_state", {"status": "failing"}, limit=500)
        return [
            FailingRule(
                rule=rec.data.get("name") or rec.id,
                last_run=rec.data.get("last_run"),
                error=rec.data.get("error") or "",
            )
            for rec in found
        ]

    def failed_notifications(self, actor: Actor, limit: int = 50) -> list[FailedNotification]:
        """Given-up messages, newest first (without those about incidents hidden from you)."""
        page = OutboxService(self.ctx).list(actor, status="failed", limit=limit)
        return [
            FailedNotification(
                id=n.id,
                title=n.title,
                created=n.created,
                channels={
                    name: d.error or d.status
                    for name, d in n.deliveries.items()
                    if d.status != "sent"
                },
            )
            for n in page.items
        ]
