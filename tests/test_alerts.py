"""Alert lifecycle, deterministic ids, notification queueing and per-rule throttling."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.alerts import AlertError, Alerts, add_group_terms, alert_id
from sentinel.detection.evaluate import Detection
from sentinel.detection.model import Meta, Rule, Throttle
from sentinel.events import Event
from sentinel.notify.outbox import pending
from sentinel.store.query import EventQuery, Match

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

RULE = Rule(
    id="r-1",
    name="terminated",
    title="Activity by a terminated account",
    description="",
    file="rules/x.yml",
    line=1,
    kind="match",
    meta=Meta(severity="critical", categories=("contact",), channels=("security-mail",)),
    filter=Match("sentinel.account.inactive", "eq", True),
    group_by=("user.name",),
)


def detection(
    rule: Rule = RULE, user: str = "m.bakker", hour: int = 0, count: int = 1
) -> Detection:
    start = T0 + timedelta(hours=hour)
    return Detection(
        rule=rule,
        group={"user.name": user},
        start=start,
        end=start + timedelta(hours=1),
        count=count,
        first=start,
        last=start + timedelta(minutes=5),
        evidence=EventQuery(rule.filter, start, start + timedelta(hours=1)),
        key=start.isoformat(),
        summary=f"{count} event(s) for user.name={user}",
    )


def test_same_window_twice_is_one_alert_with_updated_figures(store, clock) -> None:
    alerts = Alerts(store, clock)
    first = alerts.record([detection(count=1)])
    again = alerts.record([detection(count=4)])
    assert len(first.new) == 1 and again.new == [] and again.updated == 1
    rec = alerts.require(first.new[0])
    assert rec.data["count"] == 4
    assert rec.id == alert_id(RULE.id, {"user.name": "m.bakker"}, detection().key)


def test_new_alert_queues_one_notification_for_the_rules_channels(store, clock) -> None:
    alerts = Alerts(store, clock)
    report = alerts.record([detection()])
    alerts.record([detection(count=2)])
    [note] = pending(store)
    assert note.id == f"alert:{report.new[0]}"
    assert note.data["channels"] == ["security-mail"]
    assert note.data["severity"] == "critical"
    ctx = note.data["context"]["alert"]
    assert ctx["categories"] == ["contact"] and ctx["group"] == {"user.name": "m.bakker"}


def test_backfill_records_without_notifying(store, clock) -> None:
    Alerts(store, clock).record([detection()], notify=False)
    assert pending(store) == []


def test_throttle_caps_notifications_per_period_but_keeps_alerts(store, clock) -> None:
    rule = replace(RULE, meta=replace(RULE.meta, throttle=Throttle(2, timedelta(hours=1))))
    alerts = Alerts(store, clock)
    report = alerts.record([detection(rule, user=f"u{i}") for i in range(5)])
    assert len(report.new) == 5 and report.notified == 2 and report.throttled == 3
    clock.advance(hours=2)
    later = alerts.record([detection(rule, user="u9")])
    assert later.notified == 1


def test_lifecycle_new_ack_escalate_close(store, clock) -> None:
    alerts = Alerts(store, clock)
    [aid] = alerts.record([detection()]).new
    alerts.acknowledge(aid, "analyst.anne")
    clock.advance(minutes=10)
    alerts.escalate(aid, "analyst.anne", "INC-2026-0001")
    rec = alerts.close(aid, "ic.ivo", "breach handled in INC-2026-0001")
    assert rec.data["status"] == "closed" and rec.data["open"] is False
    assert rec.data["incident"] == "INC-2026-0001"
    assert [h["action"] for h in rec.data["history"]] == [
        "raised",
        "acknowledged",
        "escalated",
        "closed",
    ]
    assert rec.data["history"][2]["by"] == "analyst.anne"


def test_closing_needs_a_reason_and_closed_alerts_stay_closed(store, clock) -> None:
    alerts = Alerts(store, clock)
    [aid] = alerts.record([detection()]).new
    with pytest.raises(AlertError, match="reason"):
        alerts.close(aid, "anne", "  ")
    alerts.close(aid, "anne", "false positive: test account")
    with pytest.raises(AlertError, match="closed"):
        alerts.acknowledge(aid, "anne")


def test_closed_alert_is_not_folded_into(store, clock) -> None:
    alerts = Alerts(store, clock)
    [aid] = alerts.record([detection(hour=0)]).new
    alerts.close(aid, "anne", "handled")
    report = alerts.record([detection(hour=1)])
    assert len(report.new) == 1 and report.folded == 0


def test_unknown_alert_is_a_clear_error(store, clock) -> None:
    with pytest.raises(AlertError, match="no alert AL-nope"):
        Alerts(store, clock).acknowledge("AL-nope", "anne")


def test_queue_filters_by_the_account_or_address_grouped_on_and_by_time(store, clock) -> None:
    alerts = Alerts(store, clock)
    by_ip = replace(RULE, id="r-2", name="by_ip", group_by=("source.ip",))
    for hour, user in enumerate(["m.bakker", "s.visser", "M.Bakker", "j.smit"]):
        alerts.record([detection(user=user, hour=hour)], notify=False)
    ip = replace(detection(rule=by_ip, hour=5), group={"source.ip": "45.134.26.10"})
    alerts.record([ip], notify=False)

    def users(**filters: object) -> list[str]:
        found = alerts.list(**filters)  # type: ignore[arg-type]
        return [str(next(iter(r.data["group"].values()))) for r in found]

    assert users(user="m.bakker") == ["M.Bakker", "m.bakker"]
    assert users(source_ip="45.134.26.10") == ["45.134.26.10"]
    assert users(since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=3, minutes=5)) == [
        "j.smit",
        "M.Bakker",
    ]
    assert users(user="m.bakker", limit=1) == ["M.Bakker"]
    assert users(user="nobody") == []


def test_user_filter_matches_any_field_naming_an_account_and_combines_with_the_address(
    store, clock
) -> None:
    alerts = Alerts(store, clock)
    admin = replace(RULE, id="r-3", name="admin_on_user", group_by=("account", "source.ip"))
    target = replace(RULE, id="r-4", name="looked_up", group_by=("sentinel.target.user",))
    recorded = [
        replace(detection(rule=admin), group={"account": "P.Smit", "source.ip": "10.0.0.7"}),
        replace(detection(rule=admin), group={"account": "p.smit", "source.ip": "10.0.0.8"}),
        replace(detection(rule=target), group={"sentinel.target.user": "p.smit"}),
        detection(user="p.smit.old"),
    ]
    alerts.record(recorded, notify=False)

    def rules(**filters: str) -> list[str]:
        return sorted(r.data["rule_name"] for r in alerts.list(**filters))  # type: ignore[arg-type]

    assert rules(user="P.SMIT") == ["admin_on_user", "admin_on_user", "looked_up"]
    assert rules(user="p.smit", source_ip="10.0.0.8") == ["admin_on_user"]
    assert rules(source_ip="10.0.0.7") == ["admin_on_user"]
    assert rules(user="p.smit", status="closed") == []


def test_alerts_recorded_before_group_terms_get_them_and_are_found_by_user(store, clock) -> None:
    alerts = Alerts(store, clock)
    [aid] = alerts.record([detection(user="M.Bakker")], notify=False).new
    old = alerts.require(aid)
    older = {k: v for k, v in old.data.items() if k != "group_terms"}
    store.update_record("alert", aid, older, old.version)
    assert alerts.list(user="m.bakker") == []

    assert add_group_terms(store) == 1

    assert [r.id for r in alerts.list(user="m.bakker")] == [aid]
    assert add_group_terms(store) == 0


def test_folded_windows_count_each_event_once(store, clock) -> None:
    store.write_events(
        [
            Event(
                id=f"e{minute}",
                timestamp=T0 + timedelta(minutes=minute),
                source="app",
                fields={"user.name": "m.bakker", "sentinel.account.inactive": True},
            )
            for minute in (10, 40, 70)
        ]
    )
    alerts = Alerts(store, clock)
    first = replace(detection(count=2), last=T0 + timedelta(minutes=40))
    later = replace(
        detection(count=2),
        start=T0 + timedelta(minutes=30),
        end=T0 + timedelta(minutes=90),
        first=T0 + timedelta(minutes=40),
        last=T0 + timedelta(minutes=70),
        evidence=EventQuery(RULE.filter, T0 + timedelta(minutes=30), T0 + timedelta(minutes=90)),
        key=(T0 + timedelta(minutes=30)).isoformat(),
    )
    [aid] = alerts.record([first]).new
    assert alerts.record([later]).folded == 1

    data = alerts.require(aid).data
    evidence = EventQuery.from_dict(data["evidence"])
    assert data["count"] == store.count_events(evidence) == 3  # not 2 + 2
    assert "(2 windows folded)" in data["summary"]
