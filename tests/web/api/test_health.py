"""/healthz, /readyz and /metrics: open probes, and figures only for metrics:read."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from sentinel.events import Event
from sentinel.incidents.service import Incidents
from sentinel.job_runs import record_run
from sentinel.notify.outbox import Notification, enqueue
from tests.web.api.conftest import Api


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_probes_answer_without_signing_in(sqlite_api: Api) -> None:
    client = sqlite_api.client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_metrics_need_a_token_with_metrics_read(sqlite_api: Api) -> None:
    admin = sqlite_api.person("admin", "root.admin")
    analyst = sqlite_api.person("analyst", enrol=False)
    made = admin.post("/api/auth/tokens", json={"name": "prometheus", "scopes": ["metrics:read"]})
    assert sqlite_api.client().get("/metrics").status_code == 401
    assert analyst.client.get("/metrics").status_code == 403
    scraped = sqlite_api.client().get(
        "/metrics", headers={"Authorization": f"Bearer {made.json()['token']}"}
    )
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")


def test_metrics_show_lag_failed_notifications_and_time_left_on_the_clock(api: Api) -> None:
    clock, store = api.clock, api.store
    store.write_events(
        [Event("e1", clock.now() - timedelta(minutes=5), "app", {"event.action": "login"})]
    )
    incidents = Incidents(store, clock)
    opened = incidents.open(
        "Insider export", by="c.dekker", aware_at=clock.now() - timedelta(hours=2), aware_reason="x"
    ).incident
    for n in ("a", "b"):
        enqueue(store, Notification(f"n-{n}", "alert", "t", "high", {}), clock)
        rec = store.get_record("notification", f"n-{n}")
        assert rec is not None
        store.update_record("notification", rec.id, {**rec.data, "status": "failed"}, rec.version)
    admin = api.person("admin", "root.admin")

    figures = samples(admin.client.get("/metrics").text)

    assert figures[("sentinel_ingest_lag_seconds", (("source", "app"),))] == 300
    assert figures[("sentinel_notifications_failed", ())] == 2
    left = figures[("sentinel_incident_deadline_seconds", (("incident", opened.id),))]
    assert left == timedelta(hours=70).total_seconds()


def test_metrics_show_each_jobs_last_success_and_whether_it_is_late(api: Api) -> None:
    clock, store = api.clock, api.store
    every = timedelta(seconds=30)
    record_run(store, "ingest app", every, worker="a:1:x", finished=clock.now())
    stalled = clock.now() - timedelta(minutes=5)
    record_run(store, "rule bulk_member_views", every, worker="a:1:x", finished=stalled)
    record_run(store, "incident reminders", every, worker="a:1:x", finished=clock.now(), error="x")
    admin = api.person("admin", "root.admin")

    figures = samples(admin.client.get("/metrics").text)

    last = "sentinel_job_last_success_timestamp_seconds"
    assert figures[(last, (("job", "ingest app"),))] == clock.now().timestamp()
    assert figures[(last, (("job", "rule bulk_member_views"),))] == stalled.timestamp()
    assert (last, (("job", "incident reminders"),)) not in figures  # it has only failed
    assert figures[("sentinel_job_late", (("job", "ingest app"),))] == 0
    assert figures[("sentinel_job_late", (("job", "rule bulk_member_views"),))] == 1
    assert figures[("sentinel_job_late", (("job", "incident reminders"),))] == 1
