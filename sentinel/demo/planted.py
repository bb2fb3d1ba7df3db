"""The planted incidents: one for each alerting rule in rules/, placed where it can fire.

Each incident is built from a local date and checked against the window: all of
its events must fall inside it, and some need more. A new-terms rule learns for
three days before anything counts as new, so the new country and the new API
address come after that; the terminated account is used inside it, so its first
login is not also "a new country". Thresholds are met inside one window of the
rule (a burst shorter than half the rule's timespan), so the alert cannot be
split across two windows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from random import Random

from sentinel.demo import portal
from sentinel.demo.accounts import BY_NAME, TERMINATED_ON, members
from sentinel.demo.normal import (
    PARTNER_AGENTS,
    STAFF_AGENTS,
    api_agent,
    api_call,
    pick,
    ssh_session,
    staff_action,
    staff_export,
    staff_login,
    staff_logout,
)
from sentinel.demo.sink import APP, SSH, STREAMS, WEB, Line, Sink
from sentinel.demo.worktime import WorkTime

STUFFING_IP = "45.134.26.10"
TAKEOVER_IP = "89.248.165.74"
GUESSING_IP = "103.77.1.9"
BRAZIL_IP = "177.37.143.21"
NEW_API_IP = "91.240.118.7"
SSH_BRUTE_IP = "218.92.0.31"
SSH_BREAK_IN_IP = "5.188.10.7"
SCANNER_IP = "193.32.162.5"
ATTACKERS = frozenset(
    {
        STUFFING_IP,
        TAKEOVER_IP,
        GUESSING_IP,
        BRAZIL_IP,
        NEW_API_IP,
        SSH_BRUTE_IP,
        SSH_BREAK_IN_IP,
        SCANNER_IP,
    }
)
"""Kept out of the background noise so each alert is the planted incident's alone."""

QUIET = (
    "j.devries",
    "k.smit",
    "a.dekker",
    "b.finance",
    "w.kok",
    "y.bakker",
    "h.meijer",
    "p01.joost",
    "p03.anouk",
    "p07.fleur",
    "p09.iris",
    "api-garagenet",
    "api-autoplus",
)
"""Accounts that only do their normal work: no alert may name them."""

LEARNING = timedelta(days=3, hours=6)
"""New-terms rules ignore what first appears in their first three days of data (and a margin)."""


@dataclass(frozen=True, slots=True)
class Planted:
    """What was planted, and the group its rule's alert should carry (``expect``)."""

    name: str
    description: str
    user: str | None
    source_ip: str | None
    start: datetime
    end: datetime
    expect: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Incident:
    planted: Planted
    lines: list[Line]
    silence: tuple[datetime, datetime] | None = None
    """For a source gone silent: the span the background must leave empty."""


@dataclass(frozen=True, slots=True)
class Ctx:
    seed: int
    wt: WorkTime

    def rng(self, name: str) -> Random:
        return Random(f"{self.seed}:planted:{name}")

    def sink(self) -> Sink:
        return Sink(
            datetime.min.replace(tzinfo=UTC),
            datetime.max.replace(tzinfo=UTC),
            self.wt.zone,
            frozenset(STREAMS),
        )


def _done(sink: Sink, name: str, description: str, expect: dict[str, str], **who: str) -> Incident:
    lines = sink.take()
    planted = Planted(
        name=name,
        description=description,
        user=who.get("user"),
        source_ip=who.get("ip"),
        start=lines[0].ts,
        end=lines[-1].ts,
        expect=expect,
    )
    return Incident(planted, lines)


def _every(start: datetime, n: int, seconds: float, rng: Random) -> list[datetime]:
    """``n`` times from ``start``, ``seconds`` apart give or take a fifth (milliseconds)."""
    return [
        start + timedelta(milliseconds=round((i * seconds + rng.uniform(0, seconds / 5)) * 1000))
        for i in range(n)
    ]


