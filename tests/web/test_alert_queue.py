"""An analyst triages the demo's alert queue: filters, counts, bulk close, escalate, evidence."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from sentinel.services.actor import Caller
from sentinel.services.alerts import AlertService
from sentinel.services.context import ServiceContext
from tests.web.conftest import PHONE, Console, Screenshot, serious_violations, sign_in

pytestmark = pytest.mark.browser


def test_queue_shows_the_planted_alerts_newest_first_with_counts_per_rule(
    page: Page, demo_console: Console, screenshot: Screenshot
) -> None:
    sign_in(page, demo_console, "anna")
    expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
    stored = AlertService(
        ServiceContext(demo_console.settings, demo_console.store, demo_console.clock)
    ).list(Caller("ops"), limit=100)
    newest = stored.items[0]
    rows = page.get_by_role("region", name="Alert queue").get_by_role("row")
    expect(rows).to_have_count(len(stored.items) + 1)  # the header and every demo alert
    expect(rows.nth(1)).to_contain_text(newest.rule_name)
    per_rule = page.get_by_role("list").filter(has_text="off_hours_personal_data")
    expect(
        per_rule.get_by_role("listitem").filter(has_text="off_hours_personal_data")
    ).to_contain_text("3 / 3")
    when = rows.nth(1).locator("time")
    local = newest.last_seen.astimezone(demo_console.settings.zone)
    expect(when).to_have_text(local.strftime("%Y-%m-%d %H:%M ") + local.strftime("%z")[:3] + ":00")
    expect(when).to_have_attribute("title", newest.last_seen.strftime("%Y-%m-%dT%H:%M:%SZ UTC"))
    assert serious_violations(page) == []
    screenshot("alerts")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_filter_by_user_then_close_one_with_a_reason_and_escalate_the_rest(
    page: Page, demo_console: Console
) -> None:
    sign_in(page, demo_console, "anna")
    page.get_by_label("User", exact=True).fill("s.visser")
    page.get_by_role("button", name="Filter").click()
    queue = page.get_by_role("region", name="Alert queue")
    expect(queue.get_by_role("row")).to_have_count(3)
    expect(page).to_have_url(re.compile(r"user=s.visser"))

    page.get_by_label(re.compile(r"Select .* \(off_hours_personal_data\)")).check()
    page.get_by_label("Reason to close").fill("false positive: covered by bulk_member_views")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("1 alert(s) closed.")
    expect(queue.get_by_role("row").filter(has_text="off_hours_personal_data")).to_contain_text(
        "closed"
    )

    page.get_by_label(re.compile(r"Select .* \(bulk_member_views\)")).check()
    page.get_by_role("button", name="Escalate into one incident").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("INC-")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Bulk viewing of member records by one account"
    )
    expect(page.get_by_role("heading", name="Affected members")).to_be_visible()
    expect(page.get_by_text("150 member(s) in the evidence.")).to_be_visible()

    page.goto(f"{demo_console.url}/alerts?user=s.visser")
    expect(queue.get_by_role("row").filter(has_text="bulk_member_views")).to_contain_text(
        "escalated"
    )


def test_one_click_from_an_alert_to_its_evidence_paged(
    page: Page, demo_console: Console, screenshot: Screenshot
) -> None:
    sign_in(page, demo_console, "victor", "/alerts?rule=bulk_member_views")
    expect(page.get_by_role("checkbox")).to_have_count(0)  # a viewer does not triage
    page.get_by_role("row").filter(has_text="bulk_member_views").get_by_role("link").click()
    expect(page.get_by_role("heading", name="What fired and why")).to_be_visible()
    expect(page.get_by_text("user.name=s.visser").first).to_be_visible()
    evidence = page.get_by_role("region", name="Evidence events")
    expect(evidence.get_by_role("caption")).to_contain_text(re.compile(r"25 of \d{3} event\(s\)"))
    first = evidence.get_by_role("row").nth(1).inner_text()
    page.get_by_role("link", name="Next 25 events").click()
    expect(evidence.get_by_role("caption")).to_contain_text("a later page")
    assert evidence.get_by_role("row").nth(1).inner_text() != first
    expect(page.get_by_role("img", name=re.compile("Events of user.name=s.visser"))).to_be_visible()
    assert serious_violations(page) == []
    screenshot("alert")
