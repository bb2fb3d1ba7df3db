"""Compile a backend-neutral Filter to an SQLite WHERE clause with bound parameters."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from sentinel.events import TIMESTAMP, epoch_ms, parse_timestamp
from sentinel.store.query import LIST_FIELDS, And, Filter, Match, Or

# Hot fields kept as real columns (indexed where detection needs it); the rest
# is read from the JSON document.
COLUMNS: dict[str, str] = {
    TIMESTAMP: "ts",
    "event.id": "id",
    "event.dataset": "source",
    "event.action": "action",
    "event.outcome": "outcome",
    "user.name": "user_name",
    "source.ip": "source_ip",
    "organization.id": "org_id",
    "sentinel.member.id": "member_id",
    "sentinel.member.partner_id": "member_partner",
    "source.geo.country_iso_code": "country",
}


def field_sql(name: str) -> str:
    column = COLUMNS.get(name)
    if column is not None:
        return column
    return f"json_extract(doc, '$.\"{name}\"')"


def _param(name: str, value: Any) -> Any:
    if name == TIMESTAMP:
        return epoch_ms(value if isinstance(value, datetime) else parse_timestamp(value))
    if isinstance(value, bool):
        return int(value)
    return value


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _wildcard_like(pattern: str) -> str:
    """Sigma wildcards (``*``, ``?``, ``\\`` escapes) to a LIKE pattern."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?\\":
            out.append(_like_escape(pattern[i + 1]))
            i += 2
            continue
        out.append("%" if ch == "*" else "_" if ch == "?" else _like_escape(ch))
        i += 1
    return "".join(out)


def _wildcard_glob(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?\\":
            out.append(_glob_escape(pattern[i + 1]))
            i += 2
            continue
        out.append(ch if ch in "*?" else _glob_escape(ch))
        i += 1
    return "".join(out)


def _compare(expr: str, m: Match, params: list[Any]) -> str:
    """One comparison of ``expr`` (a column, a JSON value or a list element)."""
    op, value, cased = m.op, m.value, m.cased
    # hot columns are declared NOCASE, so a cased match must say BINARY explicitly
    nocase = "" if not isinstance(value, str) else " COLLATE BINARY" if cased else " COLLATE NOCASE"
    if op == "eq":
        if value is None:
            return f"{expr} IS NULL"
        params.append(_param(m.field, value))
        return f"{expr} = ?{nocase}"
    if op in ("gt", "gte", "lt", "lte"):
        params.append(_param(m.field, value))
        sign = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        return f"{expr} {sign} ?"
    if op == "exists":
        return f"{expr} IS {'NOT ' if value else ''}NULL"
    if op == "regex":
        params.append(value if cased else f"(?i){value}")
        return f"regexp(?, {expr})"
    if op == "cidr":
        params.append(str(ipaddress.ip_network(value, strict=False)))
        return f"cidr_match({expr}, ?)"
    text = str(value)
    if op == "wildcard":
        pattern = text
    elif op == "contains":
        pattern = f"*{_escape_wild(text)}*"
    elif op == "startswith":
        pattern = f"{_escape_wild(text)}*"
    else:
        pattern = f"*{_escape_wild(text)}"
    if cased:
        params.append(_wildcard_glob(pattern))
        return f"{expr} GLOB ?"
    params.append(_wildcard_like(pattern))
    return f"{expr} LIKE ? ESCAPE '\\'"


def _escape_wild(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def compile_filter(f: Filter | None, params: list[Any]) -> str:
    if f is None:
        return "1"
    if isinstance(f, Match):
        if f.field in LIST_FIELDS:
            if f.op == "exists":
                return _compare(field_sql(f.field), f, params)
            inner = _compare("value", f, params)
            return f"EXISTS (SELECT 1 FROM json_each(doc, '$.\"{f.field}\"') WHERE {inner})"
        return _compare(field_sql(f.field), f, params)
    if isinstance(f, And | Or):
        if not f.items:
            return "1" if isinstance(f, And) else "0"
        joiner = " AND " if isinstance(f, And) else " OR "
        return "(" + joiner.join(compile_filter(i, params) for i in f.items) + ")"
    return f"NOT COALESCE({compile_filter(f.item, params)}, 0)"


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def regexp(pattern: str, value: Any) -> int:
    if value is None:
        return 0
    return 1 if _regex(pattern).search(str(value)) else 0


@lru_cache(maxsize=256)
def _network(net: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(net, strict=False)


def cidr_match(ip: Any, net: str) -> int:
    if not ip:
        return 0
    try:
        return 1 if ipaddress.ip_address(str(ip)) in _network(net) else 0
    except ValueError:
        return 0
