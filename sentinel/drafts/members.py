"""The affected members, their audience segments, and the mail-merge list of recipients.

The members come from the incident's evidence queries, grouped inside the
store; the member directory adds how to reach them: a CSV file (``member_id``,
``name``, ``email``, ``language``, optionally ``partner_name``) or an HTTP API
asked for just the members in the evidence (``sentinel.drafts.directory_api``).
Both are streamed into a temporary SQLite file, so the number of members is
bounded by disk, not memory: a breach of a million members writes its
recipient list row by row. A member missing from the directory is listed as
such, never dropped. A directory record that cannot be used as it stands (an address
that is not one, a line break in a name, a language without letters, a member listed
twice) is reported with where it was read; that member is listed with the reason and
gets no letter file, and every other member's letter is made as usual.

Members are grouped into *segments* — the same partner, the same categories of
data touched, the same language — and each segment gets one letter (Art. 34(2)
GDPR: in clear and plain language, with the DPO's contact, the likely
consequences and the measures). The recipient list says which letter goes to
whom.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import orjson
from email_validator import EmailNotValidError, validate_email

from sentinel import csvsafe
from sentinel.drafts.directory_api import DirectoryApi, DirectoryError, DirectoryRow
from sentinel.drafts.labels import LANGS, Lang
from sentinel.events import CATEGORIES as EVENT_CATEGORIES
from sentinel.events import MEMBER_ID, MEMBER_PARTNER
from sentinel.incidents.facts import CATEGORIES
from sentinel.incidents.model import Incident
from sentinel.store.base import Store
from sentinel.store.query import Aggregation, EventQuery, Match, all_of

_BATCH = 1000
_INSERT_DIRECTORY = (
    "INSERT INTO directory (id, name, email, lang, partner_name) VALUES (?, ?, ?, ?, ?)"
)
RECIPIENT_FIELDS = (
    "member_id",
    "name",
    "email",
    "language",
    "partner",
    "categories",
    "events",
    "segment",
    "letter",
    "status",
    "problem",
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class DirectoryProblem:
    """A directory record not used as it stands: where it was read, whose it is and why."""

    where: str
    member_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def segment_key(partner: str, categories: tuple[str, ...]) -> str:
    """``P03-contact+vehicle``: a segment's part of its letter's series name."""
    return f"{partner or 'unknown'}-{'+'.join(categories) or 'uncategorised'}"


@dataclass(frozen=True, slots=True)
class Segment:
    partner: str
    """The partner id from the events (``direct`` for direct members), or "" when not known."""
    categories: tuple[str, ...]
    lang: Lang
    members: int
    partner_name: str = ""

    @property
    def key(self) -> str:
        return segment_key(self.partner, self.categories)


@dataclass(frozen=True, slots=True)
class Recipient:
    member_id: str
    name: str
    email: str
    language: Lang
    partner: str
    categories: tuple[str, ...]
    events: int
    in_directory: bool | None
    """None when no directory was given."""
    problem: str = ""
    """Why the member's directory record cannot be used (then no letter file is made)."""

    @property
    def segment_key(self) -> str:
        return segment_key(self.partner, self.categories)

    @property
    def status(self) -> str:
        if self.in_directory is None:
            return "no_directory"
        if self.problem:
            return "directory_problem"
        if not self.in_directory:
            return "missing_from_directory"
        return "ok" if self.email else "no_email"


