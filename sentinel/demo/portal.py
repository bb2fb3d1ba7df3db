"""The partner portal: each action lands in the application log and the web server's log.

The portal's audit log (service ``partner-portal``) names the account; the web
server in front of it logs the same request with no user (the portal uses
session cookies, not HTTP authentication), a second or less earlier.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from sentinel.demo.accounts import members
from sentinel.demo.sink import Sink

SERVICE = "partner-portal"
SITE = "https://portal.example.nl"
ASSETS = (
    ("/static/portal.css", 18_214),
    ("/static/portal.js", 96_530),
    ("/static/img/logo.svg", 4_410),
    ("/favicon.ico", 1_150),
)


def _web_time(ts: datetime, rng: Random) -> datetime:
    return ts - timedelta(milliseconds=rng.randint(20, 600))


def login_page(sink: Sink, rng: Random, ts: datetime, ip: str, agent: str) -> None:
    """The login form and its assets (a browser revalidates what it has cached: 304)."""
    sink.web(ts, ip, "GET", "/portal/login", 200, 3_120, "-", agent)
    for path, size in ASSETS:
        cached = rng.random() < 0.6
        sink.web(
            ts + timedelta(milliseconds=rng.randint(80, 400)),
            ip,
            "GET",
            path,
            304 if cached else 200,
            0 if cached else size,
            f"{SITE}/portal/login",
            agent,
        )
    if "Safari" in agent and "Chrome" not in agent:
        sink.web(
            ts + timedelta(seconds=1), ip, "GET", "/apple-touch-icon.png", 404, 196, "-", agent
        )


def login(
    sink: Sink, rng: Random, ts: datetime, user: str, ip: str, agent: str, *, ok: bool
) -> None:
    outcome = "success" if ok else "failure"
    sink.app(ts, "login", user, ip, SERVICE, outcome=outcome, path="/portal/login", agent=agent)
    status, size = (302, 0) if ok else (401, 3_410)
    sink.web(
        _web_time(ts, rng), ip, "POST", "/portal/login", status, size, f"{SITE}/portal/login", agent
    )


def dashboard(sink: Sink, rng: Random, ts: datetime, ip: str, agent: str) -> None:
    sink.web(ts, ip, "GET", "/portal/members", 200, 7_842, f"{SITE}/portal/login", agent)


def search(sink: Sink, rng: Random, ts: datetime, user: str, ip: str, agent: str) -> None:
    term = rng.choice(("de", "jan", "van", "bakker", "kl-", "nl", "43", "smit", "peters"))
    sink.app(ts, "member.search", user, ip, SERVICE, path="/portal/members", agent=agent)
    sink.web(
        _web_time(ts, rng),
        ip,
        "GET",
        f"/portal/members?q={term}",
        200,
        rng.randint(3_000, 12_000),
        f"{SITE}/portal/members",
        agent,
    )


def view(
    sink: Sink, rng: Random, ts: datetime, user: str, ip: str, agent: str, member: str
) -> None:
    path = f"/portal/members/{member}"
    came_from = f"{SITE}/portal/members"
    _member_page(sink, rng, ts, (user, ip, agent), member, "member.view", path, came_from)
    if rng.random() < 0.05:  # members without a photo: the page asks anyway
        sink.web(
            ts + timedelta(milliseconds=300),
            ip,
            "GET",
            f"{path}/photo.jpg",
            404,
            196,
            f"{SITE}{path}",
            agent,
        )


def vehicles(
    sink: Sink, rng: Random, ts: datetime, user: str, ip: str, agent: str, member: str
) -> None:
    path = f"/portal/members/{member}/vehicles"
    came_from = f"{SITE}/portal/members/{member}"
    _member_page(sink, rng, ts, (user, ip, agent), member, "vehicle.view", path, came_from)


def _member_page(
    sink: Sink,
    rng: Random,
    ts: datetime,
    who: tuple[str, str, str],
    member: str,
    action: str,
    path: str,
    came_from: str,
) -> None:
    """A page about one member: the portal's own event and its web request."""
    user, ip, agent = who
    owner = members().partner[member]
    size = _PAGE_SIZES[action]
    sink.app(ts, action, user, ip, SERVICE, path=path, member=(member, owner), agent=agent)
    sink.web(_web_time(ts, rng), ip, "GET", path, 200, rng.randint(*size), came_from, agent)


_PAGE_SIZES = {"member.view": (4_000, 9_500), "vehicle.view": (2_000, 6_000)}
"""Bytes a member page and a vehicle list weigh in the web log."""


def export(
    sink: Sink, rng: Random, ts: datetime, user: str, ip: str, agent: str, records: int
) -> None:
    path = "/portal/members/export"
    sink.app(ts, "member.export", user, ip, SERVICE, path=path, records=records, agent=agent)
    sink.web(
        _web_time(ts, rng),
        ip,
        "GET",
        f"{path}?format=csv",
        200,
        records * 183 + 120,
        f"{SITE}/portal/members",
        agent,
    )


def logout(sink: Sink, rng: Random, ts: datetime, user: str, ip: str, agent: str) -> None:
    sink.app(ts, "logout", user, ip, SERVICE, path="/portal/logout", agent=agent)
    sink.web(
        _web_time(ts, rng), ip, "GET", "/portal/logout", 302, 0, f"{SITE}/portal/members", agent
    )
