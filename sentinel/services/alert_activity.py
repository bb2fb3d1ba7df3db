"""What surrounds alerts: how many each rule raised, the group's activity, the members touched.

The queue shows counts per rule; an alert's page shows its group's events per
bucket around the window that fired and the members its evidence touched. The
counting runs in the store (alerts counted per rule, events per bucket or per
member).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from pydantic import BaseModel

from sentinel.alerts import Alerts
from sentinel.events import MEMBER_ID, parse_timestamp
from sentinel.incidents.facts import Time
from sentinel.localtime import span
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import NotFound
from sentinel.store.base import Record
from sentinel.store.query import Aggregation, EventQuery, Match, all_of

KIND = "alert"
BUCKETS = 36


class RuleCount(BaseModel):
    rule_name: str
    open: int
    total: int


class Bucket(BaseModel):
    start: Time
    label: str
    count: int
    in_window: bool


class Activity(BaseModel):
    """The group's events per bucket, from well before the window to well after it."""

    group: dict[str, str]
    step: str
    buckets: list[Bucket]


class MemberCount(BaseModel):
    member: str
    events: int


class AlertActivity:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.alerts = Alerts(ctx.store, ctx.clock)

    def per_rule(self, actor: Actor) -> list[RuleCount]:
        """Every rule that raised an alert: open ones (new or acknowledged) and all of them."""
        require(actor, "alerts:read")
        total: Counter[str] = Counter()
        still_open: Counter[str] = Counter()
        for (name, is_open), n in self.ctx.store.count_records(KIND, ("rule_name", "open")):
            total[str(name)] += n
            if is_open:
                still_open[str(name)] += n
        return [
            RuleCount(rule_name=name, open=still_open[name], total=n)
            for name, n in sorted(total.items(), key=lambda kv: (-still_open[kv[0]], kv[0]))
        ]

    def around(self, actor: Actor, alert_id: str) -> Activity:
        """All of the group's events (not only those the rule selected), bucketed."""
        require(actor, "alerts:read")
        rec = self._require(alert_id)
        start = parse_timestamp(rec.data["window"]["start"])
        end = parse_timestamp(rec.data["window"]["end"])
        step = _step(end - start)
        first = _floor(start, step) - step * ((BUCKETS - 1) // 3)
        last = first + step * BUCKETS
        group = {k: str(v) for k, v in rec.data["group"].items()}
        query = EventQuery(
            filter=all_of(*(Match(k, "eq", v) for k, v in rec.data["group"].items())),
            start=first,
            end=last,
        )
        counts = {
            row.bucket: row.count
            for row in self.ctx.store.aggregate(query, Aggregation(bucket=step))
            if row.bucket is not None
        }
        zone = self.ctx.zone
        buckets = []
        for i in range(BUCKETS):
            at = first + step * i
            buckets.append(
                Bucket(
                    start=at,
                    label=at.astimezone(zone).strftime("%d %b %H:%M"),
                    count=counts.get(at, 0),
                    in_window=at + step > start and (at < end or at <= start),
                )
            )
        return Activity(group=group, step=span(step), buckets=buckets)

    def members(self, actor: Actor, alert_id: str, *, limit: int = 500) -> list[MemberCount]:
        """The members the evidence touched, most events first."""
        require(actor, "alerts:read")
        rec = self._require(alert_id)
        query = self.alerts.evidence(rec)
        rows = [
            MemberCount(member=str(row.key[0]), events=row.count)
            for row in self.ctx.store.aggregate(query, Aggregation(group_by=(MEMBER_ID,)))
            if row.key[0] not in (None, "")
        ]
        rows.sort(key=lambda m: (-m.events, m.member))
        return rows[:limit]

    def _require(self, alert_id: str) -> Record:
        rec = self.alerts.get(alert_id)
        if rec is None:
            raise NotFound(f"no alert {alert_id}")
        return rec


def _step(window: timedelta) -> timedelta:
    """A bucket a third of the window, in whole minutes, at least 5 minutes."""
    for minutes in (5, 10, 15, 30, 60, 120, 240, 360, 720, 1440):
        if window <= timedelta(minutes=minutes * 3):
            return timedelta(minutes=minutes)
    return timedelta(days=1)


def _floor(ts: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=ts.tzinfo)
    return epoch + step * ((ts - epoch) // step)
