"""The audit trail: append-only, every entry chained to the one before it by a SHA-256 hash.

Breach handling has to be provable later (GDPR Art. 5(2), 33(5)): who changed an
incident, a decision, a playbook step or a draft, and when. Each entry's hash
covers its content and the previous entry's hash, so editing, removing or
reordering an entry breaks the chain and ``verify`` names the first entry where
it breaks. Sequence numbers are zero-padded record ids taken with
``create_record``, so two writers can never take the same number. A separate
head record remembers the last number, so entries cut off the end are noticed too.

The chain also binds the state it describes: an entry about a change carries, for each
record the change wrote (the incident, its decision, the playbook run, the draft), the
record's version and a hash of its new content, with a hash per field. ``verify`` reads
every such record as it is now and finds the entry for its current version: a record
edited in the store (an awareness time, a decision, a step, a draft's text) no longer
matches, and a record whose newest change lost its entry (the newest entry deleted and
the head rewritten) has a version no entry holds. It says which fields differ.

Some records change without an entry of their own: a session notes when it was last
used, a token when it was last presented. Their state leaves such ``volatile`` fields
out and is compared by content rather than version; a record that may end by itself
(a session timing out) may be gone. For the kinds that grant access (users, sessions,
tokens) ``verify`` also walks every record in the store: one that no entry describes
was put there outside Sentinel.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson

from sentinel.clock import Clock
from sentinel.events import format_timestamp, parse_timestamp
from sentinel.store.base import ConflictError, Record, Store

KIND = "audit"
CHECKPOINT_KIND = "audit_checkpoint"
HEAD_KIND = "audit_head"
HEAD_ID = "head"
GENESIS = "0" * 64
WIDTH = 12
_ATTEMPTS = 100
_PAGE = 1000

Problem = Literal["edited", "removed", "reordered", "changed", "rewritten"]
_BASE_KEYS = ("seq", "at", "actor", "action", "subject", "details", "prev")


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
    changes: tuple[str, ...] = ()
    """Every record that differs from the state its entries describe, one line each."""
    records: int = 0
    """Records whose current state was checked against the trail."""


def seq_id(seq: int) -> str:
    return f"{seq:0{WIDTH}d}"


def canonical(payload: Mapping[str, Any]) -> bytes:
    """Sorted-key JSON: the same content always hashes the same, whatever the key order."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def entry_hash(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def _payload(data: Mapping[str, Any]) -> dict[str, Any]:
    payload = {k: data.get(k) for k in _BASE_KEYS}
    if "states" in data:  # entries written before states were bound hash without the key
        payload["states"] = data["states"]
    return payload


def _plain(data: Mapping[str, Any]) -> dict[str, Any]:
    """Content as JSON gives it back, so the store's copy hashes the same as what was written."""
    return dict(orjson.loads(orjson.dumps(dict(data), default=str)))


def _fields(data: Mapping[str, Any]) -> dict[str, str]:
    """A short hash per field, and per key of a field that is a mapping (``facts.subjects``)."""
    out: dict[str, str] = {}
    for key, value in data.items():
        out[key] = entry_hash({"v": value})[:16]
        if isinstance(value, dict):
            for sub, inner in value.items():
                out[f"{key}.{sub}"] = entry_hash({"v": inner})[:16]
    return out


@dataclass(frozen=True, slots=True)
class Binding:
    """A record to bind into an entry, with the fields that change without an entry
    (``volatile``) and whether it may disappear by itself (``may_end``)."""

    record: Record
    volatile: tuple[str, ...] = ()
    may_end: bool = False


def state(record: Record, *, volatile: Sequence[str] = (), may_end: bool = False) -> dict[str, Any]:
    """What an entry keeps of a record it changed: kind, id, version, content and field hashes."""
    data = {k: v for k, v in _plain(record.data).items() if k not in volatile}
    out: dict[str, Any] = {
        "kind": record.kind,
        "id": record.id,
        "version": record.version,
        "hash": entry_hash(data),
        "fields": _fields(data),
    }
    if volatile:
        out["volatile"] = sorted(volatile)
    if may_end:
        out["may_end"] = True
    return out


