"""`journalctl -o json` exports: the journal's entries read as the syslog lines they were."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from sentinel.events import EVENT_ID, TIMESTAMP
from sentinel.parsers import make_parser
from sentinel.parsers.base import ParseError
from sentinel.parsers.journald import JournaldParser
from tests.parsers.records import make_record

ENTRY = {
    "__CURSOR": "s=7b1c;i=2f1a;b=9e2d;m=1d2e3f;t=62a1b3c4d5e6f;x=1a2b3c",
    "__REALTIME_TIMESTAMP": "1764316800250000",
    "__MONOTONIC_TIMESTAMP": "123456789",
    "_BOOT_ID": "9e2d",
    "_TRANSPORT": "syslog",
    "PRIORITY": "6",
    "SYSLOG_FACILITY": "4",
    "SYSLOG_IDENTIFIER": "sshd",
    "SYSLOG_PID": "4711",
    "_PID": "4711",
    "_COMM": "sshd",
    "_EXE": "/usr/sbin/sshd",
    "_SYSTEMD_UNIT": "ssh.service",
    "_HOSTNAME": "gw1",
    "MESSAGE": "Failed password for invalid user admin from 203.0.113.9 port 52100 ssh2",
    "_SOURCE_REALTIME_TIMESTAMP": "1764316800123456",
}


def parse(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return JournaldParser().parse(make_record(orjson.dumps(entry).decode()))


def test_an_sshd_entry_is_the_event_its_syslog_line_would_give() -> None:
    (event,) = parse(ENTRY)

    assert event[TIMESTAMP] == datetime(2025, 11, 28, 8, 0, 0, 123456, tzinfo=UTC)
    assert (event["host.hostname"], event["process.name"], event["process.pid"]) == (
        "gw1",
        "sshd",
        4711,
    )
    assert (event["event.action"], event["event.outcome"]) == ("ssh_login", "failure")
    assert (event["user.name"], event["source.ip"]) == ("admin", "203.0.113.9")
    assert event["sentinel.ssh.invalid_user"] is True
    assert event[EVENT_ID] == ENTRY["__CURSOR"]


def test_without_a_source_time_the_journal_s_own_time_counts() -> None:
    entry = {k: v for k, v in ENTRY.items() if k != "_SOURCE_REALTIME_TIMESTAMP"}

    (event,) = parse(entry)

    assert event[TIMESTAMP] == datetime(2025, 11, 28, 8, 0, 0, 250000, tzinfo=UTC)


def test_a_pam_message_under_an_old_style_tag_is_understood() -> None:
    entry = {
        **ENTRY,
        "SYSLOG_IDENTIFIER": "sshd(pam_unix)",
        "MESSAGE": "authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
        "rhost=198.51.100.7  user=root",
    }

    (event,) = parse(entry)

    assert (event["process.name"], event["event.provider"]) == ("sshd", "pam_unix")
    assert (event["event.action"], event["source.address"]) == ("ssh_auth_failure", "198.51.100.7")


def test_a_message_held_as_bytes_is_read_with_its_odd_bytes_escaped() -> None:
    text = b"Invalid user r\xe9my from 203.0.113.9 port 4242"

    (event,) = parse({**ENTRY, "MESSAGE": list(text)})

    assert event["message"] == "Invalid user r\\xe9my from 203.0.113.9 port 4242"
    assert event["event.action"] == "ssh_invalid_user"


def test_a_program_sentinel_does_not_know_is_still_an_event() -> None:
    (event,) = parse(
        {**ENTRY, "SYSLOG_IDENTIFIER": "systemd", "MESSAGE": "Started Session 4 of User ann."}
    )

    assert (event["process.name"], event["message"]) == (
        "systemd",
        "Started Session 4 of User ann.",
    )
    assert "event.action" not in event


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("Nov 28 08:00:00 gw1 sshd[1]: hello", "journalctl -o json"),
        ("[1, 2]", "not a journal entry but a JSON list"),
        (orjson.dumps({**ENTRY, "MESSAGE": None}).decode(), "no MESSAGE"),
        (
            orjson.dumps(
                {k: v for k, v in ENTRY.items() if not k.endswith("REALTIME_TIMESTAMP")}
            ).decode(),
            "no __REALTIME_TIMESTAMP",
        ),
        (
            orjson.dumps({**ENTRY, "_SOURCE_REALTIME_TIMESTAMP": "yesterday"}).decode(),
            "not microseconds since 1970",
        ),
        (
            orjson.dumps({**ENTRY, "_SOURCE_REALTIME_TIMESTAMP": "9" * 30}).decode(),
            "not microseconds since 1970",
        ),
    ],
)
def test_what_is_not_a_journal_entry_says_why(data: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        JournaldParser().parse(make_record(data))


def test_journald_is_a_format_and_takes_no_year() -> None:
    assert isinstance(make_parser("journald"), JournaldParser)
    with pytest.raises(ValueError, match="year applies to syslog and sshd"):
        make_parser("journald", year=2026)
