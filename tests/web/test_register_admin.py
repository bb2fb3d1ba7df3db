"""The overview, the breach register and the admin page, as the people who use them see them."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from sentinel.job_runs import record_run
from tests.access.conftest import ADMIN
from tests.web.conftest import PHONE, Console, Screenshot, serious_violations, sign_in
from tests.web.test_incident_pages import insider

pytestmark = pytest.mark.browser


def test_overview_shows_open_clocks_alerts_per_rule_and_sources(
    page: Page, demo_console: Console, screenshot: Screenshot
) -> None:
    incident = insider(demo_console)
    sign_in(page, demo_console, "anna", "/")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator("#open-h + p, section").filter(has_text=incident).first).to_contain_text(
        "72h 00m left"
    )
    expect(
        page.get_by_role("img", name=re.compile(r"^bulk_member_views per day: 1 in all"))
    ).to_be_visible()
    sources = page.get_by_role("table").filter(has_text="Newest event")
    expect(sources).to_contain_text("portal-web")
    assert serious_violations(page) == []
    screenshot("overview")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_overview_shows_each_jobs_last_success_and_the_late_ones(
    page: Page, demo_console: Console
) -> None:
    now, store = demo_console.clock.now(), demo_console.store
    every = timedelta(minutes=1)
    record_run(store, "ingest app", every, worker="a:1:x", finished=now)
    record_run(
        store, "incident reminders", every, worker="a:1:x", finished=now - timedelta(hours=2)
    )
    record_run(
        store, "incident reminders", every, worker="a:1:x", finished=now, error="<b>down</b>"
    )
    sign_in(page, demo_console, "victor", "/")

    jobs = page.get_by_role("table").filter(has_text="Last success")
    expect(jobs.get_by_role("row").filter(has_text="ingest app")).not_to_contain_text("late")
    reminders = jobs.get_by_role("row").filter(has_text="incident reminders")
    expect(reminders).to_contain_text("late")
    expect(reminders).to_contain_text("<b>down</b>")  # the error as text, never as markup
    assert serious_violations(page) == []


def test_privacy_officer_filters_the_register_and_exports_it(
    page: Page, demo_console: Console, screenshot: Screenshot
) -> None:
    incident = insider(demo_console)
    sign_in(page, demo_console, "pia", "/register")
    entries = page.get_by_role("region", name="Register entries")
    expect(entries).to_contain_text(incident)
    page.get_by_label("AP notified").select_option("yes")
    page.get_by_role("button", name="Filter").click()
    expect(entries).not_to_contain_text(incident)
    page.get_by_label("AP notified").select_option("no")
    page.get_by_role("button", name="Filter").click()
    expect(entries).to_contain_text(incident)
    assert serious_violations(page) == []
    screenshot("register")
    with page.expect_download() as csv:
        page.get_by_role("button", name="Export").click()
    text = csv.value.path().read_text()
    assert incident in text and csv.value.suggested_filename == "breach-register.csv"


def test_privacy_officer_exports_the_register_as_json_in_utc(
    page: Page, demo_console: Console
) -> None:
    incident = insider(demo_console)
    opened = demo_console.clock.now()
    sign_in(page, demo_console, "pia", "/register")
    page.get_by_label("Format").select_option("json")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    assert download.value.suggested_filename == "breach-register.json"
    register = json.loads(download.value.path().read_text())
    [entry] = [e for e in register["incidents"] if e["id"] == incident]
    assert entry["status"] == "triage"
    assert entry["opened"] == opened.isoformat()  # in UTC, +00:00
    assert register["controller"]["name"] == "Voertuigcodering Nederland B.V."


def test_an_analyst_is_told_the_register_is_not_for_them(page: Page, demo_console: Console) -> None:
    sign_in(page, demo_console, "anna")
    answer = page.goto(f"{demo_console.url}/register")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("alert")).to_contain_text("register:read")


def test_admin_changes_a_role_and_sees_rules_and_sources(
    page: Page, demo_console: Console, chromium, screenshot: Screenshot
) -> None:
    other = chromium.new_context()
    anna = other.new_page()
    sign_in(anna, demo_console, "anna")
    sign_in(page, demo_console, "adam", "/admin")
    users = page.get_by_role("region", name="Users table")
    expect(users).to_contain_text("anna")
    expect(page.get_by_role("region", name="Rules table")).to_contain_text("bulk_member_views")
    expect(page.get_by_role("region", name="Sources table")).to_contain_text("gateway-ssh")
    assert serious_violations(page) == []
    screenshot("admin")
    role = page.get_by_role("form", name="Role of anna")
    role.get_by_label("New role for anna").select_option("viewer")
    role.get_by_role("button", name="Change").click()
    expect(page.get_by_role("status")).to_have_text(
        "anna is now viewer; their sessions have ended."
    )
    anna.goto(f"{demo_console.url}/alerts")
    expect(anna.get_by_role("heading", name="Sign in")).to_be_visible()
    other.close()


def test_admin_revokes_a_token_and_the_script_holding_it_is_turned_away(
    page: Page, demo_console: Console
) -> None:
    text, token = demo_console.access.create_token(
        "anna", "nightly export", ["alerts:read"], by=ADMIN
    )
    bearer = {"Authorization": f"Bearer {text}"}
    with httpx.Client(base_url=demo_console.url) as script:
        assert script.get("/api/alerts", headers=bearer).status_code == 200
        sign_in(page, demo_console, "adam", "/admin")
        tokens = page.get_by_role("region", name="Tokens table")
        row = tokens.get_by_role("row").filter(has_text="nightly export")
        expect(row).to_contain_text("anna")
        row.get_by_role("button", name="revoke nightly export").click()
        expect(page.get_by_role("status")).to_have_text(f"Token {token.id} revoked.")
        expect(row).to_contain_text("revoked by adam")
        expect(row.get_by_role("button")).to_have_count(0)
        refused = script.get("/api/alerts", headers=bearer)
    assert refused.status_code == 401 and "expired or revoked" in refused.json()["detail"]
