"""The incident page's awareness and notification forms, and comparing two versions of a
member letter: filled in as a person would, seen on the page and still there after a reload."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Locator, Page, expect

from sentinel.services.incidents import IncidentService
from tests.web.conftest import Console, Screenshot, serious_violations, sign_in
from tests.web.test_incident_pages import CLI, LETTER_FACTS, insider, services

pytestmark = pytest.mark.browser
FACT_NAMES = {
    "summary": "summary",
    "summary-en": "summary@en",
    "consequences-description": "consequences.description",
    "consequences-description-en": "consequences.description@en",
    "measures-taken": "measures.taken",
    "measures-taken-en": "measures.taken@en",
}
"""The letters' facts by the field the incident page gives them."""


def test_commander_records_awareness_and_the_clock_runs_72_real_hours_across_dst(
    page: Page, demo_console: Console, screenshot: Screenshot
) -> None:
    # Sunday, CEST since 03:00; signing in with the authenticator's code takes 30 s: 12:30
    demo_console.clock.set(datetime(2027, 3, 28, 12, 29, 30, tzinfo=UTC))
    incident = insider(demo_console, commander="ida")
    sign_in(page, demo_console, "ida", f"/incidents/{incident}")
    clock = page.get_by_role("region", name="72-hour clock")
    expect(clock).to_contain_text("set by ops")  # opened from the alert: aware from then on
    opened = clock.get_by_role("timer").inner_text()

    # a time in the future is refused with the reason, and nothing is recorded
    clock.get_by_text("Change the awareness time").click()
    clock.get_by_label("Aware since").fill("2027-03-28T16:00")
    clock.get_by_label("Why then").fill("The service desk reported the exports")
    clock.get_by_role("button", name="Record awareness").click()
    expect(page.get_by_role("alert")).to_contain_text("awareness cannot be in the future")
    page.goto(f"{demo_console.url}/incidents/{incident}")
    expect(clock.get_by_role("timer")).to_have_text(opened)
    expect(clock).to_contain_text("set by ops")

    # Saturday 22:30 in Amsterdam is still winter time (+01:00): 21:30 UTC
    clock.get_by_text("Change the awareness time").click()
    clock.get_by_label("Aware since").fill("2027-03-27T22:30")
    clock.get_by_label("Why then").fill("The service desk reported the exports")
    clock.get_by_role("button", name="Record awareness").click()
    expect(page.get_by_role("status")).to_have_text(
        "Awareness time recorded; the 72-hour clock runs from it."
    )
    # 72 real hours later is Tuesday 21:30 UTC, 23:30 in summer time (not 22:30)
    expect(clock.get_by_role("timer")).to_have_text("57h 00m left")
    expect(clock.get_by_role("timer")).to_have_attribute("data-tone", "ok")
    expect(clock.locator(".clock-line time")).to_have_text("2027-03-30 23:30 +02:00")
    expect(clock).to_contain_text(
        "Aware since 2027-03-27 22:30 +01:00, set by ida: “The service desk reported the exports”."
    )
    assert serious_violations(page) == []
    screenshot("incident-awareness")

    page.goto(f"{demo_console.url}/incidents/{incident}")
    expect(page.get_by_role("status")).to_have_count(0)
    expect(clock.get_by_role("timer")).to_have_text("57h 00m left")
    expect(clock).to_contain_text("Aware since 2027-03-27 22:30 +01:00, set by ida")
    expect(page.locator("#timeline")).to_contain_text("awareness")

    # the incidents list counts down from the same time
    page.goto(f"{demo_console.url}/incidents")
    row = page.get_by_role("row").filter(has_text=incident)
    expect(row.locator(".countdown")).to_have_text("57h 00m left")
    expect(row.locator("time")).to_have_text("2027-03-30 23:30 +02:00")


def decided_insider(console: Console) -> str:
    """The insider incident, aware since Friday 11:00 CET, with the decision to notify both."""
    incident = insider(
        console,
        commander="ida",
        aware_at=datetime(2027, 3, 26, 10, 0, tzinfo=UTC),
        aware_reason="logs read",
    )
    IncidentService(services(console)).decide(
        CLI, incident, authority="yes", members="yes", reason="contact data read by an insider"
    )
    return incident


