"""A normal day at the company, account by account: the background the incidents hide in.

Every generator here writes one local day and nothing outside it, so the demo can
be written day by day in time order. Each draws from its own random stream,
seeded by the demo seed, what it is and the date, so a day's events do not
depend on which other days are generated.

Staff work in the office (or from home) on working days between 08:00 and
18:00 Amsterdam time, logging in in the morning and again after lunch; partner
garages use the portal on the same days; the API integrations and the internet
never stop.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from random import Random

from sentinel.demo import portal
from sentinel.demo.accounts import (
    APIS,
    CODER_IPS,
    DEPLOY_IP,
    GATEWAYS,
    MONITOR_IP,
    NIGHTLY,
    PARTNERS,
    SCANNER_BLOCKS,
    STAFF,
    Account,
    members,
)
from sentinel.demo.sink import Sink
from sentinel.demo.worktime import WorkTime

HOUR = 3600.0

STAFF_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
)
PARTNER_AGENTS = (
    *STAFF_AGENTS,
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
)
SCANNER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/81.0.4044.129 Safari/537.36",
    "Mozilla/5.0 zgrab/0.x",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "curl/7.88.1",
)
PROBES = (
    ("/wp-login.php", 404),
    ("/.env", 404),
    ("/.git/config", 403),
    ("/phpmyadmin/index.php", 404),
    ("/admin/", 404),
    ("/xmlrpc.php", 404),
    ("/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", 404),
    ("/cgi-bin/luci", 404),
    ("/boaform/admin/formLogin", 404),
    ("/server-status", 403),
    ("/actuator/health", 404),
    ("/owa/auth/logon.aspx", 404),
    ("/.aws/credentials", 404),
    ("/config.json", 404),
    ("/HNAP1/", 404),
    ("/solr/admin/info/system", 404),
    ("/robots.txt", 200),
)
SSH_GUESSES = ("root", "root", "root", "root", "admin", "test", "ubuntu", "oracle", "user", "git")


def pick(name: str, options: Sequence[str]) -> str:
    """A choice that stays the same for a name in every demo (someone's browser)."""
    return options[
        int(hashlib.blake2b(name.encode(), digest_size=2).hexdigest(), 16) % len(options)
    ]


@dataclass(frozen=True, slots=True)
class Day:
    """One local day of the demo, with random streams seeded by what they generate."""

    date: date
    seed: int
    wt: WorkTime
    resumed: bool = False
    """The window began after this morning's logins: sessions are already open, nobody
    logs in again today (their first login in the data is the next working morning)."""

    def rng(self, *what: str) -> Random:
        return Random(f"{self.seed}:{':'.join(what)}:{self.date.isoformat()}")

    @property
    def working(self) -> bool:
        return self.wt.working(self.date)

    def at(self, seconds: float) -> datetime:
        return self.wt.at(self.date, seconds)


# back-office staff ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    """How a role works: seconds between actions and how often each action comes up."""

    gap: float
    actions: tuple[str, ...]
    weights: tuple[float, ...]
    exports: bool


PROFILES = {
    "backoffice": Profile(
        150,
        ("member.view", "member.search", "member.update", "vehicle.view"),
        (0.48, 0.24, 0.16, 0.12),
        True,
    ),
    "support": Profile(
        170,
        (
            "member.view",
            "member.search",
            "vehicle.view",
            "vehicle.session.start",
            "member.update",
            "password.reset",
        ),
        (0.44, 0.26, 0.14, 0.04, 0.11, 0.01),
        True,
    ),
    "finance": Profile(
        300,
        ("payment.view", "member.view", "member.search", "payment.update"),
        (0.35, 0.30, 0.20, 0.15),
        False,
    ),
    "admin": Profile(
        360,
        (
            "member.view",
            "member.search",
            "member.update",
            "vehicle.view",
            "role.change",
            "mfa.enable",
            "password.reset",
        ),
        (0.42, 0.26, 0.13, 0.15, 0.01, 0.01, 0.02),
        False,
    ),
}
_PATHS = {
    "member.view": "/backoffice/members/{m}",
    "member.update": "/backoffice/members/{m}",
    "vehicle.view": "/backoffice/members/{m}/vehicles",
    "vehicle.session.start": "/backoffice/members/{m}/vehicles/session",
    "payment.view": "/backoffice/payments/{m}",
    "payment.update": "/backoffice/payments/{m}",
}
ADMIN_ROLES = frozenset({"admin"})


def profile_of(account: Account) -> Profile:
    for role in ("admin", "finance", "backoffice", "support"):
        if role in account.roles:
            return PROFILES[role]
    raise ValueError(f"{account.name} has no back-office role")


def _not_admin(accounts: Sequence[Account]) -> tuple[str, ...]:
    return tuple(a.name for a in accounts if not ADMIN_ROLES & set(a.roles))


RESET_TARGETS = _not_admin(STAFF) + tuple(a.name for a in PARTNERS)
ROLE_TARGETS = _not_admin(STAFF)


def staff_login(
    sink: Sink, rng: Random, ts: datetime, user: str, ip: str, agent: str, typo: float = 0.06
) -> datetime:
    """A back-office login, now and then after one mistyped password; returns the success time."""
    if rng.random() < typo:
        sink.app(
            ts,
            "login",
            user,
            ip,
            "backoffice",
            outcome="failure",
            path="/backoffice/login",
            agent=agent,
        )
        ts += timedelta(seconds=rng.uniform(6, 40))
    sink.app(ts, "login", user, ip, "backoffice", path="/backoffice/login", agent=agent)
    return ts


def staff_logout(sink: Sink, ts: datetime, user: str, ip: str, agent: str) -> None:
    sink.app(ts, "logout", user, ip, "backoffice", path="/backoffice/logout", agent=agent)


def staff_export(sink: Sink, ts: datetime, user: str, ip: str, agent: str, records: int) -> None:
    sink.app(
        ts,
        "member.export",
        user,
        ip,
        "backoffice",
        path="/backoffice/members/export",
        records=records,
        agent=agent,
    )


def staff_action(
    sink: Sink,
    rng: Random,
    ts: datetime,
    account: Account,
    ip: str,
    agent: str,
    action: str,
    member: str,
) -> None:
    """One back-office action: on ``member``, or on another account for account administration."""
    user = account.name
    owner = members().partner[member]
    if action == "member.search":
        sink.app(ts, action, user, ip, "backoffice", path="/backoffice/members/search", agent=agent)
    elif action in ("password.reset", "role.change", "mfa.enable"):
        pool = ROLE_TARGETS if action == "role.change" else RESET_TARGETS
        target = rng.choice([t for t in pool if t != user])
        granted = rng.choice(("support", "backoffice")) if action == "role.change" else None
        suffix = {"password.reset": "password", "role.change": "roles", "mfa.enable": "mfa"}
        sink.app(
            ts,
            action,
            user,
            ip,
            "backoffice",
            path=f"/backoffice/users/{target}/{suffix[action]}",
            target=target,
            granted=granted,
            agent=agent,
        )
    else:
        sink.app(
            ts,
            action,
            user,
            ip,
            "backoffice",
            path=_PATHS[action].format(m=member),
            member=(member, owner),
            agent=agent,
        )


def staff_day(sink: Sink, day: Day, account: Account) -> None:
    """Two sessions, morning and afternoon, inside office hours on a working day."""
    if not day.working:
        return
    rng = day.rng("staff", account.name)
    ip = account.home_ip if account.home_ip and rng.random() < 0.15 else account.ip
    agent = pick(account.name, STAFF_AGENTS)
    profile = profile_of(account)
    arrive = 8 * HOUR + rng.uniform(60, 80 * 60)
    lunch = 12 * HOUR + rng.uniform(0, 45 * 60)
    back = lunch + rng.uniform(25 * 60, 45 * 60)
    leave = 16.5 * HOUR + rng.uniform(0, 75 * 60)
    exports_today = profile.exports and rng.random() < 0.15
    export_at = rng.uniform(arrive + 600, leave - 600) if exports_today else None
    everyone = members().all
    for start, end in ((arrive, lunch), (back, leave)):
        clock = start
        if not day.resumed:
            t = staff_login(sink, rng, day.at(start), account.name, ip, agent)
            clock += (t - day.at(start)).total_seconds()
        clock += rng.uniform(4, 30)
        current = rng.choice(everyone)
        while True:
            clock += rng.expovariate(1 / profile.gap)
            if clock >= end - 30:
                break
            action = rng.choices(profile.actions, profile.weights)[0]
            if action in ("member.view", "member.search") or rng.random() < 0.3:
                current = rng.choice(everyone)
            staff_action(sink, rng, day.at(clock), account, ip, agent, action, current)
        if export_at is not None and start <= export_at < end:
            staff_export(sink, day.at(export_at), account.name, ip, agent, rng.randint(10, 80))
        staff_logout(sink, day.at(end), account.name, ip, agent)


def nightly_batch(sink: Sink, day: Day) -> None:
    """The reconciliation job logs in and out at night; it reads no one's record."""
    rng = day.rng("nightly")
    start = 1 * HOUR + 10 * 60 + rng.uniform(0, 300)
    for offset, action in ((0.0, "login"), (rng.uniform(1200, 2100), "logout")):
        sink.app(
            day.at(start + offset),
            action,
            NIGHTLY.name,
            NIGHTLY.ip,
            "backoffice",
            path=f"/backoffice/{action}",
            agent="reconcile/4.2",
        )


# partner portal -----------------------------------------------------------------


def portal_exporters(day: Day) -> frozenset[str]:
    """At most two partner admins download a member list on a day."""
    rng = day.rng("portal-exports")
    admins = [a.name for a in PARTNERS if "partner-admin" in a.roles]
    return frozenset(rng.sample(admins, rng.choice((0, 1, 1, 2))))


def partner_day(sink: Sink, day: Day, account: Account, exporters: frozenset[str]) -> None:
    """Two or three short portal sessions on their own garage's members."""
    if not day.working:
        return
    rng = day.rng("partner", account.name)
    ip = account.home_ip if account.home_ip and rng.random() < 0.1 else account.ip
    agent = pick(account.name, PARTNER_AGENTS)
    own = members().of_partner[account.organisation]
    starts = [rng.uniform(8 * HOUR, 10 * HOUR), rng.uniform(13 * HOUR, 15 * HOUR)]
    if rng.random() < 0.4:
        starts.append(rng.uniform(15.5 * HOUR, 17.5 * HOUR))
    for n, start in enumerate(starts):
        t = day.at(start)
        if not day.resumed:
            portal.login_page(sink, rng, t, ip, agent)
            t += timedelta(seconds=rng.uniform(5, 25))
            if rng.random() < 0.05:
                portal.login(sink, rng, t, account.name, ip, agent, ok=False)
                t += timedelta(seconds=rng.uniform(8, 30))
            portal.login(sink, rng, t, account.name, ip, agent, ok=True)
        portal.dashboard(sink, rng, t + timedelta(milliseconds=400), ip, agent)
        member = rng.choice(own)
        for _ in range(rng.randint(3, 7)):
            t += timedelta(seconds=rng.uniform(20, 240))
            action = rng.choices(("search", "view", "vehicles"), (0.3, 0.5, 0.2))[0]
            if action == "search":
                portal.search(sink, rng, t, account.name, ip, agent)
                continue
            if action == "view":
                member = rng.choice(own)
                portal.view(sink, rng, t, account.name, ip, agent, member)
            else:
                portal.vehicles(sink, rng, t, account.name, ip, agent, member)
        if n == 1 and account.name in exporters:
            t += timedelta(seconds=rng.uniform(30, 90))
            portal.export(sink, rng, t, account.name, ip, agent, rng.randint(15, 90))
        t += timedelta(seconds=rng.uniform(10, 120))
        portal.logout(sink, rng, t, account.name, ip, agent)


# API integrations -----------------------------------------------------------------


def api_call(sink: Sink, rng: Random, ts: datetime, account: Account, ip: str, agent: str) -> None:
    """A token use and the member call it authorised."""
    sink.app(ts, "token.use", account.name, ip, "api", path="/api/v2/token", agent=agent)
    ts += timedelta(milliseconds=rng.randint(15, 120))
    if rng.random() < 0.25:
        sink.app(ts, "member.search", account.name, ip, "api", path="/api/v2/members", agent=agent)
        return
    member = rng.choice(members().of_partner[account.organisation])
    sink.app(
        ts,
        "member.view",
        account.name,
        ip,
        "api",
        path=f"/api/v2/members/{member}",
        member=(member, account.organisation),
        agent=agent,
    )


def api_agent(account: Account) -> str:
    name = account.name.removeprefix("api-").capitalize()
    return f"{name}-Sync/3.2 python-requests/2.31.0"


def api_day(
    sink: Sink, day: Day, account: Account, silences: Sequence[tuple[datetime, datetime]]
) -> None:
    """Calls around the clock, busier in the day, and a nightly export of the partner's list."""

    def silent(ts: datetime) -> bool:
        return any(a <= ts < b for a, b in silences)

    rng = day.rng("api", account.name)
    agent = api_agent(account)
    lo, hi = day.wt.bounds(day.date)
    t = lo + timedelta(seconds=rng.uniform(0, 200))
    while t < hi:
        if not silent(t):
            api_call(sink, rng, t, account, account.ip, agent)
        gap = 100 if 7 <= day.wt.local(t).hour < 19 else 420
        t += timedelta(milliseconds=round(rng.expovariate(1 / gap) * 1000) + 1)
    export_at = day.at(1.5 * HOUR + rng.uniform(0, 600))
    if not silent(export_at):
        sink.app(
            export_at,
            "member.export",
            account.name,
            account.ip,
            "api",
            path="/api/v2/members/export",
            records=rng.randint(60, 240),
            agent=agent,
        )


# SSH on the coding gateways ------------------------------------------------------------


def fingerprint(user: str) -> str:
    digest = hashlib.sha256(f"demo-key:{user}".encode()).digest()
    return base64.b64encode(digest).decode().rstrip("=")


def ssh_session(
    sink: Sink,
    rng: Random,
    ts: datetime,
    minutes: float,
    user: str,
    ip: str,
    *,
    method: str = "publickey",
) -> None:
    host = rng.choice(GATEWAYS)
    pid = rng.randint(10_000, 65_000)
    port = rng.randint(32_768, 60_999)
    uid = {"deploy": 1001, "coder": 1002}.get(user, 1003)
    key = f": ED25519 SHA256:{fingerprint(user)}" if method == "publickey" else ""
    sink.ssh(ts, host, pid, f"Accepted {method} for {user} from {ip} port {port} ssh2{key}")
    sink.ssh(
        ts + timedelta(milliseconds=40),
        host,
        pid,
        f"pam_unix(sshd:session): session opened for user {user}(uid={uid}) by (uid=0)",
    )
    end = ts + timedelta(minutes=minutes)
    sink.ssh(end, host, pid, f"Received disconnect from {ip} port {port}:11: disconnected by user")
    sink.ssh(end, host, pid, f"Disconnected from user {user} {ip} port {port}")
    sink.ssh(end, host, pid, f"pam_unix(sshd:session): session closed for user {user}")


def ssh_work(sink: Sink, day: Day) -> None:
    """Deployments and developers on the gateways, by key, from the office."""
    if not day.working:
        return
    rng = day.rng("ssh-work")
    for _ in range(rng.randint(3, 8)):
        at = day.at(rng.uniform(8.5 * HOUR, 17.5 * HOUR))
        ssh_session(sink, rng, at, rng.uniform(1, 10), "deploy", DEPLOY_IP)
    for ip in CODER_IPS:
        if rng.random() < 0.8:
            for _ in range(rng.randint(1, 3)):
                at = day.at(rng.uniform(8.5 * HOUR, 16 * HOUR))
                ssh_session(sink, rng, at, rng.uniform(10, 110), "coder", ip)


def scanner_ip(rng: Random, avoid: frozenset[str]) -> str:
    while True:
        prefix, hosts = rng.choice(SCANNER_BLOCKS)
        ip = f"{prefix}{rng.randint(1, hosts)}"
        if ip not in avoid:
            return ip


def ssh_guess(sink: Sink, rng: Random, ts: datetime, ip: str, user: str, attempts: int) -> None:
    """One connection of a password-guessing bot: a few tries, then it goes away."""
    host = rng.choice(GATEWAYS)
    pid = rng.randint(10_000, 65_000)
    port = rng.randint(1_024, 65_000)
    invalid = user != "root"
    who = f"invalid user {user}" if invalid else user
    if invalid:
        sink.ssh(ts, host, pid, f"Invalid user {user} from {ip} port {port}")
        pam = "pam_unix(sshd:auth): check pass; user unknown"
    else:
        pam = (
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
            f"ruser= rhost={ip}  user=root"
        )
    ts += timedelta(seconds=rng.uniform(0.5, 2))
    sink.ssh(ts, host, pid, pam)
    failed = f"Failed password for {who} from {ip} port {port} ssh2"
    ts += timedelta(seconds=rng.uniform(1.5, 3))
    sink.ssh(ts, host, pid, failed)
    if attempts > 1:
        ts += timedelta(seconds=rng.uniform(2, 6) * (attempts - 1))
        sink.ssh(ts, host, pid, f"message repeated {attempts - 1} times: [ {failed}]")
    ts += timedelta(seconds=rng.uniform(0.5, 2))
    closing = (
        f"Disconnected from invalid user {user} {ip} port {port} [preauth]"
        if invalid
        else f"Connection closed by authenticating user root {ip} port {port} [preauth]"
    )
    sink.ssh(ts, host, pid, closing)


def ssh_noise(sink: Sink, day: Day, avoid: frozenset[str]) -> None:
    """A few bots an hour trying root and common names: below any brute-force threshold."""
    rng = day.rng("ssh-noise")
    lo, hi = day.wt.bounds(day.date)
    hours = int((hi - lo).total_seconds() // HOUR)
    for h in range(hours):
        for _ in range(rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))):
            at = lo + timedelta(seconds=h * HOUR + rng.uniform(0, HOUR - 30))
            ssh_guess(
                sink,
                rng,
                at,
                scanner_ip(rng, avoid),
                rng.choice(SSH_GUESSES),
                rng.choice((1, 1, 2, 3)),
            )


