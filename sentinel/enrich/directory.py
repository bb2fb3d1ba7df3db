"""The account directory: who an account is, what it may do, and whether it still should.

A CSV kept by HR or IT (format in docs/enrichment.md). The service runs for weeks
while staff leave and partners change, so the file is re-read when it changes; a
broken edit is logged and the last good directory stays in use, since dropping
the directory would silently stop the "terminated account" and cross-partner rules.
"""

from __future__ import annotations

import csv
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError

from sentinel.clock import Clock
from sentinel.enrich.errors import EnrichmentError
from sentinel.events import (
    ACCOUNT_INACTIVE,
    ACCOUNT_KIND,
    ACCOUNT_STATUS,
    CROSS_PARTNER,
    MEMBER_PARTNER,
)

log = logging.getLogger(__name__)

USER_NAME = "user.name"
USER_ID = "user.id"
USER_ROLES = "user.roles"
ORGANISATION = "organization.id"
TARGET_USER = "sentinel.target.user"
TARGET_ROLES = "sentinel.target.roles"
UNKNOWN = "unknown"
STAFF = "staff"

COLUMNS = (
    "account",
    "user_id",
    "display_name",
    "kind",
    "organisation",
    "roles",
    "status",
    "status_since",
)
CHECK_EVERY = timedelta(seconds=30)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    account: str
    user_id: str
    display_name: str
    kind: Literal["staff", "partner", "api"]
    organisation: str
    roles: str
    status: Literal["active", "suspended", "terminated"]
    status_since: str


@dataclass(frozen=True, slots=True)
class Account:
    """One directory row; ``since`` is when a non-active status took effect (UTC)."""

    name: str
    user_id: str | None
    display_name: str
    kind: str
    organisation: str
    roles: tuple[str, ...]
    status: str
    since: datetime | None


@dataclass(frozen=True, slots=True)
class Directory:
    accounts: dict[str, Account]


