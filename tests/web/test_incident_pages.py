"""The incident pages: the demo insider walked through, who may see and decide, the clock."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from sentinel.services.actor import Caller
from sentinel.services.alerts import AlertService
from sentinel.services.context import ServiceContext
from sentinel.services.incidents import IncidentService
from tests.web.conftest import Console, Screenshot, serious_violations, sign_in

pytestmark = pytest.mark.browser
CLI = Caller("ops")


def services(console: Console) -> ServiceContext:
    return ServiceContext(console.settings, console.store, console.clock)


def insider(console: Console, **kwargs: object) -> str:
    """The demo's planted insider (s.visser's bulk viewing) opened as an incident."""
    ctx = services(console)
    page = AlertService(ctx).list(CLI, rule="bulk_member_views")
    opened = IncidentService(ctx).open(CLI, None, alerts=[page.items[0].id], **kwargs)  # type: ignore[arg-type]
    return opened.id


LETTER_FACTS = {
    "summary": "Een medewerker heeft buiten werktijd de gegevens van 150 leden bekeken.",
    "summary-en": "A staff member viewed 150 members' records outside working hours.",
    "consequences-description": "Uw naam en contactgegevens zijn ingezien.",
    "consequences-description-en": "Your name and contact details were seen.",
    "measures-taken": "Het account van de medewerker is geblokkeerd.",
    "measures-taken-en": "The staff member's account was blocked.",
}


def test_commander_walks_the_insider_through_facts_assessment_and_decision(
    page: Page, demo_console: Console, screenshot: Screenshot
) -> None:
    incident = insider(demo_console, commander="ida")
    sign_in(page, demo_console, "ida", f"/incidents/{incident}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(incident)
    facts = page.locator("#facts")
    expect(facts).to_contain_text("facts still unknown")
    before = int(re.search(r"(\d+) of \d+ facts", facts.inner_text())[1])  # type: ignore[index]
    assert serious_violations(page) == []
    screenshot("incident")

    page.locator("#fact-subjects-people").fill("150")
    page.locator("#fact-subjects-records").fill("150")
    page.locator("#fact-breach-personal_data").select_option("yes")
    page.locator("#fact-breach-confidentiality").select_option("yes")
    page.locator("#fact-breach-integrity").select_option("no")
    page.locator("#fact-breach-availability").select_option("no")
    page.locator("#fact-cause-kind").select_option("insider_misuse")
    page.locator("#fact-cause-malicious").select_option("yes")
    page.get_by_role("button", name="Save facts").click()
    expect(page.get_by_role("status")).to_have_text("8 fact(s) changed.")
    after = int(re.search(r"(\d+) of \d+ facts", page.locator("#facts").inner_text())[1])  # type: ignore[index]
    assert after == before - 8
    expect(page.locator("#fact-subjects-people")).to_have_value("150")

    assessment = page.locator("#assessment")
    expect(assessment).to_contain_text("AP notification yes")

    # deciding asks for a fresh second factor: the sign-in's code is older than the window
    demo_console.clock.advance(timedelta(minutes=11))
    page.reload()
    decision = page.get_by_role("form", name="Record the decision")
    decision.get_by_label("Notify the AP (Art. 33)").select_option("yes")
    decision.get_by_label("Inform the members (Art. 34)").select_option("yes")
    decision.get_by_label("Reason").fill(
        "150 members' contact and identity data read by an insider"
    )
    decision.get_by_label(re.compile("Code from your authenticator")).fill("000000")
    decision.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("second factor not accepted")
    page.go_back()
    decision = page.get_by_role("form", name="Record the decision")
    decision.get_by_label("Notify the AP (Art. 33)").select_option("yes")
    decision.get_by_label("Inform the members (Art. 34)").select_option("yes")
    decision.get_by_label("Reason").fill(
        "150 members' contact and identity data read by an insider"
    )
    decision.get_by_label(re.compile("Code from your authenticator")).fill(
        demo_console.phones["ida"].next_code()
    )
    decision.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_have_text("Decision recorded.")
    expect(page.locator("#decision")).to_contain_text("decided by ida")
    expect(page.locator("#timeline")).to_contain_text("decision")

    # the AP draft, question by question, approved with the fresh second factor
    page.get_by_role("link", name="The AP notification and the member letters").click()
    make = page.get_by_role("form", name="Make the AP draft")
    make.get_by_label("Format").select_option("txt")
    make.get_by_role("button", name="Make the draft from the facts now").click()
    draft = page.locator("#draft")
    expect(draft.get_by_role("heading", level=3)).to_contain_text("open question(s)")
    expect(page.get_by_label("Draft text")).to_contain_text("AANVULLEN")
    assert serious_violations(page) == []
    screenshot("drafts")
    with page.expect_download() as txt:
        draft.get_by_role("link", name="Download .txt").click()
    assert "Meldformulier" in txt.value.path().read_text() or "1." in txt.value.path().read_text()
    page.get_by_role("button", name=re.compile("Approve version 1")).click()
    expect(page.get_by_role("status")).to_contain_text("Approved")
    expect(draft).to_contain_text("Approved by ida")

    # the descriptions the letters need, in Dutch with the English beside them
    page.goto(f"{demo_console.url}/incidents/{incident}")
    for name, text in LETTER_FACTS.items():
        page.locator(f"#fact-{name}").fill(text)
    page.get_by_role("button", name="Save facts").click()
    expect(page.get_by_role("status")).to_have_text(f"{len(LETTER_FACTS)} fact(s) changed.")

    # new facts make a version 2 of the AP draft; the page shows what changed
    page.goto(f"{demo_console.url}/incidents/{incident}/drafts")
    make = page.get_by_role("form", name="Make the AP draft")
    make.get_by_label("Format").select_option("txt")
    make.get_by_role("button", name="Make the draft from the facts now").click()
    expect(page.get_by_role("status")).to_have_text("Made version 2.")
    page.get_by_role("button", name="Show the differences").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("From version 1 to version 2")
    expect(page.locator("pre.diff ins").first).to_be_visible()
    expect(page.locator("pre.diff")).to_contain_text("+")
    assert any("buiten werktijd" in line for line in page.locator("pre.diff ins").all_inner_texts())

    page.goto(f"{demo_console.url}/incidents/{incident}/drafts")
    page.get_by_role("button", name="Make the letters from the facts now").click()
    expect(page.get_by_role("status")).to_contain_text("for 150 member(s)")
    letters = page.get_by_role("region", name="Letters per partner and language")
    rows = letters.get_by_role("row")
    assert rows.count() >= 3  # header, Dutch and English letters
    expect(letters).to_contain_text("Garage Willems")
    languages = {row.get_by_role("cell").nth(2).inner_text() for row in rows.all()[1:]}
    assert languages == {"nl", "en"}
    open_questions = {row.get_by_role("cell").nth(5).inner_text() for row in rows.all()[1:]}
    assert open_questions == {"0"}
    for box in letters.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Approve the selected letters").click()
    expect(page.get_by_role("status")).to_contain_text("letter(s) approved.")
    with page.expect_download() as zipped:
        page.get_by_role("button", name="Download the .eml files (zip)").click()
    with zipfile.ZipFile(zipped.value.path()) as archive:
        names = archive.namelist()
        assert len(names) == 150
        assert all(n.endswith(".eml") for n in names)
        assert b"X-Unsent: 1" in archive.read(names[0])


def test_viewer_sees_the_incident_but_not_the_decision_form(
    page: Page, demo_console: Console
) -> None:
    incident = insider(demo_console)
    sign_in(page, demo_console, "victor", f"/incidents/{incident}")
    expect(page.get_by_role("heading", name="Decision")).to_be_visible()
    expect(page.get_by_role("form", name="Record the decision")).to_have_count(0)
    expect(page.get_by_role("button", name="Save facts")).to_have_count(0)
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    answer = page.request.post(
        f"{demo_console.url}/incidents/{incident}/decision",
        form={
            "csrf": csrf or "",
            "authority": "no",
            "members": "no",
            "reason": "x",
            "version": "1",
        },
    )
    assert answer.status == 403
    assert "decisions:record" in answer.text()


def test_restricted_incident_is_invisible_to_an_analyst_who_is_not_a_participant(
    page: Page, demo_console: Console
) -> None:
    incident = insider(demo_console, commander="ida")
    IncidentService(services(demo_console)).incidents.update(incident, by="ida", restricted=True)
    sign_in(page, demo_console, "anna", "/incidents")
    expect(page.get_by_role("region", name="Incidents")).not_to_contain_text(incident)
    answer = page.goto(f"{demo_console.url}/incidents/{incident}")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in(page, demo_console, "pia", "/incidents")
    expect(page.get_by_role("region", name="Incidents")).to_contain_text(incident)


def test_countdown_shows_the_time_left_across_the_dst_change_and_turns_red(
    page: Page, demo_console: Console, screenshot: Screenshot
) -> None:
    aware = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)  # Friday 11:00 CET
    demo_console.clock.set(datetime(2026, 3, 29, 12, 30, tzinfo=UTC))  # Sunday, CEST since 03:00
    incident = insider(demo_console, aware_at=aware, aware_reason="logs read")
    sign_in(page, demo_console, "anna", "/incidents")
    row = page.get_by_role("row").filter(has_text=incident)
    expect(row.locator(".countdown")).to_have_text("21h 30m left")
    expect(row.locator(".countdown")).to_have_attribute("data-tone", "amber")
    expect(row.locator("time")).to_have_text("2026-03-30 12:00 +02:00")
    screenshot("incidents")
    assert serious_violations(page) == []

    demo_console.clock.advance(timedelta(minutes=20))
    page.evaluate("htmx.trigger('#incidents', 'refresh')")
    expect(row.locator(".countdown")).to_have_text("21h 10m left")

    # the next morning the session has ended: the next refresh sends the page to sign-in
    demo_console.clock.advance(timedelta(hours=15, minutes=55))
    page.evaluate("htmx.trigger('#incidents', 'refresh')")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in(page, demo_console, "anna", "/incidents")
    expect(row.locator(".countdown")).to_have_text("5h 15m left")
    expect(row.locator(".countdown")).to_have_attribute("data-tone", "red")


def test_a_change_made_meanwhile_is_not_overwritten_and_the_page_says_so(
    page: Page, demo_console: Console
) -> None:
    incident = insider(demo_console, commander="ida")
    sign_in(page, demo_console, "ida", f"/incidents/{incident}")
    IncidentService(services(demo_console)).add_note(
        CLI, incident, "Account blocked by the service desk."
    )
    page.get_by_label("Add a note").fill("Called s.visser's manager.")
    answer_to = page.expect_response(lambda r: r.url.endswith(f"/incidents/{incident}/notes"))
    with answer_to as answer:
        page.get_by_role("button", name="Add note").click()
    assert answer.value.status == 409
    expect(page.get_by_role("heading", name="Changed meanwhile")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("was changed by someone else")
    page.goto(f"{demo_console.url}/incidents/{incident}")
    notes = page.locator("#notes")
    expect(notes).to_contain_text("Account blocked by the service desk.")
    expect(notes).not_to_contain_text("Called s.visser's manager.")
    page.get_by_label("Add a note").fill("Called s.visser's manager.")
    page.get_by_role("button", name="Add note").click()
    expect(notes).to_contain_text("Called s.visser's manager.")
