"""Signing in as people do: password and code, enrolment, recovery codes, sessions, sign-out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from sentinel.access import totp
from tests.access.conftest import ADMIN, PASSWORD
from tests.web.conftest import Console, Screenshot, serious_violations, sign_in

pytestmark = pytest.mark.browser


def test_commander_signs_in_with_password_and_code_and_lands_where_they_asked(
    page: Page, demo_console: Console, screenshot: Screenshot
) -> None:
    page.goto(f"{demo_console.url}/incidents")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fincidents"))
    page.get_by_label("User name").fill("ida")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Second factor")).to_be_visible()
    assert serious_violations(page) == []
    screenshot("signin-code")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong or already used code")
    page.get_by_label("Code").fill(demo_console.phones["ida"].next_code())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Incidents", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="ida")).to_be_visible()


def test_wrong_password_says_the_same_as_an_unknown_name(page: Page, demo_console: Console) -> None:
    messages = []
    for name, password in (("anna", "wrong password!"), ("nobody", PASSWORD)):
        page.goto(f"{demo_console.url}/signin")
        page.get_by_label("User name").fill(name)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        messages.append(page.get_by_role("alert").inner_text())
    assert messages[0] == messages[1] == "Wrong user name or password."


def test_enrolment_shows_the_qr_code_and_the_recovery_codes_once(
    page: Page, demo_console: Console, screenshot: Screenshot
) -> None:
    demo_console.access.users.add("olga", "privacy_officer", password=PASSWORD, by=ADMIN)
    page.goto(f"{demo_console.url}/signin")
    page.get_by_label("User name").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up the second factor")).to_be_visible()
    expect(page.locator("figure.qr svg")).to_be_visible()
    assert serious_violations(page) == []
    screenshot("signin-enrol")
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code from the app").fill(totp.code_at(secret, demo_console.clock.now()))
    page.get_by_role("button", name="Turn on the second factor").click()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    first = codes.first.inner_text()
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.goto(f"{demo_console.url}/signin/enrol")
    expect(page.get_by_role("heading", name="My sessions")).to_be_visible()
    expect(page.get_by_text("Second factor: on")).to_be_visible()
    expect(page.get_by_text(first)).to_have_count(0)

    # the next sign-in, with a recovery code instead of the phone
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_label("User name").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Lost your authenticator? Use a recovery code").click()
    page.get_by_label("Recovery code").fill(first)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("status")).to_contain_text("9 recovery code(s) left")


def test_my_sessions_lists_each_browser_and_sign_out_everywhere_ends_them(
    page: Page, demo_console: Console, chromium
) -> None:
    other = chromium.new_context()
    elsewhere = other.new_page()
    sign_in(elsewhere, demo_console, "anna")
    sign_in(page, demo_console, "anna")
    page.get_by_role("link", name="anna").click()
    expect(page.get_by_role("heading", name="My sessions")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(3)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    elsewhere.goto(f"{demo_console.url}/alerts")
    expect(elsewhere.get_by_role("heading", name="Sign in")).to_be_visible()
    other.close()