def _state_of(item: Record | Binding) -> dict[str, Any]:
    if isinstance(item, Binding):
        return state(item.record, volatile=item.volatile, may_end=item.may_end)
    return state(item)


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
    *,
    records: Sequence[Record | Binding] = (),
) -> AuditEntry:
    """Add one entry after the current last one; retried when another writer got there first.

    ``records`` are the records the change wrote, as the store returned them: their state
    is bound into the entry, so ``verify`` finds them changed behind Sentinel's back.
    """
    states = [_state_of(r) for r in records]
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
        if states:
            payload["states"] = states
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


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where the trail stood: entry ``seq`` had hash ``hash``. Kept outside the store (in a
    register export, an approval, a log line), it shows a later rewrite of the trail."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        seq, _, digest = text.strip().partition(":")
        if not seq.isdigit() or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ValueError(f"{text!r} is not an audit anchor (ENTRY:SHA256, as exports print it)")
        return cls(int(seq), digest)


def head(store: Store) -> Anchor | None:
    """The newest entry: what an export or an approval prints to anchor the trail."""
    last = _last(store)
    return Anchor(int(last.data["seq"]), str(last.data["hash"])) if last else None


def _mac(key: bytes, anchor: Anchor, at: str) -> str:
    return hmac.new(key, f"{anchor}|{at}".encode(), hashlib.sha256).hexdigest()


def checkpoint(store: Store, clock: Clock, key: bytes) -> tuple[Anchor, str] | None:
    """Sign the newest entry with ``key`` (HMAC-SHA256) and keep it; None on an empty trail.

    Someone who can rewrite the store but does not hold the key cannot make a checkpoint
    that agrees with a rewritten trail.
    """
    anchor = head(store)
    if anchor is None:
        return None
    at = format_timestamp(clock.now())
    data = {"seq": anchor.seq, "hash": anchor.hash, "at": at, "mac": _mac(key, anchor, at)}
    store.put_record(CHECKPOINT_KIND, seq_id(anchor.seq), data)
    return anchor, at


def _anchored(store: Store, anchors: Sequence[tuple[Anchor, str]], key: bytes | None) -> list[str]:
    """What the kept anchors and the signed checkpoints say that the trail no longer does."""
    problems = []
    kept = list(anchors)
    after: str | None = None
    while records := store.find_records(CHECKPOINT_KIND, limit=_PAGE, after=after):
        for rec in records:
            d = rec.data
            anchor, at = Anchor(int(d["seq"]), str(d["hash"])), str(d["at"])
            where = f"the checkpoint of {at}"
            if key is not None and not hmac.compare_digest(_mac(key, anchor, at), str(d["mac"])):
                problems.append(f"{where} (entry {anchor.seq}) is not signed with this key")
                continue
            kept.append((anchor, where))
        if len(records) < _PAGE:
            break
        after = records[-1].id
    for anchor, where in kept:
        found = store.get_record(KIND, seq_id(anchor.seq))
        if found is None:
            problems.append(
                f"entry {anchor.seq} is gone, though {where} saw the trail reach it: "
                "entries were removed from the end"
            )
        elif found.data.get("hash") != anchor.hash:
            problems.append(
                f"entry {anchor.seq} differs from {where}: the trail up to it was rewritten"
            )
    return problems


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