def _emails(rng: Random, n: int) -> list[str]:
    first = (
        "jeroen",
        "sanne",
        "mark",
        "lisa",
        "tim",
        "eva",
        "joost",
        "kim",
        "bas",
        "iris",
        "ruben",
        "anna",
        "daan",
        "fleur",
        "niels",
        "emma",
        "sven",
        "laura",
        "bram",
        "noor",
    )
    last = (
        "bakker",
        "jansen",
        "visser",
        "smit",
        "meijer",
        "mulder",
        "bos",
        "vos",
        "peters",
        "hendriks",
        "dijkstra",
        "kok",
        "vermeulen",
        "brouwer",
        "wouters",
    )
    domains = ("gmail.com", "hotmail.com", "outlook.com", "ziggo.nl", "kpnmail.nl", "live.nl")
    found: dict[str, None] = {}
    while len(found) < n:
        name = f"{rng.choice(first)}.{rng.choice(last)}{rng.randint(1, 99)}@{rng.choice(domains)}"
        found[name] = None
    return list(found)


# back office ---------------------------------------------------------------------------


def export_large(ctx: Ctx, d: date) -> Incident:
    rng, s, acct = ctx.rng("export_large"), ctx.sink(), BY_NAME["r.bos"]
    ip, agent = acct.home_ip or acct.ip, pick(acct.name, STAFF_AGENTS)
    t = staff_login(s, rng, ctx.wt.hm(d, 23, 36, rng.uniform(0, 50)), acct.name, ip, agent, 0)
    t += timedelta(seconds=rng.uniform(60, 120))
    s.app(t, "member.search", acct.name, ip, "backoffice", path="/backoffice/members/search")
    t += timedelta(seconds=rng.uniform(120, 200))
    staff_export(s, t, acct.name, ip, agent, 4200)
    staff_logout(s, t + timedelta(minutes=3), acct.name, ip, agent)
    return _done(
        s,
        "member_export_large",
        "r.bos exported 4,200 member records at night from a home address "
        "(also outside business hours)",
        {"user.name": acct.name},
        user=acct.name,
        ip=ip,
    )


def bulk_views(ctx: Ctx, d: date) -> Incident:
    rng, s, acct = ctx.rng("bulk_views"), ctx.sink(), BY_NAME["s.visser"]
    agent = pick(acct.name, STAFF_AGENTS)
    for t, m in zip(
        _every(ctx.wt.hm(d, 22, 2), 150, 11.4, rng), rng.sample(members().all, 150), strict=True
    ):
        staff_action(s, rng, t, acct, acct.ip, agent, "member.view", m)
    return _done(
        s,
        "bulk_member_views",
        "s.visser opened 150 different members' records in half an hour, late at night "
        "(also outside business hours)",
        {"user.name": acct.name},
        user=acct.name,
        ip=acct.ip,
    )


def off_hours(ctx: Ctx, d: date) -> Incident:
    rng, s, acct = ctx.rng("off_hours"), ctx.sink(), BY_NAME["c.peters"]
    ip, agent = acct.home_ip or acct.ip, pick(acct.name, STAFF_AGENTS)
    t = staff_login(s, rng, ctx.wt.hm(d, 20, 35, rng.uniform(0, 40)), acct.name, ip, agent, 0)
    for i, m in enumerate(rng.sample(members().all, 6)):
        t += timedelta(seconds=rng.uniform(90, 160))
        staff_action(s, rng, t, acct, ip, agent, "member.update" if i == 4 else "member.view", m)
    staff_logout(s, t + timedelta(seconds=70), acct.name, ip, agent)
    return _done(
        s,
        "off_hours_personal_data",
        "c.peters logged in from home at night and opened six members' records",
        {"user.name": acct.name},
        user=acct.name,
        ip=ip,
    )


def inactive(ctx: Ctx, d: date) -> Incident:
    rng, s, acct = ctx.rng("inactive"), ctx.sink(), BY_NAME["m.jansen"]
    ip, agent = acct.home_ip or acct.ip, pick(acct.name, STAFF_AGENTS)
    t = staff_login(s, rng, ctx.wt.hm(d, 10, 5, rng.uniform(0, 60)), acct.name, ip, agent, 0)
    for i, m in enumerate(rng.sample(members().all, 15)):
        t += timedelta(seconds=rng.uniform(80, 150))
        staff_action(s, rng, t, acct, ip, agent, "member.search" if i == 0 else "member.view", m)
    t += timedelta(seconds=rng.uniform(60, 120))
    staff_export(s, t, acct.name, ip, agent, 320)
    staff_logout(s, t + timedelta(seconds=60), acct.name, ip, agent)
    return _done(
        s,
        "inactive_account_activity",
        f"m.jansen, terminated on {acct.since}, logged in, viewed 14 members and "
        "exported 320 member records",
        {"user.name": acct.name},
        user=acct.name,
        ip=ip,
    )


