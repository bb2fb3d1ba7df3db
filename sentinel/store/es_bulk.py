"""Bulk ``create`` requests sized by bytes (and count), sent a few at a time, retried per document.

A document the cluster refuses for what it is (a value that does not fit the
mapping) is reported with the server's reason and the rest are kept; one it
refuses for being busy (429, 5xx) or for an index block (a full disk, a write
block) is sent again after a pause; one whose id
exists already is a duplicate. A whole request that fails for being busy or
unreachable is sent again as well. Only what is still refused after the last
try makes the call fail, so a caller that moves a checkpoint afterwards never
moves it past a document that was not stored. The requests of one write go out
``concurrency`` at a time, so the cluster indexes one while the next is on its
way; the write returns when every one has been answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson
from elasticsearch import ApiError, Elasticsearch, TransportError

from sentinel.store.base import StoreError, StoreUnavailable
from sentinel.store.es_client import (
    RETRY_STATUS,
    Backoff,
    blocked,
    describe,
    error_reason,
    retryable,
)

REJECT_STATUS = 400
"""The document itself is wrong; anything else not retried is the cluster refusing us."""


@dataclass(slots=True)
class BulkOutcome:
    """Positions (into the caller's sequence) of what was created, existed or was refused."""

    created: list[int] = field(default_factory=list)
    existing: list[int] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Item:
    position: int
    lines: bytes


class BulkWriter:
    def __init__(
        self,
        client: Elasticsearch,
        backoff: Backoff,
        *,
        max_docs: int,
        max_bytes: int,
        concurrency: int = 1,
    ) -> None:
        self._client = client
        self._backoff = backoff
        self._max_docs = max_docs
        self._max_bytes = max_bytes
        self._concurrency = concurrency

    def create(self, docs: Sequence[tuple[str, str, dict[str, Any]]]) -> BulkOutcome:
        """Create each ``(index, id, document)`` unless a document with that id exists."""
        outcome = BulkOutcome()
        items = []
        for i, (index, doc_id, doc) in enumerate(docs):
            try:
                items.append(_Item(i, _lines(index, doc_id, doc)))
            except orjson.JSONEncodeError as exc:
                outcome.rejected.append((i, f"not JSON: {exc}"))
        chunks = self._chunks(items)
        if self._concurrency == 1 or len(chunks) == 1:
            for chunk in chunks:
                self._send(chunk, outcome)
            return outcome
        with ThreadPoolExecutor(self._concurrency, thread_name_prefix="bulk") as pool:
            parts = [pool.submit(self._sent, chunk) for chunk in chunks]
        for part in parts:
            done = part.result()  # raises what the chunk's last try raised
            outcome.created += done.created
            outcome.existing += done.existing
            outcome.rejected += done.rejected
        return outcome

    def _sent(self, chunk: list[_Item]) -> BulkOutcome:
        outcome = BulkOutcome()
        self._send(chunk, outcome)
        return outcome

    def _chunks(self, items: list[_Item]) -> list[list[_Item]]:
        chunks: list[list[_Item]] = []
        chunk: list[_Item] = []
        size = 0
        for item in items:
            if chunk and (len(chunk) >= self._max_docs or size + len(item.lines) > self._max_bytes):
                chunks.append(chunk)
                chunk, size = [], 0
            chunk.append(item)
            size += len(item.lines)
        if chunk:
            chunks.append(chunk)
        return chunks

    def _send(self, chunk: list[_Item], outcome: BulkOutcome) -> None:
        pending = chunk
        attempts = self._backoff.attempts
        for attempt in range(attempts):
            what = f"bulk write of {len(pending)} documents"
            try:
                response = self._client.bulk(operations=b"".join(i.lines for i in pending))
            except (ApiError, TransportError) as exc:
                if not retryable(exc):
                    raise StoreError(f"{what}: {describe(exc)}") from exc
                if attempt == attempts - 1:
                    raise StoreUnavailable(f"{what}: {describe(exc)}") from exc
                self._backoff.pause(attempt, what, describe(exc))
                continue
            retry, why = self._sort_out(pending, response["items"], outcome)
            if not retry:
                return
            if attempt == attempts - 1:
                raise StoreUnavailable(
                    f"{len(retry)} documents still refused after {attempts} tries: {why}"
                )
            self._backoff.pause(attempt, f"{len(retry)} of {len(pending)} documents", why)
            pending = retry

    def _sort_out(
        self, sent: list[_Item], results: list[dict[str, Any]], outcome: BulkOutcome
    ) -> tuple[list[_Item], str]:
        retry: list[_Item] = []
        why = ""
        for item, result in zip(sent, results, strict=True):
            (answer,) = result.values()
            status = int(answer.get("status", 500))
            if status in (200, 201):
                outcome.created.append(item.position)
            elif status == 409:
                outcome.existing.append(item.position)
            elif status in RETRY_STATUS or status >= 500 or blocked(answer.get("error")):
                retry.append(item)
                why = f"HTTP {status}: {error_reason(answer.get('error'))}"
            elif status == REJECT_STATUS:
                outcome.rejected.append((item.position, error_reason(answer.get("error"))))
            else:
                raise StoreError(
                    f"the cluster refused a write to {answer.get('_index')} "
                    f"(HTTP {status}): {error_reason(answer.get('error'))}"
                )
        return retry, why


def _lines(index: str, doc_id: str, doc: dict[str, Any]) -> bytes:
    action = orjson.dumps({"create": {"_index": index, "_id": doc_id}})
    return action + b"\n" + orjson.dumps(doc) + b"\n"
