"""Dates in the facts that contradict each other, said before the AP reads them.

A breach starts, may end, is discovered and then the organisation becomes
aware of it (EDPB Guidelines 9/2022: awareness follows discovery and a short
investigation). Facts recorded by different people at different times can put
these out of order, or in the future; each such pair is named, with both times
in local time, so the privacy officer corrects it before the notification goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sentinel.incidents.facts import UNKNOWN, Facts, label
from sentinel.localtime import show

ORDER: tuple[tuple[str, str], ...] = (
    ("dates.started", "dates.ended"),
    ("dates.started", "dates.discovered"),
    ("dates.discovered", "dates.aware"),
    ("dates.started", "dates.aware"),
)
"""(earlier, later): the first may not come after the second."""
PAST = ("dates.started", "dates.ended", "dates.discovered", "dates.aware")


@dataclass(frozen=True, slots=True)
class Contradiction:
    facts: tuple[str, ...]
    nl: str
    en: str

    def text(self, lang: str) -> str:
        return self.nl if lang == "nl" else self.en


def contradictions(facts: Facts, now: datetime, zone: ZoneInfo) -> list[Contradiction]:
    """Every contradiction among the known dates; none when the dates are unknown."""

    def at(name: str) -> str:
        return show(facts.value(name), zone, seconds=False)

    found = []
    for earlier, later in ORDER:
        a, b = facts.value(earlier), facts.value(later)
        if a is not UNKNOWN and b is not UNKNOWN and a > b:
            found.append(
                Contradiction(
                    (earlier, later),
                    f"{label(earlier, 'nl')} ({at(earlier)}) ligt na "
                    f"{label(later, 'nl')} ({at(later)})",
                    f"{label(earlier)} ({at(earlier)}) is after {label(later)} ({at(later)})",
                )
            )
    for name in PAST:
        value = facts.value(name)
        if value is not UNKNOWN and value > now:
            found.append(
                Contradiction(
                    (name,),
                    f"{label(name, 'nl')} ({at(name)}) ligt in de toekomst",
                    f"{label(name)} ({at(name)}) is in the future",
                )
            )
    ended = facts.value("dates.ended")
    if facts.value("dates.ongoing") is True and ended is not UNKNOWN and ended <= now:
        found.append(
            Contradiction(
                ("dates.ongoing", "dates.ended"),
                "het datalek duurt volgens de feiten nog voort, maar eindigde ook "
                f"({at('dates.ended')})",
                f"the facts say the breach is still going on, yet also that it ended "
                f"({at('dates.ended')})",
            )
        )
    return found