def mfa_disabled(ctx: Ctx, d: date) -> Incident:
    rng, s, acct = ctx.rng("mfa"), ctx.sink(), BY_NAME["f.admin"]
    t = ctx.wt.hm(d, 16, 40, rng.uniform(0, 60))
    s.app(
        t,
        "mfa.disable",
        acct.name,
        acct.ip,
        "backoffice",
        path="/backoffice/users/g.admin2/mfa",
        target="g.admin2",
        agent=pick(acct.name, STAFF_AGENTS),
    )
    return _done(
        s,
        "admin_mfa_or_password_change",
        "f.admin switched off the second factor of admin account g.admin2",
        {"sentinel.target.user": "g.admin2"},
        user=acct.name,
        ip=acct.ip,
    )


def export_volume(ctx: Ctx, d: date) -> Incident:
    rng, s, acct = ctx.rng("export_volume"), ctx.sink(), BY_NAME["l.mulder"]
    agent = pick(acct.name, STAFF_AGENTS)
    for hh, mm in ((9, 10), (10, 0), (10, 50), (11, 40), (13, 30), (14, 20)):
        staff_export(s, ctx.wt.hm(d, hh, mm, rng.uniform(0, 120)), acct.name, acct.ip, agent, 450)
    return _done(
        s,
        "member_export_volume",
        "l.mulder exported 450 member records six times in one day",
        {"user.name": acct.name},
        user=acct.name,
        ip=acct.ip,
    )


def payment_spike(ctx: Ctx, d: date) -> Incident:
    rng, s, acct = ctx.rng("payment_spike"), ctx.sink(), BY_NAME["n.finance"]
    agent = pick(acct.name, STAFF_AGENTS)
    for t, m in zip(
        _every(ctx.wt.hm(d, 15, 5), 80, 33, rng), rng.sample(members().all, 80), strict=True
    ):
        staff_action(s, rng, t, acct, acct.ip, agent, "payment.view", m)
    return _done(
        s,
        "payment_view_spike",
        "n.finance opened 80 members' payment details in 45 minutes, against a usual few an hour",
        {"user.name": acct.name},
        user=acct.name,
        ip=acct.ip,
    )


def role_then_bulk(ctx: Ctx, d: date) -> Incident:
    rng, s = ctx.rng("role_then_bulk"), ctx.sink()
    admin, acct = BY_NAME["f.admin"], BY_NAME["t.hendriks"]
    s.app(
        ctx.wt.hm(d, 10, 2, rng.uniform(0, 60)),
        "role.change",
        admin.name,
        admin.ip,
        "backoffice",
        path="/backoffice/users/t.hendriks/roles",
        target=acct.name,
        granted="admin",
        agent=pick(admin.name, STAFF_AGENTS),
    )
    agent = pick(acct.name, STAFF_AGENTS)
    reads = ["member.view"] * 55 + ["vehicle.view"] * 75
    rng.shuffle(reads)
    for t, m, action in zip(
        _every(ctx.wt.hm(d, 10, 15), 130, 17.5, rng),
        rng.sample(members().all, 130),
        reads,
        strict=True,
    ):
        staff_action(s, rng, t, acct, acct.ip, agent, action, m)
    return _done(
        s,
        "role_change_then_bulk_access",
        "f.admin made t.hendriks an admin; within the hour t.hendriks read 130 "
        "members' records and vehicles",
        {"account": acct.name},
        user=acct.name,
        ip=acct.ip,
    )


# partner portal and API ------------------------------------------------------------------


