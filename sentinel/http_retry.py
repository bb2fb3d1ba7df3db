"""A GET that waits out a busy or failing server, for the clients that pull JSON from APIs.

Shared by the ``http`` log source and the member directory API. Transient
failures (no connection, no answer in time, 429, 5xx) are retried with
exponential backoff; a 429 or 503 that says how long to wait (Retry-After, in
seconds or as an HTTP date) is believed, within a cap. Redirects are followed
here rather than by ``requests``, so the token is only ever sent to the origin
it was configured for. What is logged and what errors say shows a URL without
its query (which may carry cursors or keys) and never the token.
"""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from sentinel.clock import Clock

BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
RETRY_AFTER_CAP = 300.0
"""A server asking for a longer pause gets this one; the next pull tries again."""
MAX_REDIRECTS = 5

_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


@dataclass(frozen=True, slots=True)
class RetryingGet:
    """GET one URL until it answers 2xx, retrying what may pass; raises ``error`` otherwise."""

    session: requests.Session
    origin_url: str
    """The configured URL: the token goes only to its scheme, host and port."""
    timeout: float
    max_retries: int
    clock: Clock
    sleep: Callable[[float], None]
    log: logging.Logger
    error: Callable[[str], Exception]
    refusal: Callable[[str, int, str], str]
    """The message for a status not worth retrying: (URL shown, status, "404 NOT FOUND")."""
    auth_setting: str
    """The setting that holds the token, named when a header cannot carry it."""
    auth: tuple[str, str] | None = None
    """The header name and its value (the token); never logged."""
    verify: bool = True

    def __call__(self, url: str, params: dict[str, Any] | None) -> requests.Response:
        shown = without_query(url)
        problem = ""
        for attempt in range(self.max_retries + 1):
            delay = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
            try:
                response = self._send(url, params)
            except requests.exceptions.SSLError:
                raise self.error(
                    f"GET {shown}: TLS verification failed; the server's certificate is not "
                    "trusted by this machine"
                ) from None
            except _TRANSIENT as exc:
                problem = self._describe(exc)
            except requests.exceptions.InvalidHeader:
                raise self.error(
                    f"GET {shown}: {self.auth_setting} has a header name or token that an HTTP "
                    "header cannot carry (a line break or surrounding space?)"
                ) from None
            except requests.RequestException as exc:
                raise self.error(f"GET {shown}: {type(exc).__name__}") from None
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return response
                problem = f"{status} {response.reason}".strip()
                if status != 429 and status < 500:
                    raise self.error(self.refusal(shown, status, problem))
                if status in (429, 503):
                    wait = retry_after(response.headers.get("Retry-After"), self.clock.now())
                    delay = delay if wait is None else wait
            if attempt == self.max_retries:
                break
            self.log.warning(
                "GET %s: %s; retry %d of %d in %.1fs",
                shown,
                problem,
                attempt + 1,
                self.max_retries,
                delay,
            )
            self.sleep(delay)
        raise self.error(f"GET {shown}: {problem} (after {self.max_retries + 1} attempts)")

    def _send(self, url: str, params: dict[str, Any] | None) -> requests.Response:
        """One request, following redirects here so the token never leaves the origin."""
        for _ in range(MAX_REDIRECTS + 1):
            response = self.session.get(
                url,
                params=params,
                headers=self._headers(url),
                timeout=self.timeout,
                verify=self.verify,
                allow_redirects=False,
            )
            self.log.debug(
                "GET %s -> %d in %.3fs",
                without_query(url),
                response.status_code,
                response.elapsed.total_seconds(),
            )
            if not response.is_redirect:
                return response
            url, params = urljoin(response.url, response.headers["Location"]), None
        raise self.error(
            f"GET {without_query(self.origin_url)}: more than {MAX_REDIRECTS} redirects"
        )

    def _headers(self, url: str) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.auth is not None and origin(url) == origin(self.origin_url):
            name, value = self.auth
            headers[name] = value
        return headers

    def _describe(self, exc: Exception) -> str:
        if isinstance(exc, requests.Timeout):
            return f"no answer within {self.timeout:g}s"
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, OSError) and cause.strerror:
                return cause.strerror
            cause = cause.__cause__ or cause.__context__
        return type(exc).__name__


def without_query(url: str) -> str:
    """What logs and messages show of a URL: a query may hold cursors or keys."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, parts.hostname, parts.port or {"http": 80, "https": 443}.get(scheme)


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a 429 or 503 asks to wait (a number or an HTTP-date), capped; None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(RETRY_AFTER_CAP, max(0.0, seconds))
