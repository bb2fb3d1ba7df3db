"""Compile a backend-neutral Filter to an Elasticsearch bool query.

The meaning follows the SQLite store (sql_filter.py): string matches ignore
case unless ``cased``; a negation also matches events that lack the field; a
regex matches anywhere in the value, as Python's ``re.search`` does. Lucene has
no unanchored regex, so patterns are rewritten to its syntax; constructs it
cannot express are refused with a QueryError rather than silently changed.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any

from sentinel.events import TIMESTAMP, epoch_ms, parse_timestamp
from sentinel.store.es_mappings import IP_TEXT, NUMERIC, field_type
from sentinel.store.query import And, EventQuery, Filter, Match, Or, QueryError

MATCH_ALL: dict[str, Any] = {"match_all": {}}
MATCH_NONE: dict[str, Any] = {"match_none": {}}
_RANGE = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}


def event_query(query: EventQuery) -> dict[str, Any]:
    """The filter and the ``[start, end)`` window as one query (no scoring)."""
    clauses = [compile_filter(query.filter)] if query.filter is not None else []
    window: dict[str, Any] = {}
    if query.start is not None:
        window["gte"] = epoch_ms(query.start)
    if query.end is not None:
        window["lt"] = epoch_ms(query.end)
    if window:
        clauses.append({"range": {TIMESTAMP: {**window, "format": "epoch_millis"}}})
    if not clauses:
        return MATCH_ALL
    return {"bool": {"filter": clauses}}


def compile_filter(f: Filter | None) -> dict[str, Any]:
    if f is None:
        return MATCH_ALL
    if isinstance(f, Match):
        return _match(f)
    if isinstance(f, And):
        if not f.items:
            return MATCH_ALL
        return {"bool": {"filter": [compile_filter(i) for i in f.items]}}
    if isinstance(f, Or):
        if not f.items:
            return MATCH_NONE
        return {"bool": {"should": [compile_filter(i) for i in f.items], "minimum_should_match": 1}}
    return {"bool": {"must_not": [compile_filter(f.item)]}}


def missing(name: str) -> dict[str, Any]:
    return {"bool": {"must_not": [{"exists": {"field": name}}]}}


def _match(m: Match) -> dict[str, Any]:
    name, op, value = m.field, m.op, m.value
    kind = field_type(name)
    if op == "exists":
        return {"exists": {"field": name}} if value else missing(name)
    if op == "eq":
        return equals(name, value, cased=m.cased)
    if op in _RANGE:
        bound = _typed(name, kind, value)
        if bound is None:
            return MATCH_NONE
        extra = {"format": "epoch_millis"} if kind == "date" else {}
        return {"range": {name: {_RANGE[op]: bound, **extra}}}
    if op == "cidr":
        if kind != "ip":
            raise QueryError(f"cidr needs an IP field; {name} is not mapped as ip")
        return {"term": {name: str(ipaddress.ip_network(value, strict=False))}}
    target = _text_field(name, kind, op)
    if op == "regex":
        text, cased = str(value), m.cased
        if text.startswith("(?i)"):
            text, cased = text[4:], False
        return {
            "regexp": {
                target: {
                    "value": lucene_regex(text),
                    "flags": "NONE",
                    "case_insensitive": not cased,
                }
            }
        }
    if op == "startswith":
        return {"prefix": {target: {"value": str(value), "case_insensitive": not m.cased}}}
    text = str(value)
    pattern = {
        "wildcard": sigma_wildcard(text),
        "contains": f"*{_escape(text)}*",
        "endswith": f"*{_escape(text)}",
    }[op]
    return {"wildcard": {target: {"value": pattern, "case_insensitive": not m.cased}}}


def equals(name: str, value: Any, *, cased: bool = False) -> dict[str, Any]:
    """``name == value``: missing or null when value is None; strings ignore case unless cased."""
    if value is None:
        return missing(name)
    kind = field_type(name)
    typed = _typed(name, kind, value)
    if typed is None:
        return MATCH_NONE
    if kind == "date":
        return {"range": {name: {"gte": typed, "lte": typed, "format": "epoch_millis"}}}
    if kind == "keyword" and isinstance(typed, str) and not cased:
        return {"term": {name: {"value": typed, "case_insensitive": True}}}
    return {"term": {name: typed}}


def _typed(name: str, kind: str, value: Any) -> Any:
    """``value`` as the field's type, or None when no value of that type can equal it."""
    if kind == "date":
        return epoch_ms(value if isinstance(value, datetime) else parse_timestamp(value))
    if kind == "ip":
        try:
            return str(ipaddress.ip_address(str(value)))
        except ValueError:
            return None
    if kind in NUMERIC:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int | float):
            return value
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if kind == "boolean":
        if isinstance(value, bool | int):
            return bool(value)
        return {"true": True, "false": False}.get(str(value).lower())
    return value