def cross_partner(ctx: Ctx, d: date) -> Incident:
    rng, s, acct = ctx.rng("cross_partner"), ctx.sink(), BY_NAME["p03.kees"]
    agent = pick(acct.name, PARTNER_AGENTS)
    t = ctx.wt.hm(d, 13, 3, rng.uniform(0, 30))
    portal.login_page(s, rng, t, acct.ip, agent)
    portal.login(s, rng, t + timedelta(seconds=12), acct.name, acct.ip, agent, ok=True)
    for t2, m in zip(
        _every(t + timedelta(minutes=2), 12, 210, rng),
        rng.sample(members().of_partner["P05"], 12),
        strict=True,
    ):
        portal.view(s, rng, t2, acct.name, acct.ip, agent, m)
    portal.logout(s, rng, t + timedelta(minutes=45), acct.name, acct.ip, agent)
    return _done(
        s,
        "cross_partner_access",
        "p03.kees (partner P03) opened the records of 12 members of partner P05",
        {"user.name": acct.name},
        user=acct.name,
        ip=acct.ip,
    )


def credential_stuffing(ctx: Ctx, d: date) -> Incident:
    rng, s = ctx.rng("stuffing"), ctx.sink()
    agent = "python-requests/2.31.0"
    nxt = d + timedelta(days=1)
    for t, user in zip(
        _every(ctx.wt.hm(nxt, 3, 31), 200, 1.9, rng), _emails(rng, 200), strict=True
    ):
        portal.login(s, rng, t, user, STUFFING_IP, agent, ok=False)
    return _done(
        s,
        "credential_stuffing_by_ip",
        "200 leaked e-mail addresses tried against the partner portal from one "
        "address in under seven minutes",
        {"source.ip": STUFFING_IP},
        ip=STUFFING_IP,
    )


def password_guessing(ctx: Ctx, d: date) -> Incident:
    rng, s = ctx.rng("guessing"), ctx.sink()
    agent = PARTNER_AGENTS[3]
    for t in _every(ctx.wt.hm(d + timedelta(days=1), 1, 5), 14, 21, rng):
        portal.login(s, rng, t, "p07.daan", GUESSING_IP, agent, ok=False)
    return _done(
        s,
        "password_guessing_by_account",
        "14 wrong passwords for partner admin p07.daan in five minutes",
        {"user.name": "p07.daan"},
        user="p07.daan",
        ip=GUESSING_IP,
    )


def login_after_failures(ctx: Ctx, d: date) -> Incident:
    rng, s, acct = ctx.rng("takeover"), ctx.sink(), BY_NAME["p05.anouk"]
    agent = PARTNER_AGENTS[0]
    tried = ["p05.anouk", "p05.thijs", "p06.emma", "p08.milan", "p04.ruud"] * 5
    times = _every(ctx.wt.hm(d + timedelta(days=1), 4, 11), 25, 13, rng)
    for t, user in zip(times, tried, strict=True):
        portal.login(s, rng, t, user, TAKEOVER_IP, agent, ok=False)
    t = times[-1] + timedelta(seconds=70)
    portal.login(s, rng, t, acct.name, TAKEOVER_IP, agent, ok=True)
    portal.dashboard(s, rng, t + timedelta(milliseconds=500), TAKEOVER_IP, agent)
    for t2, m in zip(
        _every(t + timedelta(minutes=1), 8, 80, rng),
        rng.sample(members().of_partner["P05"], 8),
        strict=True,
    ):
        portal.view(s, rng, t2, acct.name, TAKEOVER_IP, agent, m)
    portal.logout(s, rng, t + timedelta(minutes=13), acct.name, TAKEOVER_IP, agent)
    return _done(
        s,
        "login_success_after_failures",
        "25 failed portal logins for five partner accounts from one address, then "
        "p05.anouk's password worked and eight members were read",
        {"source.ip": TAKEOVER_IP},
        user=acct.name,
        ip=TAKEOVER_IP,
    )


def new_country(ctx: Ctx, d: date) -> Incident:
    rng, s, acct = ctx.rng("new_country"), ctx.sink(), BY_NAME["e.degroot"]
    agent = pick(acct.name, STAFF_AGENTS)
    t = staff_login(
        s, rng, ctx.wt.hm(d, 14, 10, rng.uniform(0, 60)), acct.name, BRAZIL_IP, agent, 0
    )
    for m in rng.sample(members().all, 4):
        t += timedelta(seconds=rng.uniform(120, 200))
        staff_action(s, rng, t, acct, BRAZIL_IP, agent, "member.view", m)
    staff_logout(s, t + timedelta(seconds=40), acct.name, BRAZIL_IP, agent)
    return _done(
        s,
        "new_country_login",
        "e.degroot logged in from Brazil while also working from the office",
        {"user.name": acct.name, "source.geo.country_iso_code": "BR"},
        user=acct.name,
        ip=BRAZIL_IP,
    )


