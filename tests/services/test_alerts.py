"""The alert service: the queue a page at a time, one alert with its evidence, triage."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel.access.permissions import ROLE_PERMISSIONS
from sentinel.services.actor import Caller
from sentinel.services.alerts import AlertService
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden, Invalid, NotFound, Refused, Stale
from sentinel.services.incidents import IncidentService
from tests.services.conftest import ANALYST, VIEWER, raise_alert


def test_the_queue_pages_newest_first_without_gaps_or_repeats(ctx: ServiceContext) -> None:
    raised = [raise_alert(ctx, f"user{n}", hour=n) for n in range(7)]
    service = AlertService(ctx)

    seen, cursor = [], None
    while True:
        page = service.list(ANALYST, limit=3, cursor=cursor)
        seen += [a.id for a in page.items]
        if page.next is None:
            break
        cursor = page.next
        raise_alert(ctx, f"late{len(seen)}", hour=-10 - len(seen))  # older: lands after the end

    assert seen[:7] == list(reversed(raised))
    assert len(seen) == len(set(seen))


def test_the_queue_filters_by_status_rule_and_severity(ctx: ServiceContext) -> None:
    first, second = raise_alert(ctx, "m.jansen"), raise_alert(ctx, "p.smit", hour=1)
    service = AlertService(ctx)
    service.acknowledge(ANALYST, first)

    assert [a.id for a in service.list(ANALYST, status="acknowledged").items] == [first]
    assert [a.id for a in service.list(ANALYST, status="new").items] == [second]
    by_name = service.list(ANALYST, rule="terminated_account_activity").items
    assert {a.id for a in by_name} == {first, second}
    assert service.list(ANALYST, severity="low").items == []
    assert [a.id for a in service.list(ANALYST, user="P.Smit").items] == [second]
    since = service.show(ANALYST, second).last_seen
    assert [a.id for a in service.list(ANALYST, since=since).items] == [second]
    earlier = since - timedelta(milliseconds=1)
    assert [a.id for a in service.list(ANALYST, until=earlier).items] == [first]
    with pytest.raises(Invalid, match="status must be one of"):
        service.list(ANALYST, status="open")
    with pytest.raises(Invalid, match="not one a list gave out"):
        service.list(ANALYST, cursor="garbage!")


def test_show_pages_through_the_evidence(ctx: ServiceContext) -> None:
    alert = raise_alert(ctx, "m.jansen", events=5)
    service = AlertService(ctx)

    first = service.show(ANALYST, alert, evidence_limit=2)
    assert first.evidence_total == 5
    assert first.group == {"user.name": "m.jansen"}
    assert [h.action for h in first.history] == ["raised"]
    members = [e.model_extra["sentinel.member.id"] for e in first.evidence_events]  # type: ignore[index]
    assert members == ["M100", "M101"]
    rest = service.show(ANALYST, alert, evidence_limit=10, cursor=first.evidence_next)
    assert [e.model_extra["sentinel.member.id"] for e in rest.evidence_events] == [  # type: ignore[index]
        "M102",
        "M103",
        "M104",
    ]
    assert rest.evidence_next is None
    dumped = first.model_dump(mode="json", by_alias=True)
    assert dumped["evidence_events"][0]["@timestamp"] == "2026-03-10T09:00:00.000Z"
    assert dumped["evidence_events"][0]["user.name"] == "m.jansen"
    with pytest.raises(NotFound, match="no alert AL-0000"):
        service.show(ANALYST, "AL-0000")


def test_a_change_from_a_stale_version_is_refused(ctx: ServiceContext) -> None:
    alert = raise_alert(ctx, "m.jansen")
    service = AlertService(ctx)
    seen = service.show(ANALYST, alert)
    service.acknowledge(Caller("bram", permissions=None), alert)

    with pytest.raises(Stale, match="changed by someone else"):
        service.close(ANALYST, alert, "false positive: test account", version=seen.version)
    fresh = service.show(ANALYST, alert)
    closed = service.close(ANALYST, alert, "false positive: test account", version=fresh.version)
    assert (closed.status, closed.close_reason) == ("closed", "false positive: test account")
    assert [(h.by, h.action) for h in service.show(ANALYST, alert).history][1:] == [
        ("bram", "acknowledged"),
        ("anna", "closed"),
    ]
    with pytest.raises(Refused, match="is closed; it cannot become acknowledged"):
        service.acknowledge(ANALYST, alert)


def test_triage_needs_the_triage_permission(ctx: ServiceContext) -> None:
    alert = raise_alert(ctx, "m.jansen")
    service = AlertService(ctx)

    assert service.list(VIEWER).items[0].id == alert
    with pytest.raises(Forbidden, match="alerts:triage"):
        service.acknowledge(VIEWER, alert)
    with pytest.raises(Forbidden, match="alerts:read"):
        service.list(Caller("nobody", permissions=frozenset()))
    assert service.show(ANALYST, alert).status == "new"


def test_bulk_close_goes_on_past_a_refusal(ctx: ServiceContext) -> None:
    a, b = raise_alert(ctx, "m.jansen"), raise_alert(ctx, "p.smit", hour=1)
    service = AlertService(ctx)
    service.close(ANALYST, a, "handled: access revoked")

    outcomes = service.bulk(
        ANALYST, "close", [(a, None), (b, None), ("AL-missing", None)], reason="handled: batch"
    )

    assert [(o.id, o.ok, o.status) for o in outcomes] == [
        (a, False, None),
        (b, True, "closed"),
        ("AL-missing", False, None),
    ]
    assert "cannot become closed" in (outcomes[0].error or "")
    assert outcomes[2].error == "no alert AL-missing"
    with pytest.raises(Invalid, match="needs a reason"):
        service.bulk(ANALYST, "close", [(b, None)], reason=" ")


def test_an_alert_in_a_restricted_incident_hides_the_incident_from_those_outside_it(
    ctx: ServiceContext,
) -> None:
    roles = ROLE_PERMISSIONS
    officer = Caller("pia", permissions=roles["privacy_officer"])
    analyst = Caller("anna", permissions=roles["analyst"])
    admin = Caller("adam", permissions=roles["admin"])
    participant = Caller("paul", permissions=roles["analyst"])
    secret_alert, open_alert = raise_alert(ctx, "m.jansen"), raise_alert(ctx, "p.smit", hour=1)
    incidents = IncidentService(ctx)
    secret = incidents.open(officer, None, alerts=[secret_alert]).id
    public = incidents.open(officer, None, alerts=[open_alert]).id
    incidents.update(officer, secret, restricted=True, add=["paul"])
    service = AlertService(ctx)

    for outsider in (analyst, admin):
        queue = {a.id: a for a in service.list(outsider).items}
        assert (queue[secret_alert].status, queue[secret_alert].incident) == ("escalated", None)
        assert queue[open_alert].incident == public
        shown = service.show(outsider, secret_alert)
        assert shown.incident is None
        assert secret not in shown.model_dump_json()
    closed = service.close(analyst, secret_alert, "handled: in an incident")
    assert closed.incident is None and secret not in closed.model_dump_json()
    for insider in (officer, participant):
        assert service.show(insider, secret_alert).incident == secret
        assert {a.id: a.incident for a in service.list(insider).items}[secret_alert] == secret
        history = service.show(insider, secret_alert).history
        assert [h.reason for h in history if h.action == "escalated"] == [f"incident {secret}"]