class AffectedMembers:
    """The members in an incident's evidence, joined with the directory, in a scratch database.

    Use as a context manager; the scratch file is removed on exit.
    """

    def __init__(self, default_lang: Lang = "nl") -> None:
        self.default_lang = default_lang
        self._dir = tempfile.TemporaryDirectory(prefix="sentinel-members-")
        self._db = sqlite3.connect(Path(self._dir.name) / "members.db")
        self._db.executescript(
            """
            CREATE TABLE member (id TEXT PRIMARY KEY, partner TEXT NOT NULL DEFAULT '',
                                 events INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE touched (id TEXT NOT NULL, category TEXT NOT NULL,
                                  PRIMARY KEY (id, category));
            CREATE TABLE directory (id TEXT PRIMARY KEY, name TEXT, email TEXT, lang TEXT,
                                    partner_name TEXT);
            CREATE TABLE problem (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, at TEXT NOT NULL,
                                  reason TEXT NOT NULL);
            CREATE INDEX problem_id ON problem (id);
            """
        )
        self.directory_loaded = False

    def __enter__(self) -> AffectedMembers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    # loading ---------------------------------------------------------------------------
    def load_evidence(self, store: Store, incident: Incident) -> int:
        """Every member in any of the incident's evidence queries; returns the distinct count."""
        for evidence in incident.evidence:
            query = EventQuery.from_dict(evidence.query)
            rows = store.aggregate(query, Aggregation(group_by=(MEMBER_ID, MEMBER_PARTNER)))
            self._insert(
                "INSERT INTO member (id, partner, events) VALUES (?, ?, ?) ON CONFLICT(id) "
                "DO UPDATE SET events = events + excluded.events, "
                "partner = CASE WHEN partner = '' THEN excluded.partner ELSE partner END",
                (
                    (str(r.key[0]), "" if r.key[1] is None else str(r.key[1]), r.count)
                    for r in rows
                    if r.key[0] not in (None, "")
                ),
            )
            for category in CATEGORIES:
                narrowed = EventQuery(
                    all_of(query.filter, Match(EVENT_CATEGORIES, "eq", category)),
                    query.start,
                    query.end,
                )
                rows = store.aggregate(narrowed, Aggregation(group_by=(MEMBER_ID,)))
                self._insert(
                    "INSERT OR IGNORE INTO touched (id, category) VALUES (?, ?)",
                    ((str(r.key[0]), category) for r in rows if r.key[0] not in (None, "")),
                )
        return self.count()

    def load_directory(self, source: Path | DirectoryApi) -> int:
        """The member directory: a CSV file, or the API asked for the members in the evidence.

        A record that cannot be used is kept aside with where it was read (file and line, or
        URL, page and item) and the reason (``problems``); a directory without a member_id
        column or an API that does not answer with members is refused. Returns the number of
        directory entries kept.
        """
        if isinstance(source, DirectoryApi):
            rows = source.rows(self._member_ids(source.chunk))
            self._insert(_INSERT_DIRECTORY, self._checked(rows))
        else:
            self._load_csv(source)
        self.directory_loaded = True
        return int(self._db.execute("SELECT COUNT(*) FROM directory").fetchone()[0])

    def _load_csv(self, path: Path) -> None:
        try:
            handle = path.open(encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise DirectoryError(f"{path}: cannot read: {exc.strerror}") from None
        with handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            if "member_id" not in columns:
                raise DirectoryError(
                    f"{path}:1: no member_id column (columns: {', '.join(columns) or 'none'}); "
                    "expected member_id,name,email,language[,partner_name]"
                )
            self._insert(_INSERT_DIRECTORY, self._checked(_csv_rows(path, reader)))

    def _member_ids(self, size: int) -> Iterator[list[str]]:
        """The affected members' ids in order, ``size`` at a time."""
        last = ""
        while chunk := [
            str(row[0])
            for row in self._db.execute(
                "SELECT id FROM member WHERE id > ? ORDER BY id LIMIT ?", (last, size)
            ).fetchall()
        ]:
            yield chunk
            last = chunk[-1]

    def _checked(self, rows: Iterator[DirectoryRow]) -> Iterator[tuple[str, str, str, str, str]]:
        """Rows for the directory table; a record that cannot be used becomes a problem."""
        seen_batch: set[str] = set()
        for row in rows:
            member, lang = row.member_id, row.language or self.default_lang
            reason, email = _validated(row, lang)
            if not reason and (member in seen_batch or self._in_directory(member)):
                reason = f"member {member} is listed twice; neither record is used"
            if reason:
                self._db.execute(
                    "INSERT INTO problem (id, at, reason) VALUES (?, ?, ?)",
                    (member, row.where, reason),
                )
                continue
            seen_batch.add(member)
            if len(seen_batch) >= _BATCH:
                seen_batch.clear()
            yield (member, row.name, email, lang, row.partner_name)

    def _in_directory(self, member: str) -> bool:
        found = self._db.execute("SELECT 1 FROM directory WHERE id = ?", (member,)).fetchone()
        return found is not None

    def _insert(self, sql: str, rows: Any) -> None:
        batch: list[Any] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= _BATCH:
                self._db.executemany(sql, batch)
                batch.clear()
        if batch:
            self._db.executemany(sql, batch)
        self._db.commit()

    # reading ---------------------------------------------------------------------------
    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM member").fetchone()[0])

    def problems(self) -> Iterator[DirectoryProblem]:
        """The directory records not used, in the order they were read."""
        cursor = self._db.execute("SELECT at, id, reason FROM problem ORDER BY seq")
        while batch := cursor.fetchmany(_BATCH):
            for where, member, reason in batch:
                yield DirectoryProblem(where, member, reason)

    def problem_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM problem").fetchone()[0])

    def missing_from_directory(self) -> int:
        if not self.directory_loaded:
            return 0
        row = self._db.execute(
            "SELECT COUNT(*) FROM member m LEFT JOIN directory d ON d.id = m.id WHERE d.id IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM problem p WHERE p.id = m.id)"
        ).fetchone()
        return int(row[0])

    def recipients(self) -> Iterator[Recipient]:
        """Every affected member in id order, one row at a time."""
        cursor = self._db.execute(
            """
            SELECT m.id, m.partner, m.events, d.id IS NOT NULL, COALESCE(d.name, ''),
                   COALESCE(d.email, ''), COALESCE(d.lang, ''),
                   COALESCE((SELECT group_concat(category, '+') FROM
                             (SELECT category FROM touched t WHERE t.id = m.id
                              ORDER BY category)), ''),
                   COALESCE((SELECT group_concat(at || ': ' || reason, '; ') FROM
                             (SELECT at, reason FROM problem p WHERE p.id = m.id
                              ORDER BY seq)), '')
            FROM member m LEFT JOIN directory d ON d.id = m.id
            ORDER BY m.id
            """
        )
        while batch := cursor.fetchmany(_BATCH):
            for member, partner, events, listed, name, email, lang, cats, problem in batch:
                yield Recipient(
                    member_id=member,
                    name=name,
                    email=email,
                    language=lang or self.default_lang,
                    partner=partner,
                    categories=tuple(c for c in cats.split("+") if c),
                    events=int(events),
                    in_directory=bool(listed) if self.directory_loaded else None,
                    problem=problem,
                )

    def segments(self) -> list[Segment]:
        """Partner, categories and language, with the member count and the partner's name."""
        counts: dict[tuple[str, tuple[str, ...], str], int] = {}
        names: dict[str, str] = {}
        for r in self.recipients():
            key = (r.partner, r.categories, r.language)
            counts[key] = counts.get(key, 0) + 1
        for partner, name in self._db.execute(
            "SELECT m.partner, MIN(d.partner_name) FROM member m JOIN directory d ON d.id = m.id "
            "WHERE d.partner_name != '' GROUP BY m.partner"
        ):
            names[partner] = name
        return [
            Segment(partner, cats, lang, n, names.get(partner, ""))  # type: ignore[arg-type]
            for (partner, cats, lang), n in sorted(counts.items())
        ]


def _validated(row: DirectoryRow, lang: str) -> tuple[str, str]:
    """Why a directory record cannot be used as it stands ("" when it can), and its address.

    The address is checked for its form only (email-validator, no DNS lookup) and kept in
    its normalised form; an empty one is allowed (the member is listed as ``no_email``).
    """
    if not row.member_id:
        return "empty member_id", ""
    if lang not in LANGS:
        return (
            f"language {lang!r} for member {row.member_id} is not nl or en "
            "(the letters exist in Dutch and English)"
        ), ""
    for field, value in (("name", row.name), ("partner_name", row.partner_name)):
        if _CONTROL.search(value):
            reason = f"{field} of member {row.member_id} holds a line break or control character"
            return reason, ""
    if not row.email:
        return "", ""
    try:
        return "", validate_email(row.email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        return f"email {row.email!r} of member {row.member_id} is not an address: {exc}", ""


def _csv_rows(path: Path, reader: csv.DictReader[str]) -> Iterator[DirectoryRow]:
    """Each record with the line it starts on (a quoted value may span lines)."""
    ends = reader.line_num
    for row in reader:
        starts, ends = ends + 1, reader.line_num
        yield DirectoryRow(
            f"{path}:{starts}",
            (row.get("member_id") or "").strip(),
            (row.get("name") or "").strip(),
            (row.get("email") or "").strip(),
            (row.get("language") or "").strip().lower(),
            (row.get("partner_name") or "").strip(),
        )


def write_recipients(
    out: TextIO, members: AffectedMembers, letters: dict[tuple[str, str], str], fmt: str
) -> int:
    """The mail-merge list, CSV or JSONL, one row per affected member, streamed.

    ``letters`` maps (segment key, language) to the draft id of that segment's letter.
    """
    writer = csvsafe.DictWriter(out, fieldnames=RECIPIENT_FIELDS) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    count = 0
    for r in members.recipients():
        row = {
            "member_id": r.member_id,
            "name": r.name,
            "email": r.email,
            "language": r.language,
            "partner": r.partner,
            "categories": "+".join(r.categories),
            "events": r.events,
            "segment": r.segment_key,
            "letter": letters.get((r.segment_key, r.language), ""),
            "status": r.status,
            "problem": r.problem,
        }
        if writer is not None:
            writer.writerow(row)
        else:
            out.write(orjson.dumps(row).decode() + "\n")
        count += 1
    return count
