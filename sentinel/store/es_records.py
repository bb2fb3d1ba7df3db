"""Records as Elasticsearch documents: ids, indexed keys, filters, order and versions.

A record's ``data`` is kept whole but unindexed, so any JSON shape is accepted;
each top-level scalar is also indexed under ``k.<key>`` (see es_mappings) so
``find_records`` can filter and sort on it like the SQLite store does on
``json_extract``: numbers and booleans compare as numbers, text as text, null
and missing alike, nulls first when ascending. The text items of a top-level
list are indexed too, for ``Holds``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sentinel.store.base import Between, Holds, Record, Scalar, StoreError
from sentinel.store.query import FIELD_NAME, check_field

NUMBER, TEXT = 1, 2


def doc_id(kind: str, id: str) -> str:
    if "/" in kind:
        raise StoreError(f"record kind {kind!r} must not contain '/'")
    return f"{kind}/{id}"


def document(kind: str, id: str, data: Mapping[str, Any]) -> dict[str, Any]:
    keys: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if not FIELD_NAME.match(key):
            continue
        if isinstance(value, bool):
            keys[key] = {"t": NUMBER, "n": int(value)}
        elif isinstance(value, int | float) and math.isfinite(value):
            keys[key] = {"t": NUMBER, "n": value}
        elif isinstance(value, str):
            keys[key] = {"t": TEXT, "s": value}
        elif isinstance(value, list) and (items := [v for v in value if isinstance(v, str)]):
            keys[key] = {"m": items}
    return {"kind": kind, "id": id, "data": dict(data), "k": keys}


def version(seq_no: int, primary_term: int) -> str:
    return f"{seq_no}:{primary_term}"


def parse_version(text: str) -> tuple[int, int]:
    """(if_seq_no, if_primary_term); anything else is not a version from this store."""
    seq_no, _, term = text.partition(":")
    if not (seq_no.isdigit() and term.isdigit()):
        raise StoreError(f"{text!r} is not a record version from this store")
    return int(seq_no), int(term)


def from_hit(hit: Mapping[str, Any]) -> Record:
    source = hit["_source"]
    return Record(
        source["kind"], source["id"], source["data"], version(hit["_seq_no"], hit["_primary_term"])
    )


def where_clauses(kind: str, where: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = [{"term": {"kind": kind}}]
    for key, value in (where or {}).items():
        check_field(key)
        if value is None:
            clauses.append({"bool": {"must_not": [_exists(key, "t"), _exists(key, "m")]}})
        elif isinstance(value, Holds):
            clauses += [{"term": {f"k.{key}.m": term}} for term in value.values]
        elif isinstance(value, Between):
            text = isinstance(value.low if value.low is not None else value.high, str)
            bounds = {
                op: int(bound) if isinstance(bound, bool) else bound
                for op, bound in (("gte", value.low), ("lt", value.high))
                if bound is not None
            }
            clauses.append({"range": {f"k.{key}.{'s' if text else 'n'}": bounds}})
        elif isinstance(value, bool | int | float):
            number = int(value) if isinstance(value, bool) else value
            clauses.append({"term": {f"k.{key}.n": number}})
        elif isinstance(value, str):
            clauses.append({"term": {f"k.{key}.s": value}})
        else:
            raise StoreError(f"cannot compare record key {key!r} with {type(value).__name__}")
    return clauses


def _exists(key: str, part: str) -> dict[str, Any]:
    return {"exists": {"field": f"k.{key}.{part}"}}


def count_sources(group_by: Sequence[str]) -> list[dict[str, Any]]:
    """Composite sources giving each key's rank, number and text (absent ones as null)."""
    sources = []
    for n, key in enumerate(group_by):
        check_field(key)
        for part in ("t", "n", "s"):
            field = {"terms": {"field": f"k.{key}.{part}", "missing_bucket": True}}
            sources.append({f"{n}{part}": field})
    return sources


def count_key(bucket_key: Mapping[str, Any], group_by: Sequence[str]) -> tuple[Scalar, ...]:
    """The values a bucket of ``count_sources`` stands for, as ``json_extract`` gives them."""
    values: list[Scalar] = []
    for n in range(len(group_by)):
        rank = bucket_key[f"{n}t"]
        if rank == NUMBER:
            number = bucket_key[f"{n}n"]
            values.append(int(number) if float(number).is_integer() else number)
        elif rank == TEXT:
            values.append(bucket_key[f"{n}s"])
        else:
            values.append(None)
    return tuple(values)


def sort(order_by: str | None, descending: bool) -> list[dict[str, Any]]:
    order = "desc" if descending else "asc"
    by_id = {"id": {"order": order}}
    if order_by is None:
        return [by_id]
    check_field(order_by)
    key = f"k.{order_by}"
    return [
        {
            f"{key}.t": {
                "order": order,
                "missing": "_last" if descending else "_first",
                "unmapped_type": "byte",
            }
        },
        {f"{key}.n": {"order": order, "unmapped_type": "double"}},
        {f"{key}.s": {"order": order, "unmapped_type": "keyword"}},
        by_id,
    ]


def after_clause(order_by: str, after: tuple[Any, str], descending: bool) -> dict[str, Any]:
    """Records past ``after`` in ``sort`` order: null, then numbers, then text (as SQLite)."""
    check_field(order_by)
    key = f"k.{order_by}"
    last, last_id = after
    op = "lt" if descending else "gt"
    missing = {"bool": {"must_not": [{"exists": {"field": f"{key}.t"}}]}}
    same_then_id: dict[str, Any]
    if last is None:
        same_then_id = {"bool": {"filter": [missing, {"range": {"id": {op: last_id}}}]}}
        later = [] if descending else [{"exists": {"field": f"{key}.t"}}]
        return {"bool": {"should": [same_then_id, *later], "minimum_should_match": 1}}
    if isinstance(last, bool | int | float):
        number = int(last) if isinstance(last, bool) else last
        field, value, kind = f"{key}.n", number, NUMBER
    else:
        field, value, kind = f"{key}.s", str(last), TEXT
    beyond = {"range": {field: {op: value}}}
    same_then_id = {
        "bool": {"filter": [{"term": {field: value}}, {"range": {"id": {op: last_id}}}]}
    }
    if descending:
        rest = [missing] + ([{"term": {f"{key}.t": NUMBER}}] if kind == TEXT else [])
    else:
        rest = [{"term": {f"{key}.t": TEXT}}] if kind == NUMBER else []
    return {"bool": {"should": [beyond, same_then_id, *rest], "minimum_should_match": 1}}
