"""Console page render times: p50/p95 per page with 10,000 alerts and 1M events on SQLite.

Builds a store with ``--events`` access events over one week (bench/store.py's
generator), ``--alerts`` alerts spread over 40 staff accounts and eight rules,
and a handful of incidents opened from them; serves the console with uvicorn
on a free local port in a thread, signs in as an analyst and as the privacy
officer (password and TOTP, as a person does), and times ``--requests`` GETs of
each page with a real HTTP client after three warm-up requests. The console's
clock reads an hour after the generated week, so the overview's last fourteen
days hold the alerts. Prints one line per page and a JSON summary.

    .venv/bin/python bench/pages.py [--events 1000000] [--alerts 10000] [--requests 40]
        [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from store import START, events  # noqa: E402

from sentinel.access import totp  # noqa: E402
from sentinel.access.model import Principal  # noqa: E402
from sentinel.access.service import Access  # noqa: E402
from sentinel.alerts import Alerts  # noqa: E402
from sentinel.clock import Clock  # noqa: E402
from sentinel.config import Settings  # noqa: E402
from sentinel.detection.evaluate import Detection  # noqa: E402
from sentinel.detection.model import Meta, Rule  # noqa: E402
from sentinel.services.actor import Caller  # noqa: E402
from sentinel.services.context import ServiceContext  # noqa: E402
from sentinel.services.incidents import IncidentService  # noqa: E402
from sentinel.store.query import EventQuery, Match, all_of  # noqa: E402
from sentinel.store.sqlite import SQLiteStore  # noqa: E402
from sentinel.web.app import create_app  # noqa: E402
from tests.web.conftest import serving  # noqa: E402

PASSWORD = "correct horse battery staple"
RULES = [
    Rule(
        id=f"00000000-0000-4000-8000-00000000000{n}",
        name=name,
        title=name.replace("_", " "),
        description="",
        file="bench",
        line=1,
        kind="match",
        meta=Meta(severity=("low", "medium", "high", "critical")[n % 4], categories=("contact",)),
        filter=Match("event.action", "eq", "member_view"),
        group_by=("user.name",),
    )
    for n, name in enumerate(
        [
            "bulk_member_views",
            "off_hours_personal_data",
            "member_export_large",
            "payment_view_spike",
            "cross_partner_access",
            "inactive_account_activity",
            "new_country_login",
            "password_guessing_by_account",
        ]
    )
]


class AfterTheWeek:
    """Real time, moved back to an hour after the generated week when the store was built,
    so the overview's last fourteen days hold the bench's alerts as a live console's do."""

    def __init__(self, offset: timedelta | None = None) -> None:
        self.offset = offset or datetime.now(UTC) - (START + timedelta(days=7, hours=1))

    def now(self) -> datetime:
        return datetime.now(UTC) - self.offset


def settings_in(folder: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        store_url=f"sqlite:///{folder / 'sentinel.db'}",
        access={"secret_key_file": folder / "secret.key"},
    )