def api_new_ip(ctx: Ctx, d: date) -> Incident:
    rng, s, acct = ctx.rng("api_new_ip"), ctx.sink(), BY_NAME["api-dealerlink"]
    for t in _every(ctx.wt.hm(d, 11, 20), 10, 150, rng):
        api_call(s, rng, t, acct, NEW_API_IP, api_agent(acct))
    return _done(
        s,
        "api_token_new_ip",
        "api-dealerlink's token was used from an address it never used before",
        {"user.name": acct.name, "source.ip": NEW_API_IP},
        user=acct.name,
        ip=NEW_API_IP,
    )


def api_silent(ctx: Ctx, d: date) -> Incident:
    start, end = ctx.wt.hm(d, 21, 0), ctx.wt.hm(d + timedelta(days=1), 6, 0)
    planted = Planted(
        name="log_source_silent",
        description="the member API logged nothing from 21:00 to 06:00",
        user=None,
        source_ip=None,
        start=start,
        end=end,
        expect={"event.dataset": "app"},
    )
    return Incident(planted, [], silence=(start, end))


# the coding gateways and the web server --------------------------------------------------


def _ssh_failures(
    s: Sink, rng: Random, times: list[datetime], ip: str, user: str, per_connection: int
) -> None:
    host, pid, port = "", 0, 0
    for i, t in enumerate(times):
        if i % per_connection == 0:
            host, pid, port = (
                rng.choice(("gw-code1", "gw-code2")),
                rng.randint(10_000, 65_000),
                rng.randint(1_024, 65_000),
            )
            s.ssh(
                t - timedelta(seconds=1),
                host,
                pid,
                "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                f"ruser= rhost={ip}  user={user}",
            )
        s.ssh(t, host, pid, f"Failed password for {user} from {ip} port {port} ssh2")
        if i % per_connection == per_connection - 1:
            s.ssh(
                t + timedelta(milliseconds=300),
                host,
                pid,
                f"error: maximum authentication attempts exceeded for {user} from {ip} "
                f"port {port} ssh2 [preauth]",
            )
            s.ssh(
                t + timedelta(milliseconds=300),
                host,
                pid,
                f"Disconnecting authenticating user {user} {ip} port {port}: "
                "Too many authentication failures [preauth]",
            )


def ssh_bruteforce(ctx: Ctx, d: date) -> Incident:
    rng, s = ctx.rng("ssh_brute"), ctx.sink()
    times = _every(ctx.wt.hm(d + timedelta(days=1), 4, 20, 30), 60, 3.8, rng)
    _ssh_failures(s, rng, times, SSH_BRUTE_IP, "root", 6)
    return _done(
        s,
        "ssh_bruteforce",
        "60 root passwords tried on the coding gateways in four minutes",
        {"source.address": SSH_BRUTE_IP},
        user="root",
        ip=SSH_BRUTE_IP,
    )


def ssh_break_in(ctx: Ctx, d: date) -> Incident:
    rng, s = ctx.rng("ssh_break_in"), ctx.sink()
    times = _every(ctx.wt.hm(d + timedelta(days=1), 3, 40, 30), 14, 10, rng)
    _ssh_failures(s, rng, times, SSH_BREAK_IN_IP, "coder", 5)
    ssh_session(
        s, rng, times[-1] + timedelta(seconds=75), 18, "coder", SSH_BREAK_IN_IP, method="password"
    )
    return _done(
        s,
        "ssh_success_after_failures",
        "14 wrong passwords for coder on a coding gateway, then one worked",
        {"source.address": SSH_BREAK_IN_IP},
        user="coder",
        ip=SSH_BREAK_IN_IP,
    )


def _scan_paths() -> list[tuple[str, int]]:
    words = (
        "admin",
        "backup",
        "db",
        "config",
        "test",
        "old",
        "www",
        "site",
        "portal",
        "dump",
        "data",
        "private",
        "upload",
        "shell",
        "install",
        "setup",
        "phpinfo",
        "info",
        "wp-config",
        "database",
    )
    exts = (".php", ".zip", ".sql", ".bak", ".tar.gz", ".env", ".old", ".txt")
    return [(f"/{w}{e}", 403 if e == ".env" else 404) for w in words for e in exts]


