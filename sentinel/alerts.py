"""The alert lifecycle: new → acknowledged → escalated (to an incident) or closed with a reason.

An alert's id is derived from its rule, its group and its window, so a rule
that sees the same burst again (overlapping windows, a restart, a backfill)
updates the alert instead of raising a second one. Suppression folds a repeat
for the same group within the rule's span into the alert that is still open.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from sentinel import metrics
from sentinel.clock import Clock
from sentinel.events import format_timestamp, parse_timestamp
from sentinel.notify.outbox import Notification, enqueue
from sentinel.store.base import Between, ConflictError, Holds, Record, RecordKey, Store
from sentinel.store.query import EventQuery

if TYPE_CHECKING:  # the rule engine is not loaded by commands that only read alerts
    from sentinel.detection.evaluate import Detection
    from sentinel.detection.model import Rule

_RULE_ID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
KIND = "alert"
THROTTLE = "alert_throttle"
STATUSES = ("new", "acknowledged", "escalated", "closed")
USER_KEYS = ("user.name", "account", "sentinel.target.user")
"""Group fields that name an account: what the queue's user filter matches."""
OPEN = ("new", "acknowledged")
_TRANSITIONS = {
    "new": {"acknowledged", "escalated", "closed"},
    "acknowledged": {"escalated", "closed"},
    "escalated": {"closed"},
    "closed": set(),
}


class AlertError(Exception):
    """An alert is missing, or the requested change is not allowed from its status."""


def suppression(rule: Rule) -> timedelta:
    """Repeats for a group within this span fold into its open alert (default: the window)."""
    return rule.meta.suppress if rule.meta.suppress is not None else rule.window


def group_key(group: dict[str, Any]) -> str:
    return orjson.dumps(group, option=orjson.OPT_SORT_KEYS, default=str).decode()


def group_terms(group: dict[str, Any]) -> list[str]:
    """The group as list items the store indexes, so the queue's filters find an alert
    without reading the others: ``field=value`` for each field, and ``user=value`` for
    a field that names an account (``USER_KEYS``); lowercase, as the filters ignore case."""
    terms = {f"{field}={str(value).lower()}" for field, value in group.items()}
    terms |= {f"user={str(group[k]).lower()}" for k in USER_KEYS if k in group}
    return sorted(terms)


def add_group_terms(store: Store, page: int = 500) -> int:
    """Give alerts recorded before ``group_terms`` existed their terms; how many it changed.

    Without them an alert is still listed, but not when the queue is filtered on a user
    or an address. An alert changed meanwhile is taken on the next run.
    """
    changed = 0
    after: str | None = None
    while records := store.find_records(KIND, {"group_terms": None}, limit=page, after=after):
        for rec in records:
            data = {**rec.data, "group_terms": group_terms(rec.data["group"])}
            try:
                store.update_record(KIND, rec.id, data, rec.version)
            except ConflictError:
                continue
            changed += 1
        after = records[-1].id
    return changed


def alert_id(rule_id: str, group: dict[str, Any], key: str) -> str:
    digest = hashlib.blake2b(
        f"{rule_id}\x1f{group_key(group)}\x1f{key}".encode(), digest_size=8
    ).hexdigest()
    return f"AL-{digest}"


@dataclass(slots=True)
class RecordReport:
    new: list[str] = field(default_factory=list)
    updated: int = 0
    folded: int = 0
    notified: int = 0
    throttled: int = 0


def _ts(value: str) -> datetime:
    return parse_timestamp(value)


def _occurrence(d: Detection) -> dict[str, Any]:
    return {
        "window": {"start": format_timestamp(d.start), "end": format_timestamp(d.end)},
        "count": d.count,
        "distinct": d.distinct,
        "first": format_timestamp(d.first),
        "last": format_timestamp(d.last),
        "summary": d.summary,
    }