def step(page: Page, title: str) -> Locator:
    """The playbook step with that title, as its checklist line shows it."""
    return page.locator("#playbook li").filter(has_text=title)


def test_privacy_officer_records_the_ap_and_member_notifications_and_their_steps_complete(
    page: Page, demo_console: Console
) -> None:
    demo_console.clock.set(datetime(2027, 3, 28, 12, 30, tzinfo=UTC))
    incident = decided_insider(demo_console)
    sign_in(page, demo_console, "pia", f"/incidents/{incident}")
    notifications = page.get_by_role("region", name="Notifications sent")
    expect(notifications).to_contain_text("None recorded.")
    expect(step(page, "Notify the AP")).to_contain_text("open")
    expect(step(page, "Notify the AP").get_by_role("button")).to_be_visible()
    expect(step(page, "Inform the members")).to_contain_text("open")

    notifications.get_by_text("Record a notification made").click()
    notifications.get_by_label("Kind").select_option(label="to the AP: initial")
    notifications.get_by_label("The AP's reference").fill("M-2026-0412")
    notifications.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_have_text("Notification recorded.")
    table = page.get_by_role("region", name="Notifications sent").get_by_role("table")
    rows = table.get_by_role("row")
    expect(rows).to_have_count(2)
    cells = rows.nth(1).get_by_role("cell")
    expect(cells.nth(0)).to_have_text("authority")
    expect(cells.nth(1)).to_have_text("initial")
    expect(cells.nth(2)).to_have_text("2027-03-28 14:30 +02:00")
    expect(cells.nth(3)).to_have_text("M-2026-0412")
    expect(cells.nth(4)).to_have_text("pia")
    expect(page.get_by_role("region", name="72-hour clock").get_by_role("timer")).to_have_text(
        "AP notified"
    )
    notify_ap = step(page, "Notify the AP")
    expect(notify_ap).to_contain_text("done")
    expect(notify_ap).to_contain_text("by pia")
    expect(notify_ap).to_contain_text("initial notification recorded, reference M-2026-0412")
    expect(notify_ap.get_by_role("button")).to_have_count(0)
    expect(step(page, "Inform the members")).not_to_contain_text("done")

    # the members were written to an hour earlier, typed in local time
    page.get_by_text("Record a notification made").click()
    notifications.get_by_label("Kind").select_option(label="to the members")
    notifications.get_by_label("When (empty: now)").fill("2027-03-28T13:30")
    notifications.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_have_text("Notification recorded.")
    expect(rows).to_have_count(3)
    members = rows.filter(has_text="members").get_by_role("cell")
    expect(members.nth(1)).to_have_text("communication")
    expect(members.nth(2)).to_have_text("2027-03-28 13:30 +02:00")
    expect(step(page, "Inform the members")).to_contain_text("done")
    assert serious_violations(page) == []

    page.goto(f"{demo_console.url}/incidents/{incident}")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("M-2026-0412")
    expect(step(page, "Notify the AP")).to_contain_text("done")
    expect(step(page, "Inform the members")).to_contain_text("done")
    expect(page.get_by_text("status notified")).to_be_visible()


