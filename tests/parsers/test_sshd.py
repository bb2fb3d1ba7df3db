"""OpenSSH lines of syslog auth logs: events, the missing year, summer time, repeats."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.ingest import Pipeline
from sentinel.parsers.base import ParseError
from sentinel.parsers.sshd import MAX_REPEAT, SshdParser
from tests.parsers.records import make_record

AMS = ZoneInfo("Europe/Amsterdam")
REFERENCE = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PREFIX = "Nov 23 10:14:02 gw1 sshd[4711]: "


def parse(line: str, parser: SshdParser | None = None, **kwargs) -> list[dict]:
    kwargs.setdefault("reference_time", REFERENCE)
    return (parser or SshdParser(AMS)).parse(make_record(line, **kwargs))


def parse_one(message: str) -> dict:
    events = parse(PREFIX + message)
    assert len(events) == 1
    return events[0]


def test_a_failed_password_is_a_failed_ssh_login_with_all_its_fields() -> None:
    event = parse_one("Failed password for root from 203.0.113.9 port 50122 ssh2")

    assert event == {
        "@timestamp": datetime(2026, 11, 23, 9, 14, 2, tzinfo=UTC),
        "event.action": "ssh_login",
        "event.outcome": "failure",
        "event.category": ["authentication"],
        "event.type": ["info"],
        "host.hostname": "gw1",
        "process.name": "sshd",
        "process.pid": 4711,
        "source.address": "203.0.113.9",
        "source.ip": "203.0.113.9",
        "source.port": 50122,
        "user.name": "root",
        "sentinel.ssh.method": "password",
        "sentinel.ssh.invalid_user": False,
        "message": "Failed password for root from 203.0.113.9 port 50122 ssh2",
    }


def test_a_failed_password_for_an_invalid_user_says_so() -> None:
    event = parse_one("Failed password for invalid user admin from 203.0.113.9 port 50122 ssh2")

    assert (event["user.name"], event["sentinel.ssh.invalid_user"]) == ("admin", True)


@pytest.mark.parametrize(
    ("message", "method"),
    [
        ("Accepted password for deploy from 10.1.2.3 port 51234 ssh2", "password"),
        (
            "Accepted publickey for coder from 10.1.2.3 port 51234 ssh2: "
            "RSA SHA256:Xq2JYcJYqkbS5rZT0pDqJ0cxGO0ZYsrvZnSpH1WdvVg",
            "publickey",
        ),
        (
            "Accepted keyboard-interactive/pam for deploy from 10.1.2.3 port 51234 ssh2",
            "keyboard-interactive/pam",
        ),
    ],
)
def test_an_accepted_login_is_a_successful_ssh_login(message: str, method: str) -> None:
    event = parse_one(message)

    assert event["event.action"] == "ssh_login"
    assert event["event.outcome"] == "success"
    assert event["event.type"] == ["start"]
    assert event["sentinel.ssh.method"] == method
    assert (event["source.ip"], event["source.port"]) == ("10.1.2.3", 51234)


@pytest.mark.parametrize(
    ("message", "user", "port"),
    [
        ("Invalid user oracle from 198.51.100.4 port 40404", "oracle", 40404),
        ("Invalid user webmaster from 173.234.31.186", "webmaster", None),
        ("Invalid user admin  from 218.75.153.170", "admin", None),
        ("Invalid user  0101 from 5.188.10.180", "0101", None),
    ],
)
def test_an_invalid_user_is_its_own_failed_action(message: str, user: str, port) -> None:
    event = parse_one(message)

    assert event["event.action"] == "ssh_invalid_user"
    assert event["event.outcome"] == "failure"
    assert event["user.name"] == user
    assert event.get("source.port") == port
    assert event["sentinel.ssh.invalid_user"] is True


@pytest.mark.parametrize(
    ("message", "user", "address", "port"),
    [
        (
            "Disconnected from invalid user admin 198.51.100.4 port 40404 [preauth]",
            "admin",
            "198.51.100.4",
            40404,
        ),
        (
            "Disconnected from authenticating user root 198.51.100.4 port 40404 [preauth]",
            "root",
            "198.51.100.4",
            40404,
        ),
        ("Disconnected from user deploy 10.1.2.3 port 51234", "deploy", "10.1.2.3", 51234),
        ("Disconnected from 198.51.100.4 port 40404 [preauth]", None, "198.51.100.4", 40404),
        (
            "Received disconnect from 198.51.100.4 port 40404:11: Bye Bye [preauth]",
            None,
            "198.51.100.4",
            40404,
        ),
        (
            "Received disconnect from 173.234.31.186: 11: Bye Bye [preauth]",
            None,
            "173.234.31.186",
            None,
        ),
        ("Received disconnect from 2001:db8::7: 11: Bye Bye [preauth]", None, "2001:db8::7", None),
        (
            "error: Received disconnect from 1.2.3.4: 3: "
            "com.jcraft.jsch.JSchException: Auth fail [preauth]",
            None,
            "1.2.3.4",
            None,
        ),
        ("Connection closed by 122.225.103.87 [preauth]", None, "122.225.103.87", None),
        (
            "Connection closed by authenticating user root 122.225.103.87 port 3352 [preauth]",
            "root",
            "122.225.103.87",
            3352,
        ),
        ("Connection reset by 122.225.103.87 port 3352 [preauth]", None, "122.225.103.87", 3352),
    ],
)
def test_disconnects(message: str, user, address: str, port) -> None:
    event = parse_one(message)

    assert event["event.action"] == "ssh_disconnect"
    assert event["event.type"] == ["end"]
    assert event.get("user.name") == user
    assert event["source.ip"] == address
    assert event.get("source.port") == port


@pytest.mark.parametrize(
    ("message", "user", "remote"),
    [
        (
            "error: maximum authentication attempts exceeded for root "
            "from 203.0.113.9 port 50122 ssh2 [preauth]",
            "root",
            {"source.ip": "203.0.113.9", "source.port": 50122},
        ),
        (
            "error: maximum authentication attempts exceeded for invalid user test "
            "from 203.0.113.9 port 50122 ssh2 [preauth]",
            "test",
            {"source.ip": "203.0.113.9", "source.port": 50122},
        ),
        ("Disconnecting: Too many authentication failures for admin [preauth]", "admin", {}),
        (
            "Disconnecting authenticating user root 203.0.113.9 port 50122: "
            "Too many authentication failures [preauth]",
            "root",
            {"source.ip": "203.0.113.9", "source.port": 50122},
        ),
        (
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
            "ruser= rhost=203.0.113.9  user=root",
            "root",
            {"source.ip": "203.0.113.9"},
        ),
        (
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
            "ruser= rhost=203.0.113.9",
            None,
            {"source.ip": "203.0.113.9"},
        ),
        (
            "PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= "
            "rhost=5.36.59.76.dynamic-dsl-ip.omantel.net.om  user=root",
            "root",
            {"source.domain": "5.36.59.76.dynamic-dsl-ip.omantel.net.om"},
        ),
    ],
)
def test_authentication_failures(message: str, user, remote: dict) -> None:
    event = parse_one(message)

    assert event["event.action"] == "ssh_auth_failure"
    assert event["event.outcome"] == "failure"
    assert event.get("user.name") == user
    assert {k: v for k, v in event.items() if k.startswith("source.")} == (
        {"source.address": next(iter(remote.values()))} | remote if remote else {}
    )


def test_old_pam_tagged_lines_are_read_as_sshd() -> None:
    [event] = parse(
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 "
        "euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 "
    )

    assert (event["process.name"], event["process.pid"]) == ("sshd", 19939)
    assert event["source.ip"] == "218.188.2.4"


def test_openssh_9_8_sshd_session_lines_are_read() -> None:
    [event] = parse(
        "Nov 23 10:14:02 gw1 sshd-session[9]: Failed password for root from 1.2.3.4 port 2 ssh2"
    )

    assert event["process.name"] == "sshd-session"


def test_a_user_name_cannot_pose_as_the_source_address() -> None:
    [event] = parse(
        PREFIX + "Failed password for invalid user x from 6.6.6.6 port 1 ssh2 "
        "from 203.0.113.9 port 50122 ssh2"
    )

    assert event["source.ip"] == "203.0.113.9"
    assert event["source.port"] == 50122
    assert event["user.name"] == "x from 6.6.6.6 port 1 ssh2"


def test_message_repeated_gives_one_event_per_repetition() -> None:
    events = parse(
        PREFIX
        + "message repeated 3 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]"
    )

    assert len(events) == 3
    assert all(e["event.action"] == "ssh_login" and e["event.outcome"] == "failure" for e in events)
    assert all(
        e["message"] == "Failed password for root from 5.36.59.76 port 42393 ssh2" for e in events
    )
    events[0]["event.category"].append("changed")
    assert events[1]["event.category"] == ["authentication"]


def test_repeated_events_get_distinct_ids_stable_across_reads(clock) -> None:
    line = (
        PREFIX
        + "message repeated 2 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]"
    )
    pipeline = Pipeline(source="gw", parser=SshdParser(AMS), enrich=None, clock=clock)

    first = pipeline.events(make_record(line, reference_time=REFERENCE))
    again = pipeline.events(make_record(line, reference_time=REFERENCE))

    assert len({e.id for e in first}) == 2
    assert [e.id for e in first] == [e.id for e in again]


def test_an_unbelievable_repeat_count_is_refused() -> None:
    with pytest.raises(ParseError, match=f"more than {MAX_REPEAT}"):
        parse(
            PREFIX + "message repeated 99999999 times: "
            "[ Failed password for root from 1.2.3.4 port 2 ssh2]"
        )


@pytest.mark.parametrize(
    "line",
    [
        "Nov 30 06:47:01 ip-172-31-27-153 CRON[22087]: pam_unix(cron:session): "
        "session opened for user root by (uid=0)",
        "Nov 30 06:47:01 gw1 systemd[1]: Started Session 42 of user deploy.",
        "Nov 30 06:47:01 gw1 sudo:   deploy : TTY=pts/0 ; PWD=/home/deploy ; "
        "USER=root ; COMMAND=/bin/ls",
        "Nov 30 06:47:01 gw1 kernel: [ 1.234] Linux version 6.1",
        PREFIX + "Server listening on 0.0.0.0 port 22.",
        PREFIX + "pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)",
        PREFIX + "input_userauth_request: invalid user webmaster [preauth]",
        PREFIX + "pam_unix(sshd:auth): check pass; user unknown",
        PREFIX + "Did not receive identification string from 1.2.3.4",
        PREFIX + "reverse mapping checking getaddrinfo for ns.example.com [1.2.3.4] failed - "
        "POSSIBLE BREAK-IN ATTEMPT!",
        PREFIX + "message repeated 2 times: [ Server listening on :: port 22.]",
        "Jun 15 04:06:20 combo last message repeated 2 times",
    ],
)
def test_lines_not_about_ssh_authentication_give_no_event(line: str) -> None:
    assert parse(line) == []


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Dec  2 13:14:2", "not a syslog line"),
        ("hello sshd", "not a syslog line"),
        ("", "not a syslog line"),
        (
            "2026-13-45 gw1 sshd[1]: Failed password for root from 1.2.3.4 port 2 ssh2",
            "not a syslog line",
        ),
        (
            "2026-11-31T10:00:00Z gw1 sshd[1]: Failed password for root from 1.2.3.4 port 2 ssh2",
            "no such time",
        ),
        (
            "Feb 30 10:00:00 gw1 sshd[1]: Failed password for root from 1.2.3.4 port 2 ssh2",
            "no such time",
        ),
        (
            "Nov 23 25:00:00 gw1 sshd[1]: Failed password for root from 1.2.3.4 port 2 ssh2",
            "no such time",
        ),
    ],
)
def test_lines_that_are_not_syslog_are_parse_errors(line: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(line)


def test_rfc3339_prefixed_lines_carry_their_own_year_and_offset() -> None:
    [event] = parse(
        "2026-11-30T10:00:00.123456+01:00 gw1 sshd[123]: "
        "Failed password for root from 1.2.3.4 port 2 ssh2",
        reference_time=None,
    )
    [naive] = parse(
        "2026-07-01T10:00:00 gw1 sshd[123]: Failed password for root from 1.2.3.4 port 2 ssh2"
    )

    assert event["@timestamp"] == datetime(2026, 11, 30, 9, 0, 0, 123456, tzinfo=UTC)
    assert naive["@timestamp"] == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


# The year: classic syslog leaves it out.


def login_time(parser: SshdParser, stamp: str, **kwargs) -> datetime:
    [event] = parse(
        f"{stamp} gw1 sshd[1]: Failed password for root from 1.2.3.4 port 2 ssh2", parser, **kwargs
    )
    return event["@timestamp"]


@pytest.mark.parametrize(
    ("stamp", "year"),
    [
        ("Nov 30 12:00:00", 2026),
        ("Dec  1 12:00:00", 2026),  # a day after the reference: clock skew, still this year
        ("Dec  2 12:00:00", 2025),  # more than a day after: last year
        ("Jan  1 12:00:00", 2026),
        ("Feb 29 08:00:00", 2024),  # the latest year that has the day
    ],
)
def test_the_year_is_the_latest_not_more_than_a_day_after_the_reference(
    stamp: str, year: int
) -> None:
    reference = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

    assert login_time(SshdParser(AMS), stamp, reference_time=reference).year == year


def test_without_a_reference_the_year_is_inferred_from_now() -> None:
    parser = SshdParser(AMS, now=lambda: datetime(2031, 3, 1, tzinfo=UTC))

    assert login_time(parser, "Feb 28 10:00:00", reference_time=None).year == 2031
    assert login_time(parser, "Dec 28 10:00:00", reference_time=None, stream="other").year == 2030


def test_a_stream_crossing_new_year_moves_to_the_next_year() -> None:
    parser = SshdParser(AMS)
    reference = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)  # the file's time when first read

    times = [
        login_time(parser, stamp, reference_time=reference)
        for stamp in (
            "Dec 31 10:00:00",
            "Dec 31 23:59:59",
            "Dec 31 23:59:58",
            "Jan  3 08:00:00",
            "Jan  3 09:00:00",
        )
    ]

    assert [t.year for t in times] == [2026, 2026, 2026, 2027, 2027]
    assert times[3] > times[2]


def test_streams_keep_their_own_year() -> None:
    parser = SshdParser(AMS)

    december = login_time(
        parser,
        "Dec 31 23:00:00",
        stream="old",
        reference_time=datetime(2025, 12, 31, 23, tzinfo=UTC),
    )
    june = login_time(parser, "Jun  1 10:00:00", stream="new", reference_time=REFERENCE)
    later_old = login_time(parser, "Jan  1 01:00:00", stream="old", reference_time=REFERENCE)

    assert (december.year, june.year, later_old.year) == (2025, 2026, 2026)


def test_out_of_order_lines_stay_in_their_year() -> None:
    parser = SshdParser(AMS)

    first = login_time(parser, "Dec 20 10:00:00")
    earlier = login_time(parser, "Dec 10 10:00:00")

    assert first.year == earlier.year == 2025


# Summer time (Europe/Amsterdam): ends on the last Sunday of October, 03:00 CEST -> 02:00 CET.


def test_a_time_in_the_hour_repeated_when_summer_time_ends_is_read_as_the_first_pass() -> None:
    parser = SshdParser(AMS)

    before = login_time(parser, "Oct 25 01:59:59")
    repeated = login_time(parser, "Oct 25 02:30:00")
    after = login_time(parser, "Oct 25 03:00:00")

    assert before == datetime(2026, 10, 24, 23, 59, 59, tzinfo=UTC)
    assert repeated == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST (fold=0), not CET
    assert after == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)


def test_the_rfc3339_prefix_tells_the_two_passes_apart() -> None:
    first = (
        "2026-10-25T02:30:00+02:00 gw1 sshd[1]: Failed password for root from 1.2.3.4 port 2 ssh2"
    )
    second = (
        "2026-10-25T02:30:00+01:00 gw1 sshd[1]: Failed password for root from 1.2.3.4 port 2 ssh2"
    )

    assert parse(first)[0]["@timestamp"] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert parse(second)[0]["@timestamp"] == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_a_time_skipped_when_summer_time_starts_uses_the_offset_before_the_jump() -> None:
    assert login_time(SshdParser(AMS), "Mar 29 02:30:00") == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )


# Any input: an event, nothing, or a ParseError, never another exception.

messages = st.one_of(
    st.text(max_size=120),
    st.builds(
        lambda template, user, addr, port: template.format(user=user, addr=addr, port=port),
        st.sampled_from(
            [
                "Failed password for {user} from {addr} port {port} ssh2",
                "Failed password for invalid user {user} from {addr} port {port} ssh2",
                "Accepted publickey for {user} from {addr} port {port} ssh2: RSA SHA256:x",
                "Invalid user {user} from {addr} port {port}",
                "Disconnected from invalid user {user} {addr} port {port} [preauth]",
                "Received disconnect from {addr} port {port}:11: {user} [preauth]",
                "Connection closed by authenticating user {user} {addr} port {port} [preauth]",
                "pam_unix(sshd:auth): authentication failure; rhost={addr}  user={user}",
                "error: maximum authentication attempts exceeded for {user} "
                "from {addr} port {port} ssh2",
                "message repeated {port} times: "
                "[ Failed password for {user} from {addr} port 22 ssh2]",
            ]
        ),
        st.text(max_size=20),
        st.text(max_size=20) | st.ip_addresses().map(str),
        st.text(max_size=6) | st.integers(0, 99999).map(str),
    ),
)


@given(
    prefix=st.sampled_from(
        [
            "Nov 23 10:14:02 gw1 sshd[4711]: ",
            "2026-11-30T10:00:00+01:00 gw1 sshd: ",
            "Feb 29 10:00:00 h sshd[1]: ",
            "",
        ]
    ),
    message=messages,
)
def test_any_sshd_message_gives_events_nothing_or_a_parse_error(prefix: str, message: str) -> None:
    try:
        events = parse(prefix + message)
    except ParseError:
        return
    assert all(
        e["@timestamp"].tzinfo is UTC and e["event.action"].startswith("ssh_") for e in events
    )


@given(st.text(max_size=300))
def test_any_text_gives_events_nothing_or_a_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse(text)


# The public captures: every line parses into the expected events, nothing or a ParseError.

CAPTURES = [
    "loghub-openssh-2k/OpenSSH_2k.log",
    "loghub-linux-2k/Linux_2k.log",
    "secrepo-auth-log/auth.log",
]
_SSHD = re.compile(r"^\w{3} +\d+ [\d:]+ \S+ sshd(?:\(pam_unix\))?\[\d+\]: (.*)$")


def read_capture(path: Path) -> tuple[list[str], list[dict], list[str]]:
    lines = path.read_text(encoding="utf-8", errors="backslashreplace").splitlines()
    reference = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    parser = SshdParser(AMS)
    events: list[dict] = []
    errors: list[str] = []
    for n, line in enumerate(lines):
        try:
            events += parser.parse(
                make_record(line, stream=path.name, reference_time=reference, offset=n)
            )
        except ParseError:
            errors.append(line)
    return lines, events, errors


def expected_actions(lines: list[str]) -> dict[tuple[str, str], int]:
    """Counts of (action, outcome) found by plain substring tests, independently of the parser."""
    counts: dict[tuple[str, str], int] = {}

    def add(key: tuple[str, str], n: int = 1) -> None:
        counts[key] = counts.get(key, 0) + n

    for line in lines:
        m = _SSHD.match(line.rstrip())
        if not m:
            continue
        message, times = m.group(1), 1
        if r := re.match(r"message repeated (\d+) times: \[ (.*)\]$", message):
            times, message = int(r.group(1)), r.group(2)
        if message.startswith("Failed "):
            add(("ssh_login", "failure"), times)
        elif message.startswith("Accepted "):
            add(("ssh_login", "success"), times)
        elif message.startswith("Invalid user "):
            add(("ssh_invalid_user", "failure"), times)
        elif ("authentication failure" in message and "rhost=" in message) or message.startswith(
            ("Disconnecting: Too many", "error: maximum authentication")
        ):
            add(("ssh_auth_failure", "failure"), times)
        elif re.match(
            r"(error: )?Received disconnect|Disconnected from|Connection (closed|reset) by", message
        ):
            add(("ssh_disconnect", "unknown"), times)
    return counts


@pytest.mark.realdata
@pytest.mark.parametrize("capture", CAPTURES)
def test_public_auth_logs_give_the_expected_events(real_logs: Path, capture: str) -> None:
    lines, events, errors = read_capture(real_logs / capture)

    found: dict[tuple[str, str], int] = {}
    for e in events:
        key = (e["event.action"], e["event.outcome"])
        found[key] = found.get(key, 0) + 1
    assert found == expected_actions(lines)
    assert found.get(("ssh_login", "failure"), 0) > 100 or not capture.startswith("loghub-openssh")
    sshd_lines = sum(1 for line in lines if _SSHD.match(line.rstrip()))
    assert len(events) >= 0.5 * sshd_lines
    assert all(not _SSHD.match(line) for line in errors)


@pytest.mark.realdata
def test_the_partial_last_line_of_the_auth_log_is_the_only_parse_error(real_logs: Path) -> None:
    lines, events, errors = read_capture(real_logs / "secrepo-auth-log" / "auth.log")

    assert errors == [lines[-1]]
    times = [e["@timestamp"] for e in events]
    assert max(times) - min(times) < (datetime(2000, 1, 4) - datetime(2000, 1, 1))
    assert times == sorted(times)


@pytest.mark.realdata
@pytest.mark.parametrize("capture", CAPTURES[:2])
def test_loghub_captures_have_no_parse_errors(real_logs: Path, capture: str) -> None:
    _, events, errors = read_capture(real_logs / capture)

    assert errors == []
    assert events
