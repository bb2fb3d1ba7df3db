"""Country of the source address, offline: the bundled registry data or a MaxMind file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from sentinel.enrich.errors import EnrichmentError
from sentinel.enrich.geo import GeoStep, build_geo

TS = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
COUNTRY = "source.geo.country_iso_code"


def country(step: GeoStep, ip: str) -> str | None:
    fields = {"source.ip": ip}
    step(fields, TS)
    return fields.get(COUNTRY)


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("145.97.0.1", "NL"),  # SURFnet
        ("8.8.8.8", "US"),  # Google
        ("2001:610::1", "NL"),  # SURFnet IPv6
        ("::ffff:145.97.0.1", "NL"),  # IPv4 written as IPv6
        (" 145.97.0.1 ", "NL"),
    ],
)
def test_public_addresses_get_their_registry_country(ip: str, expected: str) -> None:
    assert country(GeoStep(), ip) == expected


@pytest.mark.parametrize(
    "ip",
    [
        "10.1.2.3",
        "192.168.1.5",
        "172.16.0.1",
        "127.0.0.1",
        "100.64.0.1",
        "169.254.1.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "224.0.0.1",
        "2001:db8::1",
        "::ffff:10.0.0.1",
        "not-an-ip",
        "",
    ],
)
def test_private_reserved_and_garbage_addresses_get_no_country(ip: str) -> None:
    assert country(GeoStep(), ip) is None


def test_a_country_the_source_sent_is_kept_and_no_ip_means_nothing() -> None:
    step = GeoStep()
    fields = {"source.ip": "8.8.8.8", COUNTRY: "NL"}
    step(fields, TS)
    assert fields[COUNTRY] == "NL"
    empty: dict[str, object] = {"user.name": "j.devries"}
    step(empty, TS)
    assert empty == {"user.name": "j.devries"}


@pytest.fixture
def mmdb(tmp_path: Path) -> Path:
    """A small MaxMind-format country database that places SURFnet in Germany."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    writer.insert_network(IPSet(["145.97.0.0/16"]), {"country": {"iso_code": "DE"}})
    writer.insert_network(IPSet(["2001:610::/32"]), {"country": {"iso_code": "BE"}})
    writer.insert_network(IPSet(["81.0.0.0/16"]), {"continent": {"code": "EU"}})
    path = tmp_path / "country.mmdb"
    writer.to_db_file(str(path))
    return path


def test_a_maxmind_file_replaces_the_registry_data(mmdb: Path) -> None:
    step = build_geo(mmdb)
    assert country(step, "145.97.0.1") == "DE"
    assert country(step, "2001:610::1") == "BE"
    assert country(step, "8.8.8.8") is None  # not in this file
    assert country(step, "81.0.0.1") is None  # a record without a country
    assert country(step, "10.0.0.1") is None


def test_an_ipv4_only_maxmind_file_gives_ipv6_addresses_no_country(tmp_path: Path) -> None:
    writer = MMDBWriter(ip_version=4, database_type="GeoLite2-Country")
    writer.insert_network(IPSet(["145.97.0.0/16"]), {"country": {"iso_code": "NL"}})
    path = tmp_path / "v4.mmdb"
    writer.to_db_file(str(path))
    step = build_geo(path)
    assert country(step, "145.97.0.1") == "NL"
    assert country(step, "2001:610::1") is None


def test_a_file_that_is_not_a_maxmind_database_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "GeoLite2-Country.mmdb"
    bogus.write_text("this is not a database\n")
    with pytest.raises(EnrichmentError) as err:
        build_geo(bogus)
    assert str(bogus) in str(err.value)
    assert "not a readable MaxMind database" in str(err.value)


def test_a_scan_across_one_network_costs_one_lookup_and_private_space_stays_private() -> None:
    asked: list[str] = []

    def lookup(ip: str) -> str | None:
        asked.append(ip)
        return "CN"

    step = GeoStep(lookup)
    countries = []
    for last in range(1, 200):
        fields: dict[str, object] = {"source.ip": f"218.92.0.{last}"}
        step(fields, datetime(2026, 11, 30, tzinfo=UTC))
        countries.append(fields.get("source.geo.country_iso_code"))
    private: dict[str, object] = {"source.ip": "10.1.2.3"}
    step(private, datetime(2026, 11, 30, tzinfo=UTC))
    assert set(countries) == {"CN"}
    assert len(asked) == 1
    assert "source.geo.country_iso_code" not in private