def web_scanning(ctx: Ctx, d: date) -> Incident:
    rng, s = ctx.rng("web_scan"), ctx.sink()
    agent = "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"
    paths = rng.sample(_scan_paths(), 150)
    for t, (path, status) in zip(
        _every(ctx.wt.hm(d + timedelta(days=1), 1, 20, 30), 150, 1.5, rng), paths, strict=True
    ):
        s.web(t, SCANNER_IP, "GET", path, status, 196, "-", agent)
    return _done(
        s,
        "web_scanning",
        "one address asked the portal for 150 backup and admin files in four minutes",
        {"source.ip": SCANNER_IP},
        ip=SCANNER_IP,
    )


# placement ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spec:
    build: Callable[[Ctx, date], Incident]
    stream: str
    prefer: int
    """Which full working day of the window to try first (0 = the first)."""
    not_before: timedelta | None = None
    soft_before: timedelta | None = None
    """Placed before this much into the window when the calendar allows."""
    from_logins: bool = False
    """Count ``not_before``/``soft_before`` from the first morning of logins, not the start."""
    from_date: date | None = None
    """Not before this local date (the directory's date that makes the incident one)."""


SPECS = (
    Spec(
        inactive,
        APP,
        0,
        soft_before=timedelta(hours=66),
        from_date=TERMINATED_ON,
        from_logins=True,
    ),
    Spec(export_volume, APP, 0),
    Spec(cross_partner, APP, 0),
    Spec(credential_stuffing, APP, 0),
    Spec(ssh_bruteforce, SSH, 0),
    Spec(bulk_views, APP, 1),
    Spec(role_then_bulk, APP, 1),
    Spec(payment_spike, APP, 1),
    Spec(export_large, APP, 1),
    Spec(login_after_failures, APP, 1),
    Spec(web_scanning, WEB, 1),
    Spec(mfa_disabled, APP, 2),
    Spec(off_hours, APP, 2),
    Spec(password_guessing, APP, 2),
    Spec(ssh_break_in, SSH, 2),
    Spec(api_silent, APP, 2),
    Spec(new_country, APP, 3, not_before=LEARNING, from_logins=True),
    Spec(api_new_ip, APP, 3, not_before=LEARNING),
)


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime
    first_logins: datetime
    """08:00 of the first working day whose morning is inside the window."""


def _fits(inc: Incident, w: Window, spec: Spec, wt: WorkTime, strict: bool) -> bool:
    p = inc.planted
    if p.start < w.start or p.end >= w.end:
        return False
    base = w.first_logins if spec.from_logins else w.start
    if spec.not_before is not None and p.start < base + spec.not_before:
        return False
    if spec.from_date is not None and p.start < wt.hm(spec.from_date, 0, 0):
        return False
    return not (strict and spec.soft_before is not None and p.end >= base + spec.soft_before)


def plan(
    start: datetime, end: datetime, seed: int, wt: WorkTime, streams: frozenset[str]
) -> list[Incident]:
    """Every incident that fits the window and the streams being written, in rule order."""
    ctx = Ctx(seed, wt)
    dates = wt.days(start, end)
    workdays = [
        d for d in dates if wt.working(d) and wt.hm(d, 8, 0) >= start and wt.hm(d, 18, 0) <= end
    ]
    mornings = [wt.hm(d, 8, 0) for d in dates if wt.working(d) and wt.hm(d, 8, 0) >= start]
    window = Window(start, end, mornings[0] if mornings else end)
    out = []
    for spec in SPECS:
        if spec.stream not in streams:
            continue
        k = min(spec.prefer, len(workdays) - 1) if workdays else 0
        candidates = workdays[k:] + workdays[:k] + [d for d in dates if d not in workdays]
        passes = (True, False) if spec.soft_before is not None else (True,)
        chosen = next(
            (
                inc
                for strict in passes
                for d in candidates
                if _fits(inc := spec.build(ctx, d), window, spec, wt, strict)
            ),
            None,
        )
        if chosen is not None:
            out.append(chosen)
    return sorted(out, key=lambda inc: inc.planted.name)
