"""Index names, index templates and ECS mappings of the Elasticsearch store.

Events go to monthly indices (``<prefix>-events-2026.03``) that the events
template puts behind the ``<prefix>-events`` alias, so retention drops whole
indices and nothing needs data streams or ILM. Records and dead letters each
live in one index. ``TEMPLATE_VERSION`` goes up whenever a mapping here changes;
``init`` rewrites templates whose version differs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sentinel.events import TIMESTAMP

TEMPLATE_VERSION = 2
PRIORITY = 200
"""Above Elastic's built-in templates (100) so ours win for our own names."""

KEYWORD_LIMIT = 1024
LONG_KEYWORD_LIMIT = 8191
"""Longer values are kept in the document but not indexed (Lucene's term limit is 32 KiB)."""

IP_TEXT = "keyword"
"""Sub-field of ``ip`` fields holding the address as text, for wildcard and prefix matches."""

_LONG_TEXT = frozenset(
    {
        "message",
        "event.original",
        "url.original",
        "url.query",
        "http.request.referrer",
        "user_agent.original",
    }
)

# ECS and sentinel.* fields with a type other than keyword (docs/events.md).
FIELD_TYPES: dict[str, str] = {
    TIMESTAMP: "date",
    "source.ip": "ip",
    "related.ip": "ip",
    "source.port": "long",
    "destination.port": "long",
    "process.pid": "long",
    "http.response.status_code": "long",
    "http.response.body.bytes": "long",
    "sentinel.records": "long",
    "sentinel.local.hour": "short",
    "sentinel.local.weekday": "short",
    "sentinel.local.business_hours": "boolean",
    "sentinel.account.inactive": "boolean",
    "sentinel.cross_partner": "boolean",
    "sentinel.ssh.invalid_user": "boolean",
}

_KEYWORDS = (
    "event.id",
    "event.dataset",
    "event.action",
    "event.category",
    "event.type",
    "event.outcome",
    "user.name",
    "user.id",
    "user.roles",
    "organization.id",
    "service.name",
    "host.hostname",
    "process.name",
    "source.domain",
    "destination.domain",
    "source.geo.country_iso_code",
    "http.version",
    "http.request.method",
    "related.user",
    "tags",
    "sentinel.member.id",
    "sentinel.member.partner_id",
    "sentinel.data_categories",
    "sentinel.local.date",
    "sentinel.account.kind",
    "sentinel.account.status",
    "sentinel.target.user",
    "sentinel.target.roles",
    "sentinel.role.granted",
    "sentinel.source_id",
    "sentinel.ssh.method",
    *sorted(_LONG_TEXT),
)

NUMERIC = frozenset({"long", "short", "integer", "byte", "double", "float"})

# Fields Sentinel cannot work without; `check` compares them with what the cluster has.
REQUIRED_EVENT_TYPES: dict[str, str] = {
    TIMESTAMP: "date",
    "event.id": "keyword",
    "event.dataset": "keyword",
    "source.ip": "ip",
}


def field_type(name: str) -> str:
    """The mapped type of an event field; fields not listed are dynamic strings (keyword)."""
    return FIELD_TYPES.get(name, "keyword")


def _leaf(name: str) -> dict[str, Any]:
    kind = field_type(name)
    if kind == "keyword":
        limit = LONG_KEYWORD_LIMIT if name in _LONG_TEXT else KEYWORD_LIMIT
        return {"type": "keyword", "ignore_above": limit}
    if kind == "ip":
        return {"type": "ip", "fields": {IP_TEXT: {"type": "keyword"}}}
    return {"type": kind}


