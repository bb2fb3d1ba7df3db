"""How fast the member letters of a large breach are made, and whether memory stays flat.

For each size, in a fresh process: one account views that many different
members within the hour; the shipped rule pack raises the bulk-viewing alert;
an incident is opened from it; then the timed part, as the privacy officer runs
it: the affected members are read from the evidence and joined with a member
directory (CSV), the letters are rendered (one per partner, data and language),
the recipient list is written and, once the letters are approved, one ``.eml``
per member.

    .venv/bin/python bench/letters.py [--sizes 10000 100000]

Prints members/s for each stage, and the peak memory of each run before the
letters (after writing the events: SQLite's page cache grows with the database
up to its limit) and after them: the difference is what the letters cost.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sentinel.alerts import Alerts  # noqa: E402
from sentinel.detection.engine import Engine  # noqa: E402
from sentinel.detection.loader import load_rules  # noqa: E402
from sentinel.drafts.ap import Organisation  # noqa: E402
from sentinel.drafts.eml import write_eml  # noqa: E402
from sentinel.drafts.members import write_recipients  # noqa: E402
from sentinel.drafts.service import DraftService  # noqa: E402
from sentinel.events import Event, event_id  # noqa: E402
from sentinel.incidents.service import Incidents  # noqa: E402
from sentinel.store.sqlite import SQLiteStore  # noqa: E402

START = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
PARTNERS = [f"P{p:02d}" for p in range(1, 13)] + ["direct"]
FACTS = {
    "summary": "Een medewerker heeft 's nachts zonder reden ledengegevens bekeken.",
    "summary@en": "A staff member viewed member records at night without a reason.",
    "consequences": {
        "description": "U kunt phishingberichten krijgen die uw gegevens gebruiken.",
        "description@en": "You may receive phishing messages that use your details.",
    },
    "measures": {"taken": ["account geblokkeerd"], "taken@en": ["account blocked"]},
}


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def views(n: int) -> Iterator[list[Event]]:
    """n different members viewed by one account within the hour."""
    step = timedelta(minutes=50) / n
    batch = []
    for i in range(n):
        fields = {
            "event.action": "member.view",
            "user.name": "s.insider",
            "sentinel.member.id": f"M{i:07d}",
            "sentinel.member.partner_id": PARTNERS[i % len(PARTNERS)],
            "sentinel.data_categories": ["contact", "identity"],
        }
        batch.append(Event(event_id("bench", str(i)), START + step * i, "app", fields))
        if len(batch) == 20_000:
            yield batch
            batch = []
    if batch:
        yield batch


def directory(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["member_id", "name", "email", "language"])
        for i in range(n):
            out.writerow([f"M{i:07d}", f"Lid {i}", f"lid{i}@example.nl", "en" if i % 9 else "nl"])


def one(n: int, tmp: Path) -> dict[str, float]:
    store = SQLiteStore(f"sqlite:///{tmp}/letters-{n}.db")
    store.init()
    for batch in views(n):
        store.write_events(batch)
    clock = FixedClock(START + timedelta(hours=3))
    rules = load_rules([ROOT / "rules"]).ruleset
    bulk = [r for r in rules.alerting() if r.name == "bulk_member_views"]
    engine = Engine(store, rules, Alerts(store, clock), clock, max_window=timedelta(days=1))
    engine.backfill(START - timedelta(hours=1), clock.now(), bulk)
    incidents = Incidents(store, clock)
    alert_ids = [rec.id for rec in store.find_records("alert")]
    assert len(alert_ids) == 1, alert_ids  # overlapping windows, one alert
    inc = incidents.open("Bulk viewing", by="bench", alerts=alert_ids).incident.id
    incidents.update_facts(inc, _flat(FACTS), by="bench")
    organisation = Organisation(
        "Voertuigcodering B.V.", "Stationsplein 1, Utrecht", "M. de Wit", "fg@example.nl", "030"
    )
    drafts = DraftService(incidents, organisation=organisation, text_lang="nl")
    members_csv = tmp / f"members-{n}.csv"
    directory(members_csv, n)
    result: dict[str, float] = {"members": n, "before_mb": _peak_mb()}

    started = time.perf_counter()
    with drafts.affected(inc, directory=members_csv) as members:
        result["affected_s"] = time.perf_counter() - started
        assert members.count() == n and members.missing_from_directory() == 0

        started = time.perf_counter()
        made = drafts.member_letters(inc, members, by="bench")
        result["letters"] = len(made)
        result["render_s"] = time.perf_counter() - started

        started = time.perf_counter()
        letters = {key: m.draft.id for key, m in made.items()}
        with (tmp / f"recipients-{n}.csv").open("w", encoding="utf-8", newline="") as handle:
            assert write_recipients(handle, members, letters, "csv") == n
        result["recipients_s"] = time.perf_counter() - started

        approved = {k: drafts.versions.approve(m.draft.id, by="bench") for k, m in made.items()}
        started = time.perf_counter()
        assert write_eml(tmp / f"eml-{n}", members, approved, sender="fg@example.nl") == n
        result["eml_s"] = time.perf_counter() - started
    result["peak_mb"] = _peak_mb()
    store.close()
    return result


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _flat(facts: dict[str, object], prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in facts.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, default=None, help="Where to put the files.")
    args = parser.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            print(json.dumps(one(args.one, Path(tmp))))
        return
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n)]
        if args.dir:
            cmd += ["--dir", str(args.dir)]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        print(
            f"{n:,} members, {int(r['letters'])} letters: "
            f"evidence + directory {n / r['affected_s']:,.0f} members/s, "
            f"letters rendered in {r['render_s']:.2f}s, "
            f"recipient list {n / r['recipients_s']:,.0f} members/s, "
            f".eml {n / r['eml_s']:,.0f} members/s; peak memory {r['before_mb']:.0f} MB "
            f"before the letters (events written, SQLite's page cache), {r['peak_mb']:.0f} MB after"
        )


if __name__ == "__main__":
    main()