class Alerts:
    """Records detections as alerts, queues their notifications, and moves them along."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # recording ---------------------------------------------------------------
    def record(self, detections: Iterable[Detection], *, notify: bool = True) -> RecordReport:
        report = RecordReport()
        for d in detections:
            if not d.rule.alerting:
                continue
            self._record_one(d, notify, report)
        return report

    def _record_one(self, d: Detection, notify: bool, report: RecordReport) -> None:
        rule = d.rule
        aid = alert_id(rule.id, d.group, d.key)
        for _attempt in range(5):
            existing = self.store.get_record(KIND, aid)
            try:
                if existing is not None:
                    self._refresh(existing, aid, d)
                    report.updated += 1
                    return
                holder = self._holder(rule, d, aid)
                if holder is not None:
                    self._refresh(holder, aid, d)
                    report.folded += 1
                    return
                self.store.create_record(KIND, aid, self._new(aid, d))
            except ConflictError:
                continue
            report.new.append(aid)
            metrics.alerts_raised.labels(rule.name).inc()
            if notify:
                self._notify(aid, d, report)
            return
        raise ConflictError(f"alert {aid} kept changing under a concurrent writer")

    def _holder(self, rule: Rule, d: Detection, aid: str) -> Record | None:
        """The open alert that already holds this window, or absorbs it by suppression."""
        gk = group_key(d.group)
        candidates = self.store.find_records(
            KIND,
            {"rule": rule.id, "group_key": gk, "open": True},
            order_by="last_seen",
            descending=True,
            limit=20,
        )
        for rec in candidates:
            if aid in rec.data["occurrences"]:
                return rec
        if not candidates:
            return None
        latest = candidates[0]
        if d.first - _ts(latest.data["last_seen"]) <= suppression(rule):
            return latest
        return None

    def _new(self, aid: str, d: Detection) -> dict[str, Any]:
        rule = d.rule
        now = format_timestamp(self.clock.now())
        return {
            "rule": rule.id,
            "rule_name": rule.name,
            "title": rule.title,
            "kind": rule.kind,
            "severity": rule.meta.severity,
            "status": "new",
            "open": True,
            "group": d.group,
            "group_key": group_key(d.group),
            "group_terms": group_terms(d.group),
            "window": {"start": format_timestamp(d.start), "end": format_timestamp(d.end)},
            "first_seen": format_timestamp(d.first),
            "last_seen": format_timestamp(d.last),
            "count": d.count,
            "distinct": d.distinct,
            "summary": d.summary,
            "categories": list(rule.meta.categories),
            "playbook": rule.meta.playbook,
            "channels": list(rule.meta.channels),
            "evidence": d.evidence.to_dict(),
            "occurrences": {aid: _occurrence(d)},
            "extra": d.extra,
            "created": now,
            "updated": now,
            "history": [{"at": now, "by": "sentinel", "action": "raised", "reason": d.summary}],
            "incident": None,
            "close_reason": None,
            "notified": False,
        }

    def _refresh(self, rec: Record, aid: str, d: Detection) -> None:
        """Put this window's latest figures into the alert that holds it."""
        data = dict(rec.data)
        occurrences = dict(data["occurrences"])
        if occurrences.get(aid) == _occurrence(d):
            return
        occurrences[aid] = _occurrence(d)
        data["occurrences"] = occurrences
        data["count"] = sum(o["count"] for o in occurrences.values())
        data["distinct"] = max(
            (o["distinct"] for o in occurrences.values() if o["distinct"] is not None),
            default=None,
        )
        data["first_seen"] = min(o["first"] for o in occurrences.values())
        data["last_seen"] = max(o["last"] for o in occurrences.values())
        data["window"] = {
            "start": min(o["window"]["start"] for o in occurrences.values()),
            "end": max(o["window"]["end"] for o in occurrences.values()),
        }
        data["summary"] = (
            d.summary
            if len(occurrences) == 1
            else (f"{d.summary} ({len(occurrences)} windows folded)")
        )
        evidence = EventQuery.from_dict(data["evidence"])
        union = EventQuery(
            evidence.filter, _ts(data["window"]["start"]), _ts(data["window"]["end"])
        )
        data["evidence"] = union.to_dict()
        if len(occurrences) > 1:
            # Folded windows overlap: their counts would count shared events twice. The alert
            # counts what its evidence holds, as `alerts show` lists it.
            data["count"] = self.store.count_events(union)
        data["updated"] = format_timestamp(self.clock.now())
        self.store.update_record(KIND, rec.id, data, rec.version)

    def _notify(self, aid: str, d: Detection, report: RecordReport) -> None:
        rule = d.rule
        if rule.meta.throttle is not None and not self._within_throttle(rule):
            report.throttled += 1
            return
        queued = enqueue(
            self.store,
            Notification(
                id=f"alert:{aid}",
                template="alert",
                title=rule.title,
                severity=rule.meta.severity,
                context={"alert": self.notification_context(aid)},
                channels=list(rule.meta.channels),
                link=f"/alerts/{aid}",
            ),
            self.clock,
        )
        if queued:
            report.notified += 1
            rec = self.store.get_record(KIND, aid)
            if rec is not None:
                self.store.update_record(KIND, aid, {**rec.data, "notified": True}, rec.version)

    def _within_throttle(self, rule: Rule) -> bool:
        """True (and counted) if the rule may still notify in its throttle period."""
        assert rule.meta.throttle is not None
        now = self.clock.now()
        horizon = now - rule.meta.throttle.per
        rec = self.store.get_record(THROTTLE, rule.id)
        sent = [t for t in (rec.data["sent"] if rec else []) if _ts(t) > horizon]
        if len(sent) >= rule.meta.throttle.max:
            return False
        self.store.put_record(THROTTLE, rule.id, {"sent": [*sent, format_timestamp(now)]})
        return True

    def notification_context(self, aid: str) -> dict[str, Any]:
        rec = self.require(aid)
        keys = (
            "rule",
            "rule_name",
            "title",
            "severity",
            "summary",
            "group",
            "window",
            "count",
            "distinct",
            "categories",
            "first_seen",
            "last_seen",
        )
        return {"id": aid, **{k: rec.data[k] for k in keys}}

    # reading -----------------------------------------------------------------
    def get(self, aid: str) -> Record | None:
        return self.store.get_record(KIND, aid)

    def require(self, aid: str) -> Record:
        rec = self.get(aid)
        if rec is None:
            raise AlertError(f"no alert {aid}")
        return rec

    def list(
        self,
        *,
        status: str | None = None,
        rule: str | None = None,
        severity: str | None = None,
        user: str | None = None,
        source_ip: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        after: RecordKey | None = None,
    ) -> list[Record]:
        """Newest last seen first; ``after`` is the (last_seen, id) the previous page ended on.

        ``user`` and ``source_ip`` match the alert's group (an account or an address
        the rule grouped on); ``since``/``until`` bound when it last saw an event.
        """
        where: dict[str, Any] = {}
        if status:
            where["status"] = status
        if rule:
            # People type the rule's name (shown in every table); scripts may hold its id.
            where["rule" if _RULE_ID.fullmatch(rule) else "rule_name"] = rule
        if severity:
            where["severity"] = severity
        terms = [f"user={user.lower()}"] if user else []
        terms += [f"source.ip={source_ip.lower()}"] if source_ip else []
        if terms:
            where["group_terms"] = Holds(*terms)
        if since is not None:
            where["last_seen"] = Between(low=format_timestamp(since))
        if until is not None:
            newest = (format_timestamp(until), "\uffff")
            after = newest if after is None or tuple(after) > newest else after
        return self.store.find_records(
            KIND, where, order_by="last_seen", descending=True, limit=limit, after=after
        )

    def evidence(self, rec: Record) -> EventQuery:
        return EventQuery.from_dict(rec.data["evidence"])

    # lifecycle ---------------------------------------------------------------
    def _move(
        self,
        aid: str,
        to: str,
        by: str,
        reason: str | None,
        version: str | None = None,
        **changes: Any,
    ) -> Record:
        """With a ``version``, only from that version (``ConflictError`` if it moved on since)."""
        rec = self.require(aid)
        if version is not None and rec.version != version:
            raise ConflictError(
                f"alert {aid} was changed by someone else since you read it; reload it"
            )
        status = rec.data["status"]
        if to not in _TRANSITIONS[status]:
            raise AlertError(f"alert {aid} is {status}; it cannot become {to}")
        now = format_timestamp(self.clock.now())
        entry = {"at": now, "by": by, "action": to, "reason": reason}
        data = {
            **rec.data,
            **changes,
            "status": to,
            "open": to in OPEN,
            "updated": now,
            "history": [*rec.data["history"], entry],
        }
        return self.store.update_record(KIND, aid, data, rec.version)

    def acknowledge(self, aid: str, by: str, *, version: str | None = None) -> Record:
        return self._move(aid, "acknowledged", by, None, version)

    def escalate(self, aid: str, by: str, incident: str, *, version: str | None = None) -> Record:
        return self._move(aid, "escalated", by, f"incident {incident}", version, incident=incident)

    def close(self, aid: str, by: str, reason: str, *, version: str | None = None) -> Record:
        if not reason.strip():
            raise AlertError("closing an alert needs a reason (e.g. 'false positive: …')")
        return self._move(aid, "closed", by, reason, version, close_reason=reason)

    def clear_resumed(self, rule: Rule, still_quiet: set[tuple[Any, ...]]) -> list[str]:
        """Close a flatline rule's open alerts whose group is logging again."""
        assert rule.flatline is not None
        closed = []
        for rec in self.store.find_records(KIND, {"rule": rule.id, "open": True}, limit=1000):
            key = tuple(rec.data["group"].get(k) for k in rule.flatline.group_by)
            if key not in still_quiet:
                self.close(rec.id, "sentinel", "events resumed")
                closed.append(rec.id)
        return closed