def _text_field(name: str, kind: str, op: str) -> str:
    if kind == "ip":
        return f"{name}.{IP_TEXT}"
    if kind != "keyword":
        raise QueryError(f"{op} matches text; {name} is a {kind} field (compare it with eq/gt/lt)")
    return name


def _escape(text: str) -> str:
    """A literal for a Lucene wildcard pattern."""
    return "".join(f"\\{c}" if c in "*?\\" else c for c in text)


def sigma_wildcard(pattern: str) -> str:
    """Sigma wildcards (``*``, ``?``, ``\\`` escaping ``*?\\``) to a Lucene wildcard pattern."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?\\":
            out.append(_escape(pattern[i + 1]))
            i += 2
            continue
        out.append(ch if ch in "*?" else _escape(ch))
        i += 1
    return "".join(out)


_CLASS_SHORTHANDS = {"d": "0-9", "w": "A-Za-z0-9_", "s": " \t\n\r\f\v"}
_SHORTHANDS = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": "[A-Za-z0-9_]",
    "W": "[^A-Za-z0-9_]",
    "s": "[ \t\n\r\f\v]",
    "S": "[^ \t\n\r\f\v]",
}
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
_LUCENE_RESERVED = set('#@&<>~"')
"""Characters Lucene treats specially (with some flags) that are plain in Python regexes."""


def lucene_regex(pattern: str) -> str:
    """A Python ``re.search`` pattern as a Lucene regexp matching the whole value.

    Lucene regexps are anchored and lack ``\\d``-style classes, lookaround, lazy
    quantifiers and back-references: the classes are spelled out, lazy quantifiers
    become greedy (the same values match), ``^``/``$`` at the ends drop the implied
    ``.*``; the rest raises QueryError naming the construct.
    """
    body, start, end = pattern, False, False
    if body.startswith("^"):
        body, start = body[1:], True
    if body.endswith("$") and not _escaped_at(body, len(body) - 1):
        body, end = body[:-1], True
    out: list[str] = []
    depth, in_class, i = 0, False, 0
    top_level_or = False
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            if i + 1 >= len(body):
                raise QueryError(f"regex {pattern!r} ends with a lone backslash")
            nxt = body[i + 1]
            if nxt in _SHORTHANDS:
                if in_class:
                    if nxt not in _CLASS_SHORTHANDS:
                        raise QueryError(
                            f"regex {pattern!r}: \\{nxt} inside [...] is not supported"
                        )
                    out.append(_CLASS_SHORTHANDS[nxt])
                else:
                    out.append(_SHORTHANDS[nxt])
            elif nxt in _CONTROL:
                out.append(_CONTROL[nxt])
            elif nxt.isalnum():
                raise QueryError(f"regex {pattern!r}: \\{nxt} is not supported in Elasticsearch")
            else:
                out.append("\\" + nxt)
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            out.append(f"\\{ch}" if ch in _LUCENE_RESERVED else ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            if body[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if body[i + 1 : i + 2] == "]":
                out.append("\\]")
                i += 1
        elif ch == "(":
            if body[i + 1 : i + 3] == "?:":
                i += 2
            elif body[i + 1 : i + 2] == "?":
                raise QueryError(f"regex {pattern!r}: (?…) groups are not supported")
            depth += 1
            out.append("(")
        elif ch == ")":
            depth -= 1
            out.append(")")
        elif ch in "*+?}" and body[i + 1 : i + 2] == "?":
            out.append(ch)
            i += 1
        elif ch == "{" and body[i + 1 : i + 2] == ",":
            out.append("{0")
        elif ch in "^$":
            raise QueryError(f"regex {pattern!r}: {ch} is only supported at the ends")
        elif ch == "|":
            top_level_or = top_level_or or depth == 0
            out.append("|")
        elif ch in _LUCENE_RESERVED:
            out.append(f"\\{ch}")
        else:
            out.append(ch)
        i += 1
    core = "".join(out)
    if top_level_or and (start or end):
        raise QueryError(f"regex {pattern!r}: anchors with a top-level | are not supported")
    if top_level_or:
        core = f"({core})"
    return ("" if start else ".*") + core + ("" if end else ".*")


def _escaped_at(text: str, index: int) -> bool:
    backslashes = 0
    while index - 1 - backslashes >= 0 and text[index - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1
