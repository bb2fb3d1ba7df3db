"""Which event field a value from a source may land in.

Rules are written against the ECS names in ``sentinel.events.FIELDS``. A source
that sends a field Sentinel does not know, or one Sentinel derives itself
(the local hour, the account status, the data categories), must not be able to
steer a rule with it: such values are kept, but under ``labels.<name>``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import lru_cache

from sentinel.events import (
    ACCOUNT_INACTIVE,
    ACCOUNT_KIND,
    ACCOUNT_STATUS,
    BUSINESS_HOURS,
    CATEGORIES,
    CROSS_PARTNER,
    LOCAL_DATE,
    LOCAL_HOUR,
    LOCAL_WEEKDAY,
    SOURCE_NAME,
    is_known_field,
)

LABELS = "labels."

DERIVED = frozenset(
    {
        SOURCE_NAME,
        CATEGORIES,
        LOCAL_HOUR,
        LOCAL_WEEKDAY,
        LOCAL_DATE,
        BUSINESS_HOURS,
        ACCOUNT_KIND,
        ACCOUNT_STATUS,
        ACCOUNT_INACTIVE,
        CROSS_PARTNER,
        "sentinel.target.roles",
        "sentinel.source_id",
    }
)
"""Fields Sentinel sets from its own knowledge; a source's value for them goes to labels."""


def source_field(name: str) -> str:
    """The event field for a source field of this (dotted) name, when no mapping names it."""
    if name.startswith(LABELS) or (is_known_field(name) and name not in DERIVED):
        return name
    return LABELS + name


def check_field_map(field_map: Mapping[str, str]) -> None:
    """Refuse a mapping onto a field rules cannot use, naming the entry and the fix."""
    for source, target in field_map.items():
        if source_field(target) != target:
            raise ValueError(
                f"field_map: {source!r} -> {target!r}: {target!r} is not an event field "
                "Sentinel takes from a source (see docs/events.md); map it to "
                f"'labels.{source}' to keep it as an extra"
            )


@lru_cache(maxsize=8192)
def address_field(value: str) -> str:
    """``source.ip`` for an IP address, ``source.domain`` for a host name.

    Logs give a name instead of an address when the server resolves them
    (HostnameLookups, sshd's UseDNS, PAM's rhost); a name in ``source.ip``
    would break the geo lookup and IP rules.
    """
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return "source.domain"
    return "source.ip"
