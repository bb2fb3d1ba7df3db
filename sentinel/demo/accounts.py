"""Who works in the demo company: accounts, their addresses, and the members they look up.

``config/directory.csv`` is written from ``ACCOUNTS`` (``directory_rows``), so the
generator and the directory the enrichment reads can never disagree.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

Kind = Literal["staff", "partner", "api"]

DIRECTORY_HEADER = (
    "account",
    "user_id",
    "display_name",
    "kind",
    "organisation",
    "roles",
    "status",
    "status_since",
)

TERMINATED_ON = date(2026, 9, 30)
"""m.jansen's last day; demo windows after it show his account still being used."""


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    display: str
    kind: Kind
    organisation: str
    roles: tuple[str, ...]
    ip: str
    """Where the account normally works from: an office desk, a garage, an API server."""
    home_ip: str | None = None
    """A second, same-country address (home, mobile) used on some days."""
    status: str = "active"
    since: date | None = None

    @property
    def works(self) -> bool:
        """Does the account do day-to-day work in the demo (not closed, not a service)?"""
        return self.status == "active"


def _staff(name: str, display: str, roles: str, desk: int, home: str) -> Account:
    return Account(
        name, display, "staff", "staff", tuple(roles.split(";")), f"145.97.10.{desk}", home
    )


def _partner(name: str, display: str, org: str, roles: str, ip: str, mobile: str) -> Account:
    return Account(name, display, "partner", org, (roles,), ip, mobile)


STAFF = (
    _staff("j.devries", "Jan de Vries", "backoffice", 21, "84.24.113.7"),
    _staff("s.visser", "Sanne Visser", "backoffice", 22, "77.162.5.201"),
    _staff("k.smit", "Koen Smit", "backoffice", 23, "86.81.22.14"),
    _staff("r.bos", "Rik Bos", "backoffice;support", 24, "31.151.40.9"),
    _staff("l.mulder", "Lisa Mulder", "backoffice;support", 25, "62.194.77.3"),
    _staff("a.dekker", "Anouk Dekker", "backoffice;support", 26, "92.109.15.60"),
    _staff("n.finance", "Nora van Dijk", "finance", 27, "178.84.201.17"),
    _staff("b.finance", "Bas de Boer", "finance", 28, "80.100.33.5"),
    _staff("e.degroot", "Eva de Groot", "support", 29, "94.208.50.2"),
    _staff("f.admin", "Frank Admiraal", "admin;backoffice", 30, "83.80.14.2"),
    _staff("g.admin2", "Gerda Brouwer", "admin;backoffice", 31, "81.207.33.4"),
    _staff("t.hendriks", "Tom Hendriks", "support", 32, "145.53.10.4"),
    _staff("w.kok", "Wim Kok", "support", 33, "188.207.33.2"),
    _staff("h.meijer", "Hanna Meijer", "backoffice", 34, "87.208.120.9"),
    _staff("c.peters", "Chris Peters", "backoffice", 35, "62.194.77.88"),
    _staff("y.bakker", "Yara Bakker", "support", 36, "84.24.61.19"),
)

TERMINATED = Account(
    "m.jansen",
    "Mark Jansen",
    "staff",
    "staff",
    ("backoffice",),
    "145.97.10.37",
    "86.81.140.52",
    status="terminated",
    since=TERMINATED_ON,
)

NIGHTLY = Account("svc-nightly", "Nightly reconciliation", "staff", "staff", ("ops",), "10.20.0.5")
"""The nightly batch: logs in and out of the back office, touches nobody's data."""

