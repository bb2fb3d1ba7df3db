"""The ``http`` source: access-log records pulled page by page from a JSON API.

The API returns records oldest first. The cursor keeps the newest record time
seen and the ids of the records at exactly that time; the next pull asks for
records since then (the API's ``since`` is taken as inclusive) and skips those
ids, so records that share the boundary time are each yielded once, wherever a
pull stops. Only one page is held at a time, so memory stays flat.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import requests
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from sentinel.clock import Clock
from sentinel.config import HttpSourceConfig
from sentinel.events import parse_timestamp
from sentinel.http_retry import RetryingGet, without_query
from sentinel.sources.base import RawRecord, SourceError

log = logging.getLogger(__name__)


class _SavedCursor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime | None = None
    ids: list[str] = Field(default_factory=list)


class HttpReader:
    """Reads the records a JSON API has after the cursor, following its pagination."""

    def __init__(
        self,
        config: HttpSourceConfig,
        cursor: dict[str, Any] | None,
        *,
        clock: Clock,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._clock = clock
        self._session = session
        self._sleep = sleep
        self._base = without_query(config.url)
        self._zone: tzinfo = ZoneInfo(config.timezone) if config.timezone else UTC
        self._count = 0
        self._since: datetime | None = None
        self._ids: dict[str, None] = {}
        """Keys of the records at ``_since``, in the order seen."""
        self._bad_cursor: dict[str, Any] | None = None
        try:
            saved = _SavedCursor.model_validate(cursor or {})
            self._since = saved.since.astimezone(UTC) if saved.since else None
            self._ids = dict.fromkeys(saved.ids)
        except ValidationError:
            self._bad_cursor = cursor

    def __repr__(self) -> str:
        return f"HttpReader(source={self._config.name!r}, url={self._base!r})"

    def records(self) -> Iterator[RawRecord]:
        if self._bad_cursor is not None:
            raise SourceError(
                f"{self._base}: saved cursor is not an http cursor (since, ids); "
                "delete this source's checkpoint to read the API from its start"
            )
        session = self._session or requests.Session()
        try:
            yield from self._pages(self._getter(session))
        finally:
            if self._session is None:
                session.close()

    def cursor(self) -> dict[str, Any]:
        if self._bad_cursor is not None:
            return self._bad_cursor
        return {"since": _iso(self._since) if self._since else None, "ids": list(self._ids)}

    def progress(self) -> tuple[int, int | None]:
        """Records yielded so far; an API does not say how many are left."""
        return self._count, None

    def _getter(self, session: requests.Session) -> RetryingGet:
        """GET with retries and backoff; the token only to the API's own origin."""
        cfg = self._config
        auth = None
        if cfg.auth is not None:
            token = cfg.auth.token.get_secret_value()
            auth = (cfg.auth.header, f"{cfg.auth.scheme} {token}" if cfg.auth.scheme else token)
        return RetryingGet(
            session=session,
            origin_url=cfg.url,
            timeout=cfg.timeout.total_seconds(),
            max_retries=cfg.max_retries,
            clock=self._clock,
            sleep=self._sleep,
            log=log,
            error=SourceError,
            refusal=self._refusal,
            auth_setting=f"sources.{cfg.name}.auth",
            auth=auth,
            verify=cfg.verify_tls,
        )

    def _pages(self, get: RetryingGet) -> Iterator[RawRecord]:
        cfg = self._config
        url = cfg.url
        params = self._sized({cfg.since_param: _iso(self._since)} if self._since else {})
        seen: set[str] = set()
        page = 0
        while True:
            page += 1
            response = get(url, params)
            items, body = self._read_page(response)
            for i, item in enumerate(items, 1):
                record = self._record(item, page, i)
                if record is not None:
                    yield record
            if not items:
                return
            step = self._next(body, response.url)
            if step is None:
                return
            url, params, key = step
            if key in seen:
                raise SourceError(
                    f"GET {without_query(url)}: the server sent the same next page again "
                    f"after page {page}; stopped to avoid reading it forever"
                )
            seen.add(key)

    def _sized(self, params: dict[str, Any]) -> dict[str, Any]:
        if self._config.page_size_param:
            params[self._config.page_size_param] = self._config.page_size
        return params

    def _next(self, body: dict[str, Any], page_url: str) -> tuple[str, dict[str, Any], str] | None:
        """The next request (URL, parameters) and its key for loop detection; None at the end."""
        cfg = self._config
        token = body.get(cfg.next_cursor_key) if cfg.next_cursor_key else None
        if token is not None and token != "" and token is not False:
            if not isinstance(token, str | int):
                raise SourceError(
                    f"GET {without_query(page_url)}: {cfg.next_cursor_key!r} is "
                    f"{type(token).__name__}, not a string or number"
                )
            return cfg.url, self._sized({cfg.cursor_param: token}), f"cursor:{token}"
        link = body.get(cfg.next_link_key) if cfg.next_link_key else None
        if not link:
            return None
        if not isinstance(link, str):
            raise SourceError(
                f"GET {without_query(page_url)}: {cfg.next_link_key!r} is "
                f"{type(link).__name__}, not a URL"
            )
        url = urljoin(page_url, link)
        return url, {}, f"link:{url}"

    def _record(self, item: Any, page: int, index: int) -> RawRecord | None:
        """The record to yield, moving the cursor past it; None for one yielded before."""
        cfg = self._config
        own = _own_id(item, cfg.id_field)
        key = own if own is not None else _digest(item)
        ts = self._timestamp(item)
        if ts is not None:
            if self._since is None or ts > self._since:
                self._since, self._ids = ts, {key: None}
            elif ts == self._since:
                if key in self._ids:
                    return None
                self._ids[key] = None
        self._count += 1
        return RawRecord(
            data=item if isinstance(item, dict) else json.dumps(item, ensure_ascii=False),
            position=f"id:{own}" if own is not None else key,
            label=f"{self._base} page {page} item {index}",
            stream=cfg.name,
        )

    def _timestamp(self, item: Any) -> datetime | None:
        if not isinstance(item, dict):
            return None
        value = _field(item, self._config.timestamp_field)
        if value is None:
            return None
        try:
            return parse_timestamp(value, self._zone)
        except (ValueError, TypeError, OverflowError, OSError):
            return None

    def _read_page(self, response: requests.Response) -> tuple[list[Any], dict[str, Any]]:
        cfg = self._config
        shown = without_query(response.url)
        try:
            body = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            kind = response.headers.get("Content-Type", "no Content-Type")
            raise SourceError(f"GET {shown}: the response is not JSON ({kind})") from None
        if not isinstance(body, dict) or not isinstance(body.get(cfg.records_key), list):
            raise SourceError(
                f"GET {shown}: the response has no list of records under {cfg.records_key!r}; "
                f"set sources.{cfg.name}.records_key to the key that holds them"
            )
        return body[cfg.records_key], body

    def _refusal(self, shown: str, status: int, problem: str) -> str:
        name = self._config.name
        if status in (401, 403):
            hint = (
                f"check the token setting sources.{name}.auth.token"
                if self._config.auth
                else f"this source sends no token; set sources.{name}.auth.token"
            )
            return f"GET {shown}: {problem}; {hint}"
        if status == 404:
            return f"GET {shown}: {problem}; check the setting sources.{name}.url"
        return f"GET {shown}: {problem}"


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _field(item: dict[str, Any], name: str) -> Any:
    """A flat key, or a dotted path into nested objects (``event.created``)."""
    if name in item:
        return item[name]
    value: Any = item
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _own_id(item: Any, id_field: str | None) -> str | None:
    if id_field is None or not isinstance(item, dict):
        return None
    value = _field(item, id_field)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def _digest(item: Any) -> str:
    """A record's identity when it has no id: the hash of its canonical JSON."""
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