def _nest(flat: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``{"user.name": {...}}`` to the nested ``properties`` form Elasticsearch returns."""
    root: dict[str, Any] = {}
    for name, leaf in flat.items():
        node = root
        *parents, last = name.split(".")
        for part in parents:
            node = node.setdefault(part, {"properties": {}})["properties"]
        node[last] = leaf
    return root


def event_mappings() -> dict[str, Any]:
    names = [*FIELD_TYPES, *_KEYWORDS]
    return {
        "dynamic": True,
        "date_detection": False,
        "numeric_detection": False,
        "dynamic_templates": [
            {
                "strings_as_keywords": {
                    "match_mapping_type": "string",
                    "mapping": {"type": "keyword", "ignore_above": KEYWORD_LIMIT},
                }
            }
        ],
        "properties": _nest({n: _leaf(n) for n in names}),
    }


def record_mappings() -> dict[str, Any]:
    """Records keep ``data`` unindexed; ``k.<key>`` indexes each top-level scalar of it.

    Per key: ``t`` the type rank (1 number or boolean, 2 text; absent for null),
    ``n`` the number, ``s`` the text; for a list, ``m`` its text items. Separate
    fields per type mean two kinds of record may use one key for different types
    without a mapping conflict, and sorting by (t, n, s) orders values the way
    SQLite's ``json_extract`` does.
    """
    return {
        "dynamic": "strict",
        "dynamic_templates": [
            {"k_text": {"path_match": "k.*.s", "mapping": _text_key()}},
            {"k_number": {"path_match": "k.*.n", "mapping": {"type": "double"}}},
            {"k_rank": {"path_match": "k.*.t", "mapping": {"type": "byte"}}},
            {"k_member": {"path_match": "k.*.m", "mapping": _text_key()}},
        ],
        "properties": {
            "kind": {"type": "keyword"},
            "id": {"type": "keyword"},
            "data": {"type": "object", "enabled": False},
            "k": {"type": "object", "dynamic": True},
        },
    }


def _text_key() -> dict[str, Any]:
    return {"type": "keyword", "ignore_above": LONG_KEYWORD_LIMIT}


def dead_letter_mappings() -> dict[str, Any]:
    return {
        "dynamic": "strict",
        "properties": {
            "id": {"type": "keyword"},
            "source": {"type": "keyword"},
            "position": {"type": "keyword", "ignore_above": LONG_KEYWORD_LIMIT},
            "reason": {"type": "keyword", "ignore_above": LONG_KEYWORD_LIMIT},
            "raw": {"type": "keyword", "index": False, "doc_values": False},
            "received": {"type": "date"},
        },
    }


class Names:
    """Every index, alias and template name the store uses, from one prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.events = f"{prefix}-events"
        self.event_pattern = f"{prefix}-events-*"
        self.records = f"{prefix}-records"
        self.dead_letters = f"{prefix}-dead-letters"

    def event_index(self, ts: datetime) -> str:
        ts = ts.astimezone(UTC)
        return f"{self.events}-{ts.year:04d}.{ts.month:02d}"

    def event_index_month(self, index: str) -> tuple[int, int] | None:
        """(year, month) of one of our monthly event indices; None for any other name."""
        suffix = index.removeprefix(f"{self.events}-")
        if suffix == index or len(suffix) != 7 or suffix[4] != ".":
            return None
        year, month = suffix[:4], suffix[5:]
        if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
            return None
        return int(year), int(month)

    def templates(self) -> dict[str, dict[str, Any]]:
        """Composable index templates by name."""
        settings = {"number_of_shards": 1}
        return {
            self.events: _template(
                [self.event_pattern],
                {**settings, "mapping.total_fields.limit": 2000},
                event_mappings(),
                aliases={self.events: {}},
            ),
            self.records: _template(
                [self.records],
                {**settings, "mapping.total_fields.limit": 10000},
                record_mappings(),
            ),
            self.dead_letters: _template([self.dead_letters], settings, dead_letter_mappings()),
        }


def _template(
    patterns: list[str],
    settings: dict[str, Any],
    mappings: dict[str, Any],
    aliases: dict[str, Any] | None = None,
) -> dict[str, Any]:
    template: dict[str, Any] = {"settings": {"index": settings}, "mappings": mappings}
    if aliases:
        template["aliases"] = aliases
    return {
        "index_patterns": patterns,
        "priority": PRIORITY,
        "version": TEMPLATE_VERSION,
        "template": template,
        "_meta": {"managed_by": "sentinel"},
    }


def mapped_type(mappings: dict[str, Any], name: str) -> str | None:
    """The type a mapping gives a dotted field name; None when it is not mapped."""
    node: dict[str, Any] = mappings
    *parents, last = name.split(".")
    for part in parents:
        node = node.get("properties", {}).get(part, {})
    leaf = node.get("properties", {}).get(last)
    if leaf is None:
        return None
    return str(leaf.get("type", "object"))
