"""Rules, sources, the audit trail and the register through their services."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from sentinel import audit
from sentinel.access.permissions import ROLE_PERMISSIONS
from sentinel.config import Settings
from sentinel.job_runs import record_run
from sentinel.services.actor import Caller
from sentinel.services.audit import AuditService
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Forbidden, NotFound
from sentinel.services.incidents import IncidentService
from sentinel.services.register import RegisterService
from sentinel.services.rules import RuleService
from sentinel.services.sources import SourceService
from sentinel.store.base import DeadLetter, StoreUnavailable
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock
from tests.services.conftest import REPO, VIEWER, raise_alert

EVERYTHING = Caller("olga", permissions=None)


def test_rules_list_the_pack_and_each_rules_last_run(ctx: ServiceContext) -> None:
    service = RuleService(ctx, REPO / "rules")
    rules = {r.name: r for r in service.list(_rules_read())}
    assert rules["inactive_account_activity"].severity == "critical"
    status = {s.rule: s for s in service.status(_rules_read())}
    assert status["inactive_account_activity"].status == "never run"
    with pytest.raises(Forbidden, match="rules:read"):
        service.list(VIEWER)


def _rules_read() -> Caller:
    return Caller("rita", permissions=frozenset({"rules:read", "sources:read"}))


def test_sources_report_events_lag_dead_letters_and_checkpoints(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    raise_alert(ctx, "m.jansen", events=3)
    ctx.store.write_dead_letters(
        [DeadLetter("d1", "app", "app.jsonl:7", "not JSON", "{oops", clock.now())]
    )
    ctx.store.put_record(
        "checkpoint", "app", {"cursor": {"offset": 7}, "updated": "2026-03-10T11:00:00Z"}
    )
    service = SourceService(ctx)

    [app] = service.health(_rules_read())
    assert (app.source, app.events, app.dead_letters, app.configured) == ("app", 3, 1, False)
    assert app.lag_seconds == pytest.approx(3 * 3600 - 120)
    assert app.checkpoint_updated is not None
    [letter] = service.dead_letters(_rules_read(), source="app")
    assert (letter.position, letter.reason, letter.raw) == ("app.jsonl:7", "not JSON", "{oops")
    with pytest.raises(Forbidden, match="sources:read"):
        service.checkpoints(Caller("nobody", permissions=frozenset()))


def test_a_reset_starts_a_source_over_for_those_who_may_ingest_and_keeps_its_fence(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    ctx.store.put_record("checkpoint", "app", {"cursor": {"offset": 7}, "fence": 3})
    service = SourceService(ctx)
    with pytest.raises(Forbidden, match="sources:ingest"):
        service.reset_checkpoint(_rules_read(), "app")
    admin = Caller("adam", permissions=ROLE_PERMISSIONS["admin"])

    reset = service.reset_checkpoint(admin, "app")

    assert (reset.source, reset.cursor, reset.updated) == ("app", None, clock.now())
    saved = ctx.store.get_record("checkpoint", "app")
    assert saved is not None and saved.data["fence"] == 3
    with pytest.raises(NotFound, match="no checkpoint"):
        service.reset_checkpoint(admin, "portal")


def test_audit_verify_and_the_register_follow_need_to_know(ctx: ServiceContext) -> None:
    incidents = IncidentService(ctx)
    open_one = incidents.open(EVERYTHING, "Letter to the wrong garage").id
    secret = incidents.open(EVERYTHING, "Board member's account misused").id
    incidents.update(EVERYTHING, secret, restricted=True)

    verified = AuditService(ctx).verify(EVERYTHING)
    assert (verified.ok, verified.entries) == (True, 3)
    entries = AuditService(ctx).entries(EVERYTHING, subject=secret)
    assert [e.action for e in entries] == ["incident.opened", "incident.updated"]

    exporter = Caller("erik", permissions=frozenset({"incidents:read", "register:export"}))
    out = io.StringIO()
    assert RegisterService(ctx).export(exporter, out, "csv") == 1
    assert [r["id"] for r in csv.DictReader(io.StringIO(out.getvalue()))] == [open_one]
    out = io.StringIO()
    assert RegisterService(ctx).export(EVERYTHING, out, "json") == 2
    assert {e["id"] for e in orjson.loads(out.getvalue())["incidents"]} == {open_one, secret}
    with pytest.raises(Forbidden, match="register:export"):
        RegisterService(ctx).export(VIEWER, io.StringIO(), "csv")


def test_audit_entries_about_a_restricted_incident_are_shown_only_to_its_people(
    ctx: ServiceContext,
) -> None:
    officer = Caller("pia", permissions=ROLE_PERMISSIONS["privacy_officer"])
    admin = Caller("adam", permissions=ROLE_PERMISSIONS["admin"])
    commander = Caller("carla", permissions=ROLE_PERMISSIONS["incident_commander"])
    incidents = IncidentService(ctx)
    public = incidents.open(officer, "Letter to the wrong garage").id
    secret = incidents.open(officer, "Board member's account misused").id
    incidents.update(officer, secret, restricted=True, add=["carla"])
    incidents.add_note(commander, secret, "the board member was told")
    # what the API and the console record about calls on it, and an unrelated sign-in
    audit.append(ctx.store, ctx.clock, "carla", "api.write", f"POST /api/incidents/{secret}/notes")
    audit.append(ctx.store, ctx.clock, "carla", "token.used", f"GET /api/drafts/{secret}.ap.v1")
    audit.append(ctx.store, ctx.clock, "adam", "login", "user:adam")
    trail = AuditService(ctx)

    seen_by_admin = trail.entries(admin)
    assert [(e.action, e.subject) for e in seen_by_admin] == [
        ("incident.opened", public),
        ("login", "user:adam"),
    ]
    assert trail.entries(admin, subject=secret) == []
    assert [e.seq for e in trail.entries(admin, limit=1, after=1)] == [7]
    for insider in (officer, commander):
        assert len(trail.entries(insider)) == 7
        assert len(trail.entries(insider, subject=secret)) == 3


def test_audit_verify_checks_the_whole_chain_but_names_a_restricted_incident_only_to_its_people(
    ctx: ServiceContext,
) -> None:
    officer = Caller("pia", permissions=ROLE_PERMISSIONS["privacy_officer"])
    admin = Caller("adam", permissions=ROLE_PERMISSIONS["admin"])
    incidents = IncidentService(ctx)
    secret = incidents.open(officer, "Board member's account misused").id
    incidents.update(officer, secret, restricted=True)
    incidents.open(officer, "Letter to the wrong garage")
    first = ctx.store.get_record("audit", audit.seq_id(1))
    assert first is not None
    ctx.store.put_record("audit", first.id, {**first.data, "actor": "mallory"})

    for_admin, for_officer = AuditService(ctx).verify(admin), AuditService(ctx).verify(officer)

    assert (for_admin.ok, for_admin.seq, for_admin.problem) == (False, 1, "edited")
    assert (for_officer.ok, for_officer.seq, for_officer.entries) == (False, 1, 0)
    assert secret in for_officer.message
    assert secret not in for_admin.message
    assert "a restricted incident" in for_admin.message


def test_source_health_says_how_each_scheduled_pull_is_going(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sources = [
        {"name": n, "kind": "file", "path": f"{n}.log", "format": "jsonl", "interval": "1m"}
        for n in ("app", "crm", "portal", "gateway")
    ]
    settings = ctx.settings.model_copy(update={"sources": Settings(sources=sources).sources})
    configured = ServiceContext(settings, ctx.store, clock)
    raise_alert(configured, "m.jansen")
    now = clock.now()
    minute = timedelta(minutes=1)
    record_run(ctx.store, "ingest app", minute, worker="w1", finished=now - minute)
    record_run(ctx.store, "ingest crm", minute, worker="w1", finished=now - 10 * minute)
    record_run(ctx.store, "ingest portal", minute, worker="w1", finished=now - 5 * minute)
    record_run(
        ctx.store, "ingest portal", minute, worker="w1", finished=now, error="portal.log: gone"
    )
    service = SourceService(configured)

    health = {h.source: h for h in service.health(_rules_read())}

    assert {n: h.status for n, h in health.items()} == {
        "app": "ok",
        "crm": "late",
        "portal": "failing",
        "gateway": "never pulled",
    }
    assert health["portal"].pull_error == "portal.log: gone"
    assert health["portal"].last_success == now - 5 * minute
    assert (health["app"].events, health["app"].interval_seconds) == (2, 60)
    assert service.source(_rules_read(), "crm").status == "late"
    with pytest.raises(NotFound, match="no source 'nowhere'"):
        service.source(_rules_read(), "nowhere")
    [stats] = [s for s in service.stats(_rules_read()) if s.source == "app"]
    assert set(stats.model_dump()) == {"source", "events", "newest", "lag_seconds", "dead_letters"}


def test_source_health_asks_who_is_asking_before_it_reads_the_store(
    ctx: ServiceContext, clock: ManualClock, tmp_path: Path
) -> None:
    """Someone without sources:read learns nothing, not even that the store is down."""
    broken = tmp_path / "broken.db"
    store = SQLiteStore(f"sqlite:///{broken}")
    store.init()
    store.close()
    broken.write_bytes(b"not a database" * 1000)
    service = SourceService(ServiceContext(ctx.settings, SQLiteStore(f"sqlite:///{broken}"), clock))
    with pytest.raises(Forbidden, match="sources:read"):
        service.health(VIEWER)
    with pytest.raises(StoreUnavailable):
        service.health(_rules_read())