def people_and_incidents(
    settings: Settings, store: SQLiteStore, access: Access, clock: Clock, alert_ids: list[str]
) -> dict[str, Any]:
    """An analyst, a privacy officer with a second factor, and 20 incidents from alerts."""
    root = Principal.command_line("bench")
    access.users.add("anna", "analyst", password=PASSWORD, by=root)
    access.users.add("pia", "privacy_officer", password=PASSWORD, by=root)
    secret = access.second_factor.start_enrolment("pia").secret
    access.second_factor.confirm_enrolment("pia", totp.code_at(secret, clock.now()))
    ctx = ServiceContext(settings, store, clock)
    incident = ""
    for n in range(20):
        incident = (
            IncidentService(ctx)
            .open(Caller("bench"), None, alerts=[alert_ids[n * 7]], commander="anna")
            .id
        )
    return {"alert": alert_ids[len(alert_ids) // 2], "incident": incident, "secret": secret}


def build(
    folder: Path, n_events: int, n_alerts: int, clock: Clock
) -> tuple[Settings, SQLiteStore, list[str]]:
    settings = settings_in(folder)
    store = SQLiteStore(settings.store_url)
    store.init()
    started = time.perf_counter()
    for batch in events(n_events):
        store.write_events(batch)
    print(f"{n_events:,} events written in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    alerts = Alerts(store, clock)
    made = []
    for i in range(n_alerts):
        # each rule and account pair fires every five hours over the week, so no alert
        # folds into another: n_alerts alerts, recorded one by one as detection does
        rule = RULES[i % len(RULES)]
        user = f"staff{i // len(RULES) % 40:03d}"
        start = START + timedelta(hours=5 * (i // 320), minutes=7 * (i // len(RULES) % 40))
        detection = Detection(
            rule=rule,
            group={"user.name": user},
            start=start,
            end=start + timedelta(hours=1),
            count=10 + i % 50,
            first=start,
            last=start + timedelta(minutes=30),
            evidence=EventQuery(
                all_of(rule.filter, Match("user.name", "eq", user)),
                start,
                start + timedelta(hours=1),
            ),
            key=start.isoformat(),
            summary=f"{10 + i % 50} event(s) for user.name={user}",
        )
        made += alerts.record([detection]).new
    print(f"{len(made):,} alerts recorded in {time.perf_counter() - started:.0f} s", flush=True)
    return settings, store, made


def csrf_of(form: httpx.Response) -> str:
    return form.text.split('name="csrf" value="')[1].split('"')[0]


def sign_in(client: httpx.Client, clock: Clock, username: str, secret: str | None = None) -> None:
    fields = {"username": username, "password": PASSWORD, "next": "/"}
    answer = client.post("/signin", data={**fields, "csrf": csrf_of(client.get("/signin"))})
    assert answer.status_code == 303, answer.text
    if secret is not None:
        csrf = csrf_of(client.get("/signin/code"))
        code = totp.code_at(secret, clock.now())
        answer = client.post("/signin/code", data={"csrf": csrf, "code": code, "next": "/"})
        assert answer.status_code == 303 and "/signin" not in answer.headers["location"]


def timings(client: httpx.Client, path: str, n: int) -> list[float]:
    for _ in range(3):
        assert client.get(path).status_code == 200, path
    out = []
    for _ in range(n):
        start = time.perf_counter()
        answer = client.get(path)
        out.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--keep",
        type=Path,
        help="build the store in this folder and keep it; a later run with the same "
        "folder times the pages again without building (--events and --alerts then ignored)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sentinel-bench-pages-") as tmp:
        folder = args.keep or Path(tmp)
        made = folder / "bench.json"
        if made.exists():
            kept = json.loads(made.read_text())
            clock = AfterTheWeek(timedelta(seconds=kept["offset_seconds"]))
            settings = settings_in(folder)
            store = SQLiteStore(settings.store_url)
            store.init()  # indexes added since the store was built
            access = Access.from_settings(store, clock, settings)
        else:
            clock = AfterTheWeek()
            folder.mkdir(parents=True, exist_ok=True)
            settings, store, alert_ids = build(folder, args.events, args.alerts, clock)
            access = Access.from_settings(store, clock, settings)
            kept = people_and_incidents(settings, store, access, clock, alert_ids)
            kept["offset_seconds"] = clock.offset.total_seconds()
            made.write_text(json.dumps(kept))
        app = create_app(settings, store, clock, access=access)
        pages = {
            "overview": "/",
            "alert queue": "/alerts",
            "queue, one user": "/alerts?user=staff007",
            "queue, one rule": "/alerts?rule=payment_view_spike",
            "alert": f"/alerts/{kept['alert']}",
            "incidents": "/incidents",
            "incident": f"/incidents/{kept['incident']}",
            "drafts": f"/incidents/{kept['incident']}/drafts",
        }
        results = {}
        with serving(app) as url, httpx.Client(base_url=url, timeout=60) as analyst:
            sign_in(analyst, clock, "anna")
            for name, path in pages.items():
                results[name] = timings(analyst, path, args.requests)
            with httpx.Client(base_url=url, timeout=60) as officer:
                time.sleep(31)  # the enrolment code's 30-second step is used; wait for the next
                sign_in(officer, clock, "pia", kept["secret"])
                results["register"] = timings(officer, "/register", args.requests)
        store.close()
    summary = {}
    for name, ms in results.items():
        p50 = statistics.median(ms)
        p95 = sorted(ms)[math.ceil(0.95 * len(ms)) - 1]
        summary[name] = {
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "max_ms": round(max(ms), 1),
        }
        print(f"{name:18s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {max(ms):7.1f} ms")
    print(json.dumps({"events": args.events, "alerts": args.alerts, "pages": summary}))


if __name__ == "__main__":
    main()