def test_a_late_ap_notification_asks_for_the_reason_for_the_delay(
    page: Page, demo_console: Console
) -> None:
    demo_console.clock.set(datetime(2027, 3, 29, 12, 0, tzinfo=UTC))  # 2 h past the deadline
    incident = decided_insider(demo_console)
    sign_in(page, demo_console, "pia", f"/incidents/{incident}")
    clock = page.get_by_role("region", name="72-hour clock")
    expect(clock.get_by_role("timer")).to_have_text("overdue by 2h 00m")
    notifications = page.get_by_role("region", name="Notifications sent")
    notifications.get_by_text("Record a notification made").click()
    notifications.get_by_label("When (empty: now)").fill("2027-03-29T13:30")
    notifications.get_by_label("The AP's reference").fill("M-2026-0413")
    notifications.get_by_role("button", name="Record").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("is 1h 30m past the 72-hour deadline")
    expect(refusal).to_contain_text("Art. 33(1) requires the reasons for the delay")

    page.goto(f"{demo_console.url}/incidents/{incident}")
    expect(notifications).to_contain_text("None recorded.")
    notifications.get_by_text("Record a notification made").click()
    notifications.get_by_label("When (empty: now)").fill("2027-03-29T13:30")
    notifications.get_by_label("The AP's reference").fill("M-2026-0413")
    notifications.get_by_label("Reason for the delay").fill("The logs came in on Monday")
    notifications.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_have_text("Notification recorded.")
    row = notifications.get_by_role("row").nth(1)
    expect(row).to_contain_text("2027-03-29 13:30 +02:00 (late)")
    expect(row).to_contain_text("The logs came in on Monday")
    expect(clock.get_by_role("timer")).to_have_text("AP notified (late)")
    page.reload()
    expect(row).to_contain_text("(late)")
    expect(step(page, "Notify the AP")).to_contain_text("done")


def test_privacy_officer_compares_two_versions_of_a_member_letter(
    page: Page, demo_console: Console, screenshot: Screenshot
) -> None:
    incident = insider(demo_console, commander="ida")
    service = IncidentService(services(demo_console))
    service.update_facts(
        CLI,
        incident,
        assignments=[(FACT_NAMES[field], text) for field, text in LETTER_FACTS.items()],
    )
    sign_in(page, demo_console, "pia", f"/incidents/{incident}/drafts")
    page.get_by_role("button", name="Make the letters from the facts now").click()
    expect(page.get_by_role("status")).to_contain_text("for 150 member(s)")
    letters = page.get_by_role("region", name="Letters per partner and language")
    dutch = letters.get_by_role("row").filter(has_text="Garage Willems").filter(has_text="nl")
    expect(dutch.get_by_role("cell").nth(4)).to_have_text("1")

    # the account was blocked; now the staff member has left: the letters say so
    page.goto(f"{demo_console.url}/incidents/{incident}")
    page.locator("#fact-measures-taken").fill("De medewerker is niet meer in dienst.")
    page.get_by_role("button", name="Save facts").click()
    expect(page.get_by_role("status")).to_have_text("1 fact(s) changed.")
    page.goto(f"{demo_console.url}/incidents/{incident}/drafts")
    page.get_by_role("button", name="Make the letters from the facts now").click()
    expect(dutch.get_by_role("cell").nth(4)).to_have_text("2")
    dutch.get_by_role("link").click()
    shown = page.locator("#draft")
    expect(shown).to_contain_text("Version 2")
    expect(page.get_by_label("Draft text")).to_contain_text("niet meer in dienst")

    compare = page.get_by_role("form", name="Compare versions")
    chosen = "option:checked"
    expect(compare.get_by_label("Compare").locator(chosen)).to_have_text("version 1")
    expect(compare.get_by_label("with", exact=True).locator(chosen)).to_have_text("version 2")
    page.get_by_role("button", name="Show the differences").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("From version 1 to version 2")
    diff = page.get_by_label("Differences")
    removed = " ".join(diff.locator("del").all_inner_texts())
    added = " ".join(diff.locator("ins").all_inner_texts())
    assert "Het account van de medewerker is geblokkeerd." in removed
    assert "niet meer in dienst" in added
    assert "niet meer in dienst" not in removed
    assert "buiten werktijd" not in removed + added  # the summary did not change
    lines = diff.inner_text().splitlines()  # one line each, as they are copied out
    assert re.fullmatch(r"from line \d+ of version 2", lines[0])
    assert "  Wat hebben wij gedaan?" in lines  # unchanged, around the change
    assert "- - Het account van de medewerker is geblokkeerd." in lines
    assert "+ - De medewerker is niet meer in dienst." in lines
    assert not any(line.startswith(("---", "+++", "@@")) for line in lines)
    assert serious_violations(page) == []
    screenshot("letter-diff")

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("From version 1 to version 2")
    page.get_by_role("link", name="← Drafts").click()
    expect(page.get_by_label("Draft text")).to_contain_text("niet meer in dienst")
