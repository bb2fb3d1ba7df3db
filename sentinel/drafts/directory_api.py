"""The member directory as an HTTP API: names, emails and languages of the members asked for.

The contract (docs/drafts.md): ``GET <member_directory>?id=M001&id=M002…`` with
at most ``CHUNK`` ids a request, ``Accept: application/json`` and, when a token
is set, ``Authorization: Bearer <token>``. The answer is a JSON page
``{"members": [{member_id, name, email, language, partner_name}, …]}``, with
either ``"next"`` (a link, relative to the page, that carries the ids itself)
or ``"next_cursor"`` (sent back as ``cursor=…`` with the same ids) while more
pages follow. Members the directory does not know are simply left out.

Only the members in the incident's evidence are asked for, one chunk of ids and
one page at a time, so memory stays flat however large the directory is. A
busy or failing server is waited out (``sentinel.http_retry``); a record that
does not fit is refused with the page and item it came in.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.drafts.errors import DraftError
from sentinel.http_retry import RetryingGet, without_query

log = logging.getLogger(__name__)

CHUNK = 100
"""Member ids a request asks for."""
MAX_RETRIES = 5
MEMBERS_KEY = "members"
_URL = re.compile(r"^https?://", re.IGNORECASE)


class DirectoryError(DraftError):
    """The member directory cannot be used; names the file and line, or the URL and item."""


@dataclass(frozen=True, slots=True)
class DirectoryRow:
    """One member as a directory lists them, with where it was read (for error messages)."""

    where: str
    member_id: str
    name: str
    email: str
    language: str
    partner_name: str


class _ApiMember(BaseModel):
    """A member record as the API sends it; other keys are ignored, null reads as empty."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    member_id: str
    name: str | None = None
    email: str | None = None
    language: str | None = None
    partner_name: str | None = None


@dataclass(slots=True)
class DirectoryApi:
    """Reads members from the directory API, a chunk of ids and a page at a time."""

    url: str
    clock: Clock
    token: SecretStr | None = None
    timeout: timedelta = timedelta(seconds=30)
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session | None = None
    chunk: int = CHUNK
    max_retries: int = MAX_RETRIES

    def __repr__(self) -> str:
        return f"DirectoryApi(url={without_query(self.url)!r})"

    @classmethod
    def from_settings(cls, settings: Settings, url: str, clock: Clock) -> DirectoryApi:
        return cls(
            url,
            clock,
            token=settings.member_directory_token,
            timeout=settings.member_directory_timeout,
        )

    def rows(self, ids: Iterable[list[str]]) -> Iterator[DirectoryRow]:
        """Every member the API returns for these chunks of ids, in the order it sends them."""
        session = self.session or requests.Session()
        try:
            get = self._getter(session)
            shown = without_query(self.url)
            page = 0
            for chunk in ids:
                for body in self._pages(get, chunk):
                    page += 1
                    for index, item in enumerate(body[MEMBERS_KEY], 1):
                        yield _row(item, f"GET {shown} page {page} item {index}")
        finally:
            if self.session is None:
                session.close()

    def _pages(self, get: RetryingGet, chunk: list[str]) -> Iterator[dict[str, Any]]:
        """The pages the API answers one chunk of ids with, following its next links."""
        url: str = self.url
        params: dict[str, Any] | None = {"id": chunk}
        seen: set[str] = set()
        while True:
            response = get(url, params)
            body = _body(response)
            yield body
            if not body[MEMBERS_KEY]:
                return
            step = _next(body, response.url)
            if step is None:
                return
            kind, value = step
            if kind == "cursor":
                url, params = self.url, {"id": chunk, "cursor": value}
            else:
                url, params = urljoin(response.url, value), None
            if f"{kind}:{value}" in seen:
                raise DirectoryError(
                    f"GET {without_query(self.url)}: the directory sent the same next page "
                    "again; stopped to avoid reading it forever"
                )
            seen.add(f"{kind}:{value}")

    def _getter(self, session: requests.Session) -> RetryingGet:
        token = self.token.get_secret_value() if self.token else None
        return RetryingGet(
            session=session,
            origin_url=self.url,
            timeout=self.timeout.total_seconds(),
            max_retries=self.max_retries,
            clock=self.clock,
            sleep=self.sleep,
            log=log,
            error=DirectoryError,
            refusal=self._refusal,
            auth_setting="member_directory_token",
            auth=("Authorization", f"Bearer {token}") if token else None,
        )

    def _refusal(self, shown: str, status: int, problem: str) -> str:
        if status in (401, 403):
            hint = (
                "check the setting member_directory_token"
                if self.token
                else "no token is sent; set member_directory_token"
            )
            return f"GET {shown}: {problem}; {hint}"
        if status == 404:
            return f"GET {shown}: {problem}; check the setting member_directory"
        return f"GET {shown}: {problem}"


def directory_source(
    value: str | Path | None, settings: Settings, clock: Clock
) -> Path | DirectoryApi | None:
    """What ``--directory`` or the setting ``member_directory`` names: a CSV file or the API."""
    if isinstance(value, str) and _URL.match(value):
        return DirectoryApi.from_settings(settings, value, clock)
    return None if value is None else Path(value)


def _body(response: requests.Response) -> dict[str, Any]:
    shown = without_query(response.url)
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        kind = response.headers.get("Content-Type", "no Content-Type")
        raise DirectoryError(f"GET {shown}: the response is not JSON ({kind})") from None
    if not isinstance(body, dict) or not isinstance(body.get(MEMBERS_KEY), list):
        raise DirectoryError(
            f"GET {shown}: the response has no list of members under {MEMBERS_KEY!r} "
            '(expected {"members": [...], "next": ...})'
        )
    return body


def _next(body: dict[str, Any], page_url: str) -> tuple[str, str] | None:
    """("cursor", token) or ("link", href) for the next page; None after the last."""
    shown = without_query(page_url)
    cursor = body.get("next_cursor")
    if cursor not in (None, "", False):
        if isinstance(cursor, bool) or not isinstance(cursor, str | int):
            raise DirectoryError(f"GET {shown}: 'next_cursor' is not a string or number")
        return "cursor", str(cursor)
    link = body.get("next")
    if not link:
        return None
    if not isinstance(link, str):
        raise DirectoryError(f"GET {shown}: 'next' is {type(link).__name__}, not a URL")
    return "link", link


def _row(item: Any, where: str) -> DirectoryRow:
    try:
        member = _ApiMember.model_validate(item)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in exc.errors()
        )
        raise DirectoryError(f"{where}: not a member record ({problems})") from None
    return DirectoryRow(
        where,
        member.member_id.strip(),
        (member.name or "").strip(),
        (member.email or "").strip(),
        (member.language or "").strip().lower(),
        (member.partner_name or "").strip(),
    )