def verify(
    store: Store,
    *,
    anchors: Sequence[Anchor] = (),
    key: bytes | None = None,
    complete: Sequence[str] = (),
) -> VerifyResult:
    """Walk the chain from the first entry and name the first one that was tampered with;
    then check every record against the state its entries hold, every record of the
    ``complete`` kinds for an entry that describes it, and the trail against the
    ``anchors`` kept outside the store and the checkpoints (signed with ``key``)."""
    expected = 1
    prev = GENESIS
    checked = 0
    bound: dict[tuple[str, str], dict[str, _Bound]] = {}
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
        for s in data.get("states") or ():
            versions = bound.setdefault((s["kind"], s["id"]), {})
            versions[str(s["version"])] = _Bound(seq, str(data.get("action")), s)
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
    given = [(a, f"the anchor {a.seq}:{a.hash[:12]}…") for a in anchors]
    rewritten = _anchored(store, given, key)
    held = {(r.kind, r.id): r for kind in complete for r in _all(store, kind)}

    def current(kind: str, record_id: str) -> Record | None:
        if kind in complete:
            return held.get((kind, record_id))
        return store.get_record(kind, record_id)

    changes = sorted(
        c for rec, versions in bound.items() if (c := _compare(current, rec, versions))
    )
    unbound = sorted(
        f"{kind} {rid} is in the store, but no entry describes it: it was put there "
        "outside Sentinel"
        for kind, rid in held.keys() - bound.keys()
    )
    if rewritten or changes or unbound:
        found = [*rewritten, *(c[1] for c in changes), *unbound]
        return VerifyResult(
            ok=False,
            entries=checked,
            seq=changes[0][0] if changes and not rewritten else None,
            problem="rewritten" if rewritten else "changed",
            message=found[0],
            changes=tuple(found),
            records=len(bound),
        )
    return VerifyResult(ok=True, entries=checked, records=len(bound))


@dataclass(frozen=True, slots=True)
class _Bound:
    seq: int
    action: str
    state: dict[str, Any]


def _all(store: Store, kind: str) -> Iterator[Record]:
    after: str | None = None
    while records := store.find_records(kind, limit=_PAGE, after=after):
        yield from records
        if len(records) < _PAGE:
            return
        after = records[-1].id


def _compare(
    lookup: Callable[[str, str], Record | None],
    key: tuple[str, str],
    versions: dict[str, _Bound],
) -> tuple[int, str] | None:
    """How a record differs from the state the trail holds for its current version, if it does.

    A record with volatile fields may have moved on without an entry: its content (without
    them) is compared with the newest entry's."""
    kind, record_id = key
    newest = max(versions.values(), key=lambda b: b.seq)
    what = f"{kind} {record_id}"
    current = lookup(kind, record_id)
    if current is None:
        if newest.state.get("may_end"):
            return None
        return newest.seq, (
            f"{what} was deleted outside Sentinel: entry {newest.seq} ({newest.action}) "
            "describes it"
        )
    volatile = newest.state.get("volatile") or ()
    now = state(current, volatile=volatile)
    recorded = versions.get(str(current.version))
    if recorded is None and volatile:
        recorded = newest
    if recorded is not None and recorded.state["hash"] == now["hash"]:
        return None
    against = recorded or newest
    fields = _differing(against.state.get("fields", {}), now["fields"])
    if recorded is None:
        return newest.seq, (
            f"{what} was changed outside Sentinel, or the entry of its newest change was "
            f"removed: no entry holds its current version; since entry {newest.seq} "
            f"({newest.action}) {fields}"
        )
    return recorded.seq, (
        f"{what} was changed outside Sentinel after entry {recorded.seq} "
        f"({recorded.action}): {fields}"
    )


def _differing(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    """``decision.reason changed, notes added``; sub-fields named instead of their parent."""
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    parts: list[str] = []
    for names, how in ((changed, "changed"), (added, "added"), (removed, "removed")):
        named = [n for n in names if not any(m.startswith(n + ".") for m in names)]
        if named:
            parts.append(f"{', '.join(named)} {how}")
    return "; ".join(parts) or "its content differs"


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"entry {first} is missing"
    return f"entries {first} to {last} are missing"


def _bad(checked: int, seq: int | None, problem: Problem, message: str) -> VerifyResult:
    return VerifyResult(ok=False, entries=checked, seq=seq, problem=problem, message=message)
