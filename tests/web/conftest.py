"""The console served for real: uvicorn on a free port over a demo store, driven by Chromium.

Browser tests use Debian's ``chromium`` (``make test`` installs it when run as root);
Playwright's own browser download does not work here, so it is launched by path.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, sync_playwright

from sentinel.access.service import Access
from sentinel.config import Organisation, Settings
from sentinel.demo.member_directory import write_member_directory
from sentinel.store.sqlite import SQLiteStore
from sentinel.web.app import create_app
from tests.access.conftest import ADMIN, PASSWORD, Phone, cheap_access, enrolled
from tests.conftest import ManualClock
from tests.test_demo_detection import END, run_demo, settings_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS_ENV = "SENTINEL_SCREENSHOTS"
Screenshot = Callable[[str], Path]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo week ingested and detected once; each test gets its own copy."""
    where = tmp_path_factory.mktemp("demo")
    run = run_demo(where)
    assert run.errors == []
    write_member_directory(where / "members.csv")
    return where


@dataclass
class Console:
    url: str
    app: FastAPI
    store: SQLiteStore
    settings: Settings
    clock: ManualClock
    access: Access
    phones: dict[str, Phone]
    """The authenticator of each user who has one."""


USERS = {
    "anna": "analyst",
    "victor": "viewer",
    "ida": "incident_commander",
    "pia": "privacy_officer",
    "adam": "admin",
}
"""The console's people: analyst and viewer sign in with a password; the others with 2FA."""
ENROLLED = ("ida", "pia", "adam")


@pytest.fixture
def demo_console(demo_db: Path, tmp_path: Path) -> Iterator[Console]:
    """The console over a fresh copy of the demo store, an hour after the demo week ends."""
    for name in ("sentinel.db", "sentinel.db-wal"):
        if (demo_db / name).exists():
            shutil.copy(demo_db / name, tmp_path / name)
    settings = settings_for(tmp_path).model_copy(
        update={
            "member_directory": demo_db / "members.csv",
            "organisation": Organisation(
                name="Voertuigcodering Nederland B.V.",
                address="Stationsplein 1, 3511 ED Utrecht",
                dpo_name="M. de Wit",
                dpo_email="privacy@example.nl",
                dpo_phone="+31 30 000 0000",
            ),
        }
    )
    store = SQLiteStore(settings.store_url)
    store.init()
    clock = ManualClock(END + timedelta(hours=1))
    access = cheap_access(store, clock)
    phones = {}
    for username, role in USERS.items():
        if username in ENROLLED:
            phones[username], _ = enrolled(access, clock, username, role)
        else:
            access.users.add(username, role, password=PASSWORD, by=ADMIN)
    app = create_app(settings, store, clock, access=access)
    with serving(app) as url:
        yield Console(url, app, store, settings, clock, access, phones)
    store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class serving:
    """uvicorn in a thread for the length of a ``with``; its base URL."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        ready = threading.Event()
        while not self.server.started and self.thread.is_alive():
            ready.wait(0.02)
        if not self.server.started:
            raise RuntimeError("uvicorn did not start")
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"Debian's chromium is not installed at {CHROMIUM}: `apt-get install chromium` "
            "(`make test` does this when run as root)"
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the main pages are photographed: this run's temporary folder, so a test run
    leaves the checkout as it was, unless ``SENTINEL_SCREENSHOTS`` names a folder
    (``make screenshots`` names docs/screenshots, the README's pictures)."""
    named = os.environ.get(SCREENSHOTS_ENV)
    folder = Path(named) if named else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(page: Page, screenshot_dir: Path) -> Screenshot:
    """Takes a full-page PNG of the page as it is now, named ``<name>.png``."""

    def take(name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page: Page, console: Console, username: str, path: str = "/alerts") -> None:
    """Password, then the authenticator's code when the user has one; ends on ``path``."""
    page.goto(f"{console.url}{path}")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    phone = console.phones.get(username)
    if phone is not None:
        page.get_by_label("Code").fill(phone.next_code())
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{console.url}{path}")
