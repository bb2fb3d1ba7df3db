"""Talking to an Elasticsearch (or OpenSearch-compatible) cluster: connection, retries, PIT.

Shared by the store and the ``elasticsearch`` source; it knows nothing of events
or records. The official client sends Elastic's versioned media type
(``application/vnd.elasticsearch+json; compatible-with=9``), which servers
speaking the OpenSearch REST API refuse with 406; ``compatibility = "opensearch"``
swaps in a transport node that sends plain ``application/json`` and uses
OpenSearch's point-in-time endpoints. The client itself is not patched.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from elastic_transport import (
    ConnectionError as TransportConnectionError,
)
from elastic_transport import (
    ConnectionTimeout,
    HttpHeaders,
    TlsError,
    Urllib3HttpNode,
)
from elastic_transport.client_utils import DEFAULT
from elasticsearch import ApiError, Elasticsearch, TransportError, UnsupportedProductError

from sentinel.config import ElasticsearchConnection

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_STATUS = frozenset({429, 502, 503, 504})
"""Statuses that mean "busy or briefly away": worth another try after a pause."""

BLOCK = "cluster_block_exception"
"""An index block stops writes for a while (a full disk, an operator's write block): an
outage to wait out and resume after, not a refusal of what was sent."""

_VENDOR = re.compile(r"application/vnd\.elasticsearch\+([\w-]+)(?:\s*;\s*compatible-with=\d+)?")


class PlainJsonNode(Urllib3HttpNode):
    """A transport node sending ``application/json`` instead of Elastic's vendor media type."""

    def perform_request(  # type: ignore[override]
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: Any = DEFAULT,
    ) -> Any:
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                value = headers.get(name)
                if value:
                    headers[name] = _VENDOR.sub(r"application/\1", value)
        return super().perform_request(
            method, target, body=body, headers=headers, request_timeout=request_timeout
        )


def connect(url: str, settings: ElasticsearchConnection) -> Elasticsearch:
    """A client for ``url``; retries are ours (``call``), so the client's own are off."""
    auth = settings.auth
    options: dict[str, Any] = {
        "request_timeout": settings.request_timeout.total_seconds(),
        "max_retries": 0,
        "retry_on_timeout": False,
        "verify_certs": settings.verify_certs,
    }
    if auth.api_key is not None:
        options["api_key"] = auth.api_key.get_secret_value()
    elif auth.username and auth.password:
        options["basic_auth"] = (auth.username, auth.password.get_secret_value())
    if settings.ca_certs is not None:
        options["ca_certs"] = str(settings.ca_certs)
    if settings.compatibility == "opensearch":
        options["node_class"] = PlainJsonNode
    return Elasticsearch(url, **options)


@dataclass(slots=True)
class Backoff:
    """Pauses of ``base * 2**n`` seconds (capped) between ``attempts`` tries in all."""

    attempts: int = 4
    base: float = 0.5
    cap: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def pause(self, attempt: int, what: str, why: str) -> None:
        delay = min(self.cap, self.base * 2**attempt)
        log.warning("%s: %s; trying again in %.1fs", what, why, delay)
        self.sleep(delay)


def blocked(body: Any) -> bool:
    """True for the error object of a request or bulk item refused by an index block."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    return isinstance(body, dict) and body.get("type") == BLOCK


def retryable(exc: Exception) -> bool:
    if isinstance(exc, ApiError):
        return exc.meta.status in RETRY_STATUS or blocked(exc.body)
    if isinstance(exc, TlsError):
        return False
    return isinstance(exc, TransportConnectionError | ConnectionTimeout)


def describe(exc: Exception) -> str:
    """The server's reason for a failed request, in one line."""
    if isinstance(exc, UnsupportedProductError):
        return "the server does not identify itself as Elasticsearch"
    if isinstance(exc, ApiError):
        status = exc.meta.status
        if status == 406:
            return (
                "the server refused Elastic's media type (HTTP 406); for a server speaking "
                'the OpenSearch API set elasticsearch.compatibility = "opensearch"'
            )
        return f"HTTP {status}: {error_reason(exc.body)}"
    return str(exc) or type(exc).__name__


def block_fix(reason: str) -> str:
    """What lifts the index block a write was refused by."""
    if "read-only-allow-delete" in reason or "flood" in reason:
        return (
            "the cluster's disk passed the flood-stage watermark: free disk space (Elasticsearch "
            "lifts the block once use falls below the high watermark) or lift it with "
            'PUT <index>/_settings {"index.blocks.read_only_allow_delete": null}'
        )
    return (
        "an index block stops writes: once its work is done, lift it with "
        'PUT <index>/_settings {"index.blocks.write": null, "index.blocks.read_only": null}'
    )


def error_reason(body: Any) -> str:
    """``type: reason (caused by …)`` from an error object of a response or a bulk item."""
    if isinstance(body, dict) and "error" in body:
        body = body["error"]
    if not isinstance(body, dict):
        return str(body)
    text = f"{body.get('type', 'error')}: {body.get('reason', '')}".rstrip(": ")
    cause = body.get("caused_by")
    if isinstance(cause, dict) and cause.get("reason") not in (None, body.get("reason")):
        text += f" ({cause.get('type')}: {cause['reason']})"
    if blocked(body):
        text = f"{text.rstrip('; ')}; {block_fix(text)}"
    return text


def call(
    fn: Callable[[], T],
    backoff: Backoff,
    what: str,
    *,
    unavailable: type[Exception],
    failed: type[Exception],
    retry_timeouts: bool = True,
) -> T:
    """Run one request, retrying while the cluster is busy or unreachable.

    Raises ``unavailable`` once the tries are used up, ``failed`` for a refusal
    that another try would not change; both name ``what`` and the server's reason.
    Without ``retry_timeouts`` a request that got no answer in time is not sent
    again: a search that timed out is most likely still running on the cluster,
    and repeating it piles the same work onto a cluster that is already slow.
    """
    for attempt in range(backoff.attempts):
        try:
            return fn()
        except (ApiError, TransportError) as exc:
            if isinstance(exc, ConnectionTimeout) and not retry_timeouts:
                raise unavailable(
                    f"{what}: no answer within the request timeout, so it was not sent again "
                    "(narrow the time range, or raise elasticsearch.request_timeout)"
                ) from exc
            if not retryable(exc):
                raise failed(f"{what}: {describe(exc)}") from exc
            if attempt == backoff.attempts - 1:
                raise unavailable(f"{what}: {describe(exc)}") from exc
            backoff.pause(attempt, what, describe(exc))
    raise AssertionError("unreachable")


class PointInTime:
    """Open and close a point in time, in Elasticsearch's or OpenSearch's dialect."""

    def __init__(self, client: Elasticsearch, compatibility: str) -> None:
        self._client = client
        self._opensearch = compatibility == "opensearch"

    def open(self, index: str, keep_alive: str) -> str:
        if self._opensearch:
            response = self._client.perform_request(
                "POST",
                f"/{index}/_search/point_in_time",
                params={"keep_alive": keep_alive},
                headers={"accept": "application/json"},
            )
            return str(response["pit_id"])
        return str(self._client.open_point_in_time(index=index, keep_alive=keep_alive)["id"])

    def close(self, pit_id: str) -> None:
        if self._opensearch:
            self._client.perform_request(
                "DELETE",
                "/_search/point_in_time",
                body={"pit_id": [pit_id]},
                headers={"accept": "application/json", "content-type": "application/json"},
            )
        else:
            self._client.close_point_in_time(id=pit_id)