def load_directory(path: Path, zone: ZoneInfo) -> Directory:
    """Read and check the directory; a bad row raises EnrichmentError with its line.

    ``status_since`` without an offset is local time in ``zone``; a bare date
    means the start of that local day, so a leaver is inactive from midnight on.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _parse(path, handle, zone)
    except (OSError, UnicodeDecodeError) as exc:
        raise EnrichmentError(path, None, f"cannot read the file ({exc})") from None
    except csv.Error as exc:
        raise EnrichmentError(path, None, f"not valid CSV ({exc})") from None


def _parse(path: Path, handle: Any, zone: ZoneInfo) -> Directory:
    reader = csv.DictReader(handle)
    header = reader.fieldnames
    expected = ",".join(COLUMNS)
    if not header:
        raise EnrichmentError(path, 1, f"empty file; the first line must be the header {expected}")
    names = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise EnrichmentError(
            path, 1, f"missing column(s) {', '.join(missing)}; the header must be {expected}"
        )
    extra = [c for c in names if c not in COLUMNS]
    if extra:
        raise EnrichmentError(
            path, 1, f"unknown column(s) {', '.join(extra)}; the header must be {expected}"
        )
    reader.fieldnames = names
    accounts: dict[str, Account] = {}
    lines: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            raise EnrichmentError(path, line, f"more fields than the {len(COLUMNS)} columns")
        if any(v is None for v in row.values()):
            raise EnrichmentError(path, line, f"fewer fields than the {len(COLUMNS)} columns")
        account = _account(path, line, row, zone)
        if account.name in accounts:
            raise EnrichmentError(
                path,
                line,
                f"account {account.name!r} is already listed on line {lines[account.name]}; "
                "keep one row per account",
            )
        accounts[account.name] = account
        lines[account.name] = line
    return Directory(accounts=accounts)


def _account(path: Path, line: int, row: dict[str, str], zone: ZoneInfo) -> Account:
    try:
        r = _Row.model_validate(row)
    except ValidationError as exc:
        error = exc.errors()[0]
        column = error["loc"][0]
        raise EnrichmentError(
            path, line, f"{column} {row.get(str(column))!r}: {error['msg']}"
        ) from None
    if not r.account:
        raise EnrichmentError(path, line, "account is empty; give the user.name the logs carry")
    if r.kind == STAFF and r.organisation != STAFF:
        raise EnrichmentError(
            path, line, f"organisation {r.organisation!r}: a staff account's organisation is staff"
        )
    if r.kind != STAFF and r.organisation in ("", STAFF):
        raise EnrichmentError(
            path,
            line,
            f"organisation {r.organisation!r}: a {r.kind} account names its partner id, e.g. P03",
        )
    since = _since(path, line, r.status_since, zone) if r.status_since else None
    if r.status == "active":
        since = None
    elif since is None:
        raise EnrichmentError(
            path,
            line,
            f"status_since is empty; a {r.status} account needs the date it took effect "
            "(2026-03-01 or 2026-03-01T17:30)",
        )
    return Account(
        name=r.account,
        user_id=r.user_id or None,
        display_name=r.display_name,
        kind=r.kind,
        organisation=r.organisation,
        roles=tuple(role for role in (p.strip() for p in r.roles.split(";")) if role),
        status=r.status,
        since=since,
    )


def _since(path: Path, line: int, text: str, zone: ZoneInfo) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise EnrichmentError(
            path,
            line,
            f"status_since {text!r} is not a date; write 2026-03-01, 2026-03-01T17:30 "
            "or 2026-03-01T17:30+01:00",
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    return when


class DirectoryFile:
    """The directory as last read successfully; re-read when the file changes.

    The file is looked at (one ``stat``) at most every ``check_every`` of the
    injected clock, so the per-event cost is a clock read and a comparison.
    """

    def __init__(
        self, path: Path, zone: ZoneInfo, clock: Clock, check_every: timedelta = CHECK_EVERY
    ) -> None:
        self._path = path
        self._zone = zone
        self._clock = clock
        self._every = check_every
        try:
            self._seen = _signature(path)
        except OSError as exc:
            raise EnrichmentError(path, None, f"cannot read the file ({exc.strerror})") from None
        self.directory = load_directory(path, zone)
        self._next_check = clock.now() + check_every
        self._missing = False

    def current(self) -> Directory:
        now = self._clock.now()
        if now >= self._next_check:
            self._next_check = now + self._every
            self._reload_if_changed()
        return self.directory

    def _reload_if_changed(self) -> None:
        try:
            signature = _signature(self._path)
        except OSError as exc:
            if not self._missing:
                log.error(
                    "directory %s cannot be read (%s); keeping the accounts read before",
                    self._path,
                    exc.strerror or exc,
                )
                self._missing = True
            return
        self._missing = False
        if signature == self._seen:
            return
        self._seen = signature
        try:
            directory = load_directory(self._path, self._zone)
        except EnrichmentError as exc:
            log.error("directory not reloaded: %s; keeping the accounts read before", exc)
            return
        self.directory = directory
        log.info("directory %s reloaded: %d accounts", self._path, len(directory.accounts))


def _signature(path: Path) -> tuple[int, int, int]:
    """What changes when the file is edited in place or replaced by a new one."""
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size, st.st_ino


class DirectoryStep:
    """Fills the actor's identity from the directory and marks inactive and cross-partner use."""

    def __init__(self, source: DirectoryFile) -> None:
        self._source = source

    def __call__(self, fields: dict[str, Any], ts: datetime) -> None:
        accounts = self._source.current().accounts
        name = fields.get(USER_NAME)
        if name is not None:
            account = accounts.get(name)
            if account is None:
                fields[ACCOUNT_KIND] = UNKNOWN
            else:
                _actor(fields, account, ts)
        target = fields.get(TARGET_USER)
        if target is not None:
            subject = accounts.get(target)
            if subject is not None and subject.roles:
                fields[TARGET_ROLES] = list(subject.roles)


def _actor(fields: dict[str, Any], account: Account, ts: datetime) -> None:
    if account.user_id is not None and USER_ID not in fields:
        fields[USER_ID] = account.user_id
    if account.roles and USER_ROLES not in fields:
        fields[USER_ROLES] = list(account.roles)
    organisation = fields.get(ORGANISATION)
    if organisation is None:
        organisation = fields[ORGANISATION] = account.organisation
    fields[ACCOUNT_KIND] = account.kind
    fields[ACCOUNT_STATUS] = account.status
    fields[ACCOUNT_INACTIVE] = account.since is not None and ts >= account.since
    if account.kind != STAFF:
        partner = fields.get(MEMBER_PARTNER)
        if partner is not None:
            fields[CROSS_PARTNER] = partner != organisation
