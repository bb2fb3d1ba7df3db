"""The demo's member directory: names, emails and languages for the breach letters.

Made up but stable: a member has the same name in every demo, so a letter drafted
from one run can be compared with the next. A few members are left out on
purpose, as in any real directory, so the letters show how missing ones are listed.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from sentinel.demo.accounts import DIRECT, members

HEADER = ("member_id", "name", "email", "language", "partner_name")
FIRST = (
    "Anna",
    "Bas",
    "Carla",
    "Dirk",
    "Eva",
    "Frank",
    "Ilse",
    "Jan",
    "Karin",
    "Luuk",
    "Marloes",
    "Niels",
    "Olga",
    "Pieter",
    "Rianne",
    "Stijn",
    "Tamara",
    "Vincent",
)
LAST = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
)
PARTNER_NAMES = {
    "P01": "Autobedrijf Hermans",
    "P02": "Garage Willems",
    "P03": "Verhoeven Auto",
    "P04": "Gerritsen Car Service",
    "P05": "Kramer Autotechniek",
    "P06": "Jacobs Garage",
    "P07": "Van der Berg Auto's",
    "P08": "Peeters Diagnose",
    "P09": "Hoekstra Mobiliteit",
    "P10": "Koster Autoservice",
    "P11": "Wouters Garage",
    "P12": "Prins Auto",
}


def _pick(member: str) -> int:
    return int.from_bytes(hashlib.blake2b(member.encode(), digest_size=4).digest(), "big")


def write_member_directory(path: Path) -> int:
    """Write the directory; returns the number of members in it."""
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for member, partner in members().partner.items():
            h = _pick(member)
            if h % 250 == 0:
                continue
            first, last = FIRST[h % len(FIRST)], LAST[(h // 32) % len(LAST)]
            local = f"{first}.{last}".lower().replace(" ", "")
            language = "en" if h % 10 == 0 else "nl"
            out.writerow(
                (
                    member,
                    f"{first} {last}",
                    f"{local}.{member[1:]}@example.nl",
                    language,
                    "" if partner == DIRECT else PARTNER_NAMES[partner],
                )
            )
            written += 1
    return written