# the portal's web server, apart from partner traffic ---------------------------------------


def web_noise(sink: Sink, day: Day, avoid: frozenset[str]) -> None:
    """The uptime monitor every five minutes and a few bots probing for known weak spots."""
    rng = day.rng("web-noise")
    lo, hi = day.wt.bounds(day.date)
    t = lo + timedelta(seconds=rng.uniform(0, 300))
    while t < hi:
        sink.web(t, MONITOR_IP, "GET", "/portal/health", 200, 2, "-", "uptime-check/2.1")
        t += timedelta(seconds=300)
    hours = int((hi - lo).total_seconds() // HOUR)
    for h in range(hours):
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            ip = scanner_ip(rng, avoid)
            agent = rng.choice(SCANNER_AGENTS)
            t = lo + timedelta(seconds=h * HOUR + rng.uniform(0, HOUR - 60))
            for path, status in rng.sample(PROBES, rng.randint(1, 4)):
                t += timedelta(seconds=rng.uniform(0.3, 3))
                size = 1_850 if status == 200 else 196
                sink.web(t, ip, "GET", path, status, size, "-", agent)


def normal_day(
    sink: Sink,
    day: Day,
    silences: Sequence[tuple[datetime, datetime]],
    avoid: frozenset[str],
) -> None:
    """Everything that happens on a normal day, except the incidents."""
    for account in STAFF:
        staff_day(sink, day, account)
    nightly_batch(sink, day)
    exporters = portal_exporters(day)
    for account in PARTNERS:
        partner_day(sink, day, account, exporters)
    for account in APIS:
        api_day(sink, day, account, silences)
    ssh_work(sink, day)
    ssh_noise(sink, day, avoid)
    web_noise(sink, day, avoid)
