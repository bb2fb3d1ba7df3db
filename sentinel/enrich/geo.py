"""Country of the source address, offline: no event's address ever leaves the machine.

The default is the RIR allocation data bundled with ``iptocc`` (the country a block
is registered in); a MaxMind ``.mmdb`` file (setting ``geoip_mmdb``) gives where it
is used instead. Addresses repeat heavily in access logs, so lookups are cached.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import iptocc
import maxminddb

from sentinel.enrich.errors import EnrichmentError

SOURCE_IP = "source.ip"
COUNTRY = "source.geo.country_iso_code"
CACHE_SIZE = 65_536

CountryLookup = Callable[[str], str | None]


class GeoDatabaseError(EnrichmentError):
    """The configured GeoIP file cannot be read."""


def public_address(text: str) -> str | None:
    """The address in canonical form if it is routable on the internet, else None.

    Private, loopback, link-local, reserved and multicast addresses have no country,
    and neither has text that is not an address. An IPv4-mapped IPv6 address is
    looked up as the IPv4 address it carries.
    """
    try:
        addr = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if not addr.is_global or addr.is_multicast:
        return None
    return str(addr)


def iptocc_country(ip: str) -> str | None:
    """Country of registration from the bundled RIR data."""
    return iptocc.country_code(ip) or None


class MmdbCountries:
    """``country.iso_code`` from a MaxMind-format database (GeoLite2/GeoIP2 Country or City)."""

    def __init__(self, path: Path) -> None:
        try:
            self._reader = maxminddb.open_database(str(path))
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
            raise GeoDatabaseError(path, None, f"not a readable MaxMind database ({exc})") from None
        self._ipv4_only = self._reader.metadata().ip_version == 4

    def __call__(self, ip: str) -> str | None:
        if self._ipv4_only and ":" in ip:
            return None
        try:
            record = self._reader.get(ip)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
        country = record.get("country")
        code = country.get("iso_code") if isinstance(country, dict) else None
        return code if isinstance(code, str) and code else None

    def close(self) -> None:
        self._reader.close()


class GeoStep:
    """Sets ``source.geo.country_iso_code`` from ``source.ip``; a country already there stays.

    IPv4 answers are cached per /24: registries allocate no smaller blocks and the
    special-purpose ranges are /24-aligned, so one lookup serves a whole network —
    a scan or a mobile carrier's pool costs one lookup, not one per address.
    """

    def __init__(self, lookup: CountryLookup = iptocc_country, cache_size: int = CACHE_SIZE):
        def country(ip: str) -> str | None:
            public = public_address(ip)
            return lookup(public) if public is not None else None

        self._country = lru_cache(maxsize=cache_size)(country)

    def __call__(self, fields: dict[str, Any], ts: datetime) -> None:
        ip = fields.get(SOURCE_IP)
        if ip is None or COUNTRY in fields:
            return
        text = ip if isinstance(ip, str) else str(ip)
        code = self._country(_network_of(text))
        if code is not None:
            fields[COUNTRY] = code


def _network_of(ip: str) -> str:
    """An IPv4 address's /24 network address (the cache key); other text as it is."""
    head, dot, _ = ip.rpartition(".")
    return f"{head}.0" if dot and ":" not in ip and head.count(".") == 2 else ip


def build_geo(mmdb: Path | None) -> GeoStep:
    return GeoStep(MmdbCountries(mmdb) if mmdb is not None else iptocc_country)
