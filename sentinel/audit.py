"""The audit trail: append-only, every entry chained to the one before it by a SHA-256 hash.

Breach handling has to be provable later (GDPR Art. 5(2), 33(5)): who changed an
incident, a decision, a playbook step or a draft, and when. Each entry's hash
covers its content and the previous entry's hash, so editing, removing or
reordering an entry breaks the chain and ``verify`` names the first entry where
it breaks. Sequence numbers are zero-padded record ids taken with
``create_record``, so two writers can never take the same number. A separate
head record remembers the last number, so entries cut off the end are noticed too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson

from sentinel.clock import Clock
from sentinel.events import format_timestamp, parse_timestamp
from sentinel.store.base import ConflictError, Record, Store

KIND = "audit"
HEAD_KIND = "audit_head"
HEAD_ID = "head"
GENESIS = "0" * 64
WIDTH = 12
_ATTEMPTS = 100
_PAGE = 1000

Problem = Literal["edited", "removed", "reordered"]


class AuditError(Exception):
    """The trail could not be written (the store kept refusing a new sequence number)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    prev: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    entries: int
    """How many entries were checked before the first problem (all of them when ok)."""
    seq: int | None = None
    """The first entry that fails, when one does."""
    problem: Problem | None = None
    message: str = "the audit trail is intact"


def seq_id(seq: int) -> str:
    return f"{seq:0{WIDTH}d}"


def canonical(payload: Mapping[str, Any]) -> bytes:
    """Sorted-key JSON: the same content always hashes the same, whatever the key order."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def entry_hash(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def _payload(data: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("seq", "at", "actor", "action", "subject", "details", "prev")
    return {k: data.get(k) for k in keys}


def _entry(data: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(data["seq"]),
        at=parse_timestamp(data["at"]),
        actor=str(data["actor"]),
        action=str(data["action"]),
        subject=str(data["subject"]),
        details=dict(data["details"]),
        prev=str(data["prev"]),
        hash=str(data["hash"]),
    )


def _last(store: Store) -> Record | None:
    found = store.find_records(KIND, descending=True, limit=1)
    return found[0] if found else None


def append(
    store: Store,
    clock: Clock,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry after the current last one; retried when another writer got there first."""
    # Normalised through JSON once, so what is hashed is exactly what the store gives back.
    clean = orjson.loads(orjson.dumps(dict(details or {}), default=str))
    at = format_timestamp(clock.now())
    for _attempt in range(_ATTEMPTS):
        last = _last(store)
        seq = int(last.id) + 1 if last else 1
        payload = {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": clean,
            "prev": str(last.data.get("hash")) if last else GENESIS,
        }
        digest = entry_hash(payload)
        try:
            store.create_record(KIND, seq_id(seq), {**payload, "hash": digest})
        except ConflictError:
            continue
        _advance_head(store, seq, digest)
        return _entry({**payload, "hash": digest})
    raise AuditError(f"could not append to the audit trail after {_ATTEMPTS} attempts")


def _advance_head(store: Store, seq: int, digest: str) -> None:
    """Move the head forward (never back), so a concurrent writer's lower number cannot win."""
    for _attempt in range(_ATTEMPTS):
        head = store.get_record(HEAD_KIND, HEAD_ID)
        try:
            if head is None:
                store.create_record(HEAD_KIND, HEAD_ID, {"seq": seq, "hash": digest})
            elif int(head.data["seq"]) < seq:
                store.update_record(HEAD_KIND, HEAD_ID, {"seq": seq, "hash": digest}, head.version)
            return
        except ConflictError:
            continue
    raise AuditError("could not advance the audit head")


def iter_entries(store: Store, *, page: int = _PAGE) -> Iterator[Record]:
    after: str | None = None
    while True:
        records = store.find_records(KIND, limit=page, after=after)
        yield from records
        if len(records) < page:
            return
        after = records[-1].id


def entries(
    store: Store, *, subject: str | None = None, limit: int = 100, after: int | None = None
) -> list[AuditEntry]:
    """Entries in sequence order, optionally for one subject (an incident id, a run id)."""
    where = {"subject": subject} if subject else None
    records = store.find_records(
        KIND, where, limit=limit, after=seq_id(after) if after is not None else None
    )
    return [_entry(r.data) for r in records]


def verify(store: Store) -> VerifyResult:
    """Walk the chain from the first entry and name the first one that was tampered with."""
    expected = 1
    prev = GENESIS
    checked = 0
    for rec in iter_entries(store):
        data = rec.data
        try:
            seq = int(rec.id)
        except ValueError:
            return _bad(checked, None, "edited", f"record {rec.id!r} is not an audit entry number")
        if seq != expected:
            gap = _missing(expected, seq - 1)
            return _bad(
                checked,
                expected,
                "removed",
                f"{gap}: the trail jumps from entry {expected - 1} to {seq}",
            )
        if data.get("seq") != seq:
            return _bad(
                checked,
                seq,
                "reordered",
                f"entry {seq} holds the content of entry {data.get('seq')}",
            )
        if entry_hash(_payload(data)) != data.get("hash"):
            return _bad(
                checked,
                seq,
                "edited",
                f"entry {seq} ({data.get('action')} on {data.get('subject')}) was changed "
                "after it was written: its content no longer matches its hash",
            )
        if data.get("prev") != prev:
            return _bad(
                checked,
                seq - 1,
                "edited",
                f"entry {seq - 1} was rewritten after entry {seq} was appended: "
                f"entry {seq} points to a different predecessor",
            )
        prev = str(data["hash"])
        expected += 1
        checked += 1
    head = store.get_record(HEAD_KIND, HEAD_ID)
    if head is not None:
        head_seq = int(head.data.get("seq", 0))
        if head_seq > checked:
            gap = _missing(checked + 1, head_seq)
            return _bad(
                checked,
                checked + 1,
                "removed",
                f"{gap} from the end: the trail had {head_seq} entries",
            )
        if head_seq == checked and checked and head.data.get("hash") != prev:
            return _bad(
                checked, checked, "edited", f"entry {checked} differs from the one last appended"
            )
    return VerifyResult(ok=True, entries=checked)


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"entry {first} is missing"
    return f"entries {first} to {last} are missing"


def _bad(checked: int, seq: int | None, problem: Problem, message: str) -> VerifyResult:
    return VerifyResult(ok=False, entries=checked, seq=seq, problem=problem, message=message)
