"""The sign-in page as a person meets it: labelled, keyboard-first, readable on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import PHONE, Console, Screenshot, serious_violations

pytestmark = pytest.mark.browser


def test_sign_in_form_is_labelled_and_reached_with_the_keyboard(
    page: Page, demo_console: Console, screenshot: Screenshot
) -> None:
    page.goto(f"{demo_console.url}/signin")
    expect(page).to_have_title("Sign in · Sentinel")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("User name")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    assert serious_violations(page) == []
    screenshot("signin")


def test_skip_link_appears_on_focus_and_leads_to_the_content(
    page: Page, demo_console: Console
) -> None:
    page.goto(f"{demo_console.url}/signin")
    expect(page.get_by_label("User name")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0, "the skip link stays off screen when focused"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_sign_in_reads_on_a_phone_without_sideways_scrolling(
    page: Page, demo_console: Console
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{demo_console.url}/signin")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    assert serious_violations(page) == []