PARTNERS = (
    _partner("p01.joost", "Joost Hermans", "P01", "partner-admin", "213.124.98.10", "31.151.9.77"),
    _partner("p01.sanne", "Sanne Kuipers", "P01", "partner-user", "213.124.98.10", "31.151.9.78"),
    _partner("p02.bram", "Bram Willems", "P02", "partner-admin", "82.94.160.33", "62.194.3.12"),
    _partner("p03.anouk", "Anouk Verhoeven", "P03", "partner-admin", "195.240.70.4", "77.162.8.9"),
    _partner("p03.kees", "Kees van Leeuwen", "P03", "partner-user", "195.240.70.4", "77.162.8.40"),
    _partner("p03.lotte", "Lotte Smits", "P03", "partner-user", "195.240.70.4", "77.162.8.41"),
    _partner("p04.ruud", "Ruud Gerritsen", "P04", "partner-admin", "217.62.18.77", "84.24.9.3"),
    _partner("p05.anouk", "Anouk Kramer", "P05", "partner-admin", "87.208.120.200", "86.81.3.3"),
    _partner("p05.thijs", "Thijs Vos", "P05", "partner-user", "87.208.120.200", "86.81.3.4"),
    _partner("p06.emma", "Emma Jacobs", "P06", "partner-admin", "80.100.140.6", "92.109.7.7"),
    _partner("p07.daan", "Daan van der Berg", "P07", "partner-admin", "212.178.70.5", "178.84.2.2"),
    _partner("p07.fleur", "Fleur Maas", "P07", "partner-user", "212.178.70.5", "178.84.2.3"),
    _partner("p08.milan", "Milan Peeters", "P08", "partner-admin", "82.94.161.90", "31.151.77.1"),
    _partner("p09.iris", "Iris Hoekstra", "P09", "partner-admin", "195.240.71.12", "62.194.9.9"),
    _partner("p10.sem", "Sem Koster", "P10", "partner-admin", "213.124.99.31", "77.162.70.7"),
    _partner("p11.noor", "Noor Wouters", "P11", "partner-admin", "217.62.19.40", "84.24.88.8"),
    _partner("p12.julia", "Julia Prins", "P12", "partner-admin", "80.100.141.7", "94.208.3.30"),
)

SUSPENDED = Account(
    "p12.lucas",
    "Lucas Prins",
    "partner",
    "P12",
    ("partner-user",),
    "80.100.141.7",
    status="suspended",
    since=date(2026, 6, 1),
)

APIS = (
    Account("api-dealerlink", "DealerLink integration", "api", "P03", ("api",), "109.236.80.14"),
    Account("api-garagenet", "GarageNet integration", "api", "P05", ("api",), "85.17.24.70"),
    Account("api-autoplus", "AutoPlus integration", "api", "P07", ("api",), "81.171.20.9"),
)

ACCOUNTS = (*STAFF, TERMINATED, NIGHTLY, *PARTNERS, SUSPENDED, *APIS)
BY_NAME = {a.name: a for a in ACCOUNTS}

PARTNER_IDS = tuple(f"P{n:02d}" for n in range(1, 13))
DIRECT = "direct"

# Gateway OS accounts and where they log in from (not in the application directory).
DEPLOY_IP = "145.97.10.8"
CODER_IPS = ("145.97.10.61", "145.97.10.62", "145.97.10.63", "84.24.113.90")
GATEWAYS = ("gw-code1", "gw-code2")
MONITOR_IP = "185.224.128.42"

# Scattered internet background: (network prefix, how many hosts) per block.
SCANNER_BLOCKS = (
    ("218.92.0.", 254),
    ("61.177.172.", 254),
    ("222.186.30.", 254),
    ("112.85.42.", 254),
    ("45.155.205.", 254),
    ("141.98.11.", 254),
    ("2.57.122.", 254),
    ("194.165.16.", 254),
    ("79.110.62.", 254),
    ("80.94.95.", 254),
    ("159.223.40.", 254),
    ("164.92.150.", 254),
)


def directory_rows() -> list[dict[str, str]]:
    """The directory CSV rows (config/directory.csv), user ids in account order."""
    return [
        {
            "account": a.name,
            "user_id": f"U{1001 + i}",
            "display_name": a.display,
            "kind": a.kind,
            "organisation": a.organisation,
            "roles": ";".join(a.roles),
            "status": a.status,
            "status_since": a.since.isoformat() if a.since else "",
        }
        for i, a in enumerate(ACCOUNTS)
    ]


def write_directory(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=DIRECTORY_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(directory_rows())


# Members -----------------------------------------------------------------------

MEMBER_COUNT = 5000
FIRST_MEMBER = 200_000


def _partner_of(number: int) -> str:
    """Stable across seeds: a member belongs to the same partner in every demo."""
    h = int.from_bytes(hashlib.blake2b(f"M{number}".encode(), digest_size=4).digest(), "big")
    return DIRECT if h % 100 < 26 else PARTNER_IDS[(h // 100) % len(PARTNER_IDS)]


@dataclass(frozen=True, slots=True)
class Members:
    """Member ids (M2xxxxx) with the partner each belongs to, or ``direct``."""

    partner: dict[str, str]
    of_partner: dict[str, tuple[str, ...]]
    all: tuple[str, ...]


@cache
def members() -> Members:
    partner = {f"M{n}": _partner_of(n) for n in range(FIRST_MEMBER, FIRST_MEMBER + MEMBER_COUNT)}
    grouped: dict[str, list[str]] = {}
    for member, owner in partner.items():
        grouped.setdefault(owner, []).append(member)
    return Members(
        partner=partner,
        of_partner={k: tuple(v) for k, v in grouped.items()},
        all=tuple(partner),
    )
