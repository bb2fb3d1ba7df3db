"""The incident service: open from alerts, the page, facts, decisions, notifications, steps."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import orjson
import pytest

from sentinel.services.actor import Caller
from sentinel.services.alerts import AlertService
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden, Invalid, NotFound, Stale
from sentinel.services.incidents import IncidentService
from sentinel.services.register import RegisterService
from tests.conftest import ManualClock
from tests.services.conftest import ANALYST, raise_alert

COMMANDER = Caller(
    "carla",
    permissions=frozenset(
        {"alerts:read", "alerts:triage", "incidents:read", "incidents:write", "drafts:write"}
    ),
)
OFFICER = Caller("olga", permissions=None)


def test_opening_from_alerts_escalates_them_and_starts_their_playbook(
    ctx: ServiceContext,
) -> None:
    alerts = [raise_alert(ctx, "m.jansen"), raise_alert(ctx, "p.smit", hour=1)]
    service = IncidentService(ctx)

    opened = service.open(COMMANDER, None, alerts=alerts)

    assert opened.title == "Activity by a terminated account"
    assert opened.severity == "critical"
    assert opened.created_by == "carla" and opened.warnings == []
    assert opened.playbook == "insider_misuse"
    assert [s.id for s in opened.steps or []][:2] == ["triage", "preserve"]
    assert opened.clock is not None and opened.clock.seconds_left == 72 * 3600
    assert opened.facts["data"]["categories"] == ["contact"]
    for alert in alerts:
        shown = AlertService(ctx).show(ANALYST, alert)
        assert (shown.status, shown.incident) == ("escalated", opened.id)
    members = service.members(COMMANDER, opened.id)
    assert [(m.member, m.events) for m in members] == [("M100", 2), ("M101", 2)]


def test_opening_needs_a_title_or_alerts_and_a_known_playbook(ctx: ServiceContext) -> None:
    service = IncidentService(ctx)
    with pytest.raises(Invalid, match="give a title"):
        service.open(COMMANDER, " ")
    with pytest.raises(Invalid, match="no playbook 'cooking'"):
        service.open(COMMANDER, "Laptop stolen", playbook="cooking")
    with pytest.raises(Forbidden, match="incidents:write"):
        service.open(ANALYST, "Laptop stolen")
    assert service.list(OFFICER).items == []


def test_facts_are_read_in_local_time_and_refused_as_a_whole(ctx: ServiceContext) -> None:
    service = IncidentService(ctx)
    inc = service.open(COMMANDER, "Export mailed to the wrong garage").id

    view = service.update_facts(
        COMMANDER,
        inc,
        assignments=[("subjects.people", "40-60"), ("dates.started", "2026-03-09T10:00")],
        document={"encryption": {"state": "none"}},
    )
    assert view.facts["subjects"]["people"] == {"min": 40, "max": 60}
    assert view.facts["dates"]["started"] == "2026-03-09T09:00:00.000Z"  # 10:00 CET
    assert view.facts["encryption"]["state"] == "none"
    with pytest.raises(Invalid, match=r"cause\.kind"):
        service.update_facts(
            COMMANDER, inc, assignments=[("subjects.records", "80"), ("cause.kind", "aliens")]
        )
    assert "subjects.records" in service.facts(COMMANDER, inc).unknown

    contradicted = service.update_facts(COMMANDER, inc, assignments=[("dates.ended", "-3d")])
    assert [c.facts for c in contradicted.contradictions] == [["dates.started", "dates.ended"]]


def test_a_change_from_a_stale_version_is_refused(ctx: ServiceContext) -> None:
    service = IncidentService(ctx)
    inc = service.open(COMMANDER, "Laptop stolen")
    service.add_note(OFFICER, inc.id, "police report filed")

    with pytest.raises(Stale, match="changed by someone else"):
        service.update_facts(
            COMMANDER, inc.id, assignments=[("subjects.people", "3")], version=inc.version
        )
    with pytest.raises(Stale):
        service.decide(
            OFFICER, inc.id, authority="no", members="no", reason="r", version=inc.version
        )
    fresh = service.show(COMMANDER, inc.id)
    changed = service.set_status(COMMANDER, inc.id, "contained", version=fresh.version)
    assert changed.status == "contained" and changed.version != fresh.version


def test_the_decision_needs_its_permission_and_records_the_advice(ctx: ServiceContext) -> None:
    service = IncidentService(ctx)
    inc = service.open(COMMANDER, "Laptop stolen").id

    with pytest.raises(Forbidden, match="decisions:record"):
        service.decide(COMMANDER, inc, authority="yes", members="no", reason="r")
    decision = service.decide(
        OFFICER, inc, authority="yes", members="public", reason="unencrypted laptop"
    )

    assert decision.id == f"{inc}-D01"
    assert (decision.notify_subjects, decision.by) == ("public_communication", "olga")
    shown = service.show(COMMANDER, inc)
    assert shown.decision is not None and shown.decision.reason == "unencrypted laptop"
    assert shown.status == "assessed"


MISDIRECTED_EMAIL = {
    "data": {"categories": ["contact"]},
    "subjects": {"people": "40-60"},
    "disclosure": {"recipients": "known", "contained": "none"},
    "cause": {"kind": "misdirected_email"},
    "breach": {"confidentiality": True},
}
"""Contact details of up to 60 people mailed to known recipients by mistake: unlikely to be a
risk below the large-scale threshold (100 by default), a notifiable risk above it."""


def test_the_decision_and_the_register_weigh_the_facts_by_the_thresholds_in_settings(
    ctx: ServiceContext,
) -> None:
    cfg = ctx.settings.incidents.model_copy(update={"large_scale": 50})
    strict = ServiceContext(
        ctx.settings.model_copy(update={"incidents": cfg}), ctx.store, ctx.clock
    )
    service = IncidentService(strict)
    inc = service.open(OFFICER, "Member list mailed to the wrong garages").id
    service.update_facts(OFFICER, inc, document=MISDIRECTED_EMAIL)
    assert IncidentService(ctx).assessment(OFFICER, inc).notify_authority is False

    shown = service.assessment(OFFICER, inc)
    decision = service.decide(
        OFFICER, inc, authority="no", members="no", reason="the garages deleted the mail"
    )

    assert shown.notify_authority is True
    assert decision.recommendation["notify_authority"] == "yes"
    assert decision.follows_recommendation is False
    out = io.StringIO()
    RegisterService(strict).export(OFFICER, out, "json")
    (entry,) = orjson.loads(out.getvalue())["incidents"]
    assert entry["assessment"]["notify_authority"] is True
    out = io.StringIO()
    RegisterService(strict).export(OFFICER, out, "csv")
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["recommended_notify_ap"] == "yes"


def test_a_late_notification_needs_its_reason(ctx: ServiceContext, clock: ManualClock) -> None:
    service = IncidentService(ctx)
    inc = service.open(
        COMMANDER,
        "Letter to the wrong garage",
        aware_at=clock.now() - timedelta(hours=80),
        aware_reason="garage phoned on Monday",
    ).id

    with pytest.raises(Forbidden, match="notifications:record"):
        service.record_notification(COMMANDER, inc, "initial")
    with pytest.raises(Invalid, match="past the 72-hour deadline"):
        service.record_notification(OFFICER, inc, "initial")
    with pytest.raises(Invalid, match="kind must be one of"):
        service.record_notification(OFFICER, inc, "carrier pigeon")
    recorded = service.record_notification(
        OFFICER, inc, "initial", reference="AP-7", delay_reason="scope unclear"
    )

    assert (recorded.notification.late, recorded.notification.reference) == (True, "AP-7")
    clock_view = service.show(COMMANDER, inc).clock
    assert clock_view is not None and clock_view.late is True


def test_steps_complete_from_the_runs_version(ctx: ServiceContext) -> None:
    service = IncidentService(ctx)
    inc = service.open(COMMANDER, "Laptop stolen", playbook="lost_device").id
    books = service.playbooks
    seen = books.steps(COMMANDER, inc)

    done = books.complete(COMMANDER, inc, "triage", note="police report", version=seen.version)
    assert (done.state, done.by, done.note) == ("done", "carla", "police report")
    with pytest.raises(Stale):
        books.skip(COMMANDER, inc, "contain", "nothing to contain", version=seen.version)
    with pytest.raises(NotFound, match="no step 'cooking'"):
        books.step(COMMANDER, inc, "cooking")
    actions = [e.action for e in service.timeline(COMMANDER, inc)]
    assert actions[:3] == ["incident.opened", "playbook.started", "playbook.step"]
    assert set(actions[3:]) <= {"playbook.action", "incident.status"}


def test_the_list_pages_newest_first(ctx: ServiceContext, clock: ManualClock) -> None:
    service = IncidentService(ctx)
    opened = []
    for n in range(5):
        opened.append(service.open(COMMANDER, f"incident {n}").id)
        clock.advance(minutes=1)
    service.close(COMMANDER, opened[0], "not a personal data breach")

    seen, cursor = [], None
    while True:
        page = service.list(COMMANDER, open_only=True, limit=2, cursor=cursor)
        seen += [i.id for i in page.items]
        if page.next is None:
            break
        cursor = page.next
    assert seen == list(reversed(opened[1:]))
    with pytest.raises(NotFound, match="no incident INC-2026-9999"):
        service.show(COMMANDER, "INC-2026-9999")


def test_a_restricted_incident_is_seen_only_by_its_people_and_the_privacy_officer(
    ctx: ServiceContext,
) -> None:
    service = IncidentService(ctx)
    public = service.open(COMMANDER, "Letter to the wrong garage").id
    secret = service.open(COMMANDER, "Board member's account misused").id
    with pytest.raises(Forbidden, match="incidents:restrict"):
        service.update(COMMANDER, secret, restricted=True)
    service.update(OFFICER, secret, restricted=True, add=["paul"])
    outsider = Caller("otto", permissions=COMMANDER.permissions)
    participant = Caller("paul", permissions=COMMANDER.permissions)
    privacy_officer = Caller("pia", permissions=frozenset({"incidents:read", "incidents:all"}))

    assert [i.id for i in service.list(outsider).items] == [public]
    assert [i.id for i in service.list(outsider, limit=1).items] == [public]
    for who in (participant, privacy_officer, COMMANDER):
        assert [i.id for i in service.list(who).items] == [secret, public]
    for read in (service.show, service.facts, service.timeline, service.members):
        with pytest.raises(NotFound, match=f"no incident {secret}"):
            read(outsider, secret)
    with pytest.raises(NotFound, match=f"no incident {secret}"):
        service.add_note(outsider, secret, "curious")
    with pytest.raises(NotFound):
        service.playbooks.steps(outsider, secret)
    assert service.show(participant, secret).restricted is True
