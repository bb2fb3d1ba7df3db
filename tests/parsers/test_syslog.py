"""Syslog lines of any program: every line an event, the security-relevant programs understood."""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.events import PARSER_ACTIONS
from sentinel.ingest import Pipeline, ingest
from sentinel.parsers import make_parser
from sentinel.parsers.base import ParseError, Skipped
from sentinel.parsers.programs import ACTIONS
from sentinel.parsers.sshd import SshdParser
from sentinel.parsers.syslog import SyslogParser
from sentinel.sources.file import FileReader
from tests.parsers.records import make_record

AMS = ZoneInfo("Europe/Amsterdam")
REFERENCE = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def parse(line: str, parser: SyslogParser | None = None, **kwargs) -> list[dict]:
    kwargs.setdefault("reference_time", REFERENCE)
    return (parser or SyslogParser(AMS)).parse(make_record(line, **kwargs))


def one(line: str) -> dict:
    [event] = parse(line)
    return event


def known(event: dict) -> dict:
    """The fields a program's message added, beyond time, host, process and message."""
    plain = {"@timestamp", "host.hostname", "process.name", "process.pid", "message"}
    return {k: v for k, v in event.items() if k not in plain}


# Every program's line is an event.


def test_a_line_of_any_program_is_an_event_with_host_process_and_message() -> None:
    event = one("Nov 23 10:14:02 gw1 systemd[1]: Started Session 42 of user deploy.")

    assert event == {
        "@timestamp": datetime(2026, 11, 23, 9, 14, 2, tzinfo=UTC),
        "host.hostname": "gw1",
        "process.name": "systemd",
        "process.pid": 1,
        "message": "Started Session 42 of user deploy.",
    }


@pytest.mark.parametrize(
    ("line", "program", "message"),
    [
        ("Jun 14 15:16:01 combo kernel: Linux version 2.6.5", "kernel", "Linux version 2.6.5"),
        ("Jun 14 15:16:01 combo syslogd 1.4.1: restart.", None, "syslogd 1.4.1: restart."),
        ("Jun 14 15:16:01 combo -- MARK --", None, "-- MARK --"),
        ("Jun 14 15:16:01 combo /usr/sbin/cron[12]: (x) ORPHAN", "/usr/sbin/cron", "(x) ORPHAN"),
    ],
)
def test_tags_without_a_pid_or_without_a_program_still_give_an_event(
    line: str, program: str | None, message: str
) -> None:
    event = one(line)

    assert event.get("process.name") == program
    assert event["message"] == message


def test_a_priority_before_the_classic_header_is_read() -> None:
    event = one(
        "<38>Nov 23 10:14:02 gw1 sshd[7]: Accepted password for a from 10.0.0.1 port 2 ssh2"
    )

    assert (event["event.action"], event["event.outcome"]) == ("ssh_login", "success")


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-03-11T02:00:01+0100",  # journalctl -o short-iso
        "2026-03-11T02:00:01.000000+01:00",  # rsyslog's high-precision template
        "2026-03-11 02:00:01",  # a space for the T, no offset: the configured zone
        "2026-03-11T01:00:01Z",
    ],
)
def test_iso_times_before_the_host_are_read_with_their_offset_or_the_zone(stamp: str) -> None:
    event = one(f"{stamp} gw1 sshd[100]: Failed password for root from 203.0.113.9 port 1 ssh2")

    assert event["@timestamp"] == datetime(2026, 3, 11, 1, 0, 1, tzinfo=UTC)
    assert (event["host.hostname"], event["event.action"]) == ("gw1", "ssh_login")


def test_rfc5424_lines_give_time_host_app_pid_and_structured_data() -> None:
    event = one(
        '<34>1 2026-10-11T22:14:15.003Z gw1.example.nl sshd 4711 ID47 [exampleSDID@32473 iut="3"] '
        "Failed password for root from 203.0.113.9 port 50122 ssh2"
    )

    assert event["@timestamp"] == datetime(2026, 10, 11, 22, 14, 15, 3000, tzinfo=UTC)
    assert (event["host.hostname"], event["process.name"], event["process.pid"]) == (
        "gw1.example.nl",
        "sshd",
        4711,
    )
    assert event["labels.syslog.structured_data"] == '[exampleSDID@32473 iut="3"]'
    assert (event["event.action"], event["source.ip"], event["user.name"]) == (
        "ssh_login",
        "203.0.113.9",
        "root",
    )


def test_rfc5424_nil_values_leave_their_fields_out() -> None:
    event = one("<13>1 2026-10-11T22:14:15+02:00 - - - - - hello")

    assert event == {
        "@timestamp": datetime(2026, 10, 11, 20, 14, 15, tzinfo=UTC),
        "message": "hello",
    }


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("<13>1 - gw1 app - - - no time", "without a time"),
        ("hello", "not a syslog line"),
        ("Feb 30 10:00:00 gw1 app[1]: x", "no such time"),
    ],
)
def test_what_is_not_syslog_is_a_parse_error(line: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(line)


# The year.


def test_the_year_setting_overrides_the_files_time() -> None:
    parser = SyslogParser(AMS, year=2005)

    [event] = parse("Jun 14 15:16:01 combo kernel: x", parser)

    assert event["@timestamp"] == datetime(2005, 6, 14, 13, 16, 1, tzinfo=UTC)


def test_with_a_year_set_a_stream_crossing_new_year_still_moves_on() -> None:
    parser = SyslogParser(AMS, year=2005)

    dec = parse("Dec 31 12:00:00 h kernel: x", parser)[0]["@timestamp"]
    jan = parse("Jan  1 12:00:00 h kernel: x", parser)[0]["@timestamp"]

    assert (dec.year, jan.year) == (2005, 2006)


def test_make_parser_passes_the_year_and_refuses_it_where_lines_carry_one() -> None:
    parser = make_parser("syslog", zone=AMS, year=2005)
    [event] = parser.parse(make_record("Jun 14 15:16:01 combo kernel: x"))

    assert event["@timestamp"].year == 2005
    with pytest.raises(ValueError, match="year applies to syslog and sshd sources"):
        make_parser("combined", year=2005)


# sshd.


@pytest.mark.parametrize(
    ("message", "action", "address", "port"),
    [
        ("Did not receive identification string from 187.12.249.74", "ssh_no_identification",
         "187.12.249.74", None),
        ("Did not receive identification string from 187.12.249.74 port 4444",
         "ssh_no_identification", "187.12.249.74", 4444),
        ("Bad protocol version identification 'GET / HTTP/1.1' from 198.51.100.7 port 55012",
         "ssh_no_identification", "198.51.100.7", 55012),
        ("error: banner exchange: Connection from 198.51.100.7 port 55012: invalid format",
         "ssh_no_identification", "198.51.100.7", 55012),
        ("Unable to negotiate with 198.51.100.7 port 55012: no matching key exchange method "
         "found. Their offer: diffie-hellman-group1-sha1 [preauth]",
         "ssh_negotiation_failure", "198.51.100.7", 55012),
        # OpenSSH 8+: the banner exchange ended, before any [preauth] process
        ("Connection closed by 203.0.113.50 port 40001", "ssh_no_identification",
         "203.0.113.50", 40001),
        ("Connection reset by 2001:db8::50 port 40002", "ssh_no_identification",
         "2001:db8::50", 40002),
    ],
)  # fmt: skip
def test_connections_that_never_speak_ssh_are_scans(
    message: str, action: str, address: str, port: int | None
) -> None:
    event = one(f"Nov 30 08:42:14 gw1 sshd[22184]: {message}")

    assert event["event.action"] == action
    assert event["event.outcome"] == "failure"
    assert event["event.category"] == ["network"]
    assert (event["source.ip"], event["source.address"], event.get("source.port")) == (
        address,
        address,
        port,
    )


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ("Connection closed by 203.0.113.51 port 40004 [preauth]", None),
        ("Connection reset by 203.0.113.51 port 40005 [preauth]", None),
        ("Connection closed by authenticating user root 203.0.113.51 port 40006 [preauth]", "root"),
        ("Connection closed by invalid user admin 203.0.113.51 port 40007 [preauth]", "admin"),
        ("Timeout before authentication for 203.0.113.51 port 40008", None),
        ("fatal: Timeout before authentication for 203.0.113.51 port 40009", None),
    ],
)  # fmt: skip
def test_connections_that_got_as_far_as_authentication_are_disconnects(
    message: str, name: str | None
) -> None:
    event = one(f"Mar  2 11:00:04 web01 sshd-session[4004]: {message}")

    assert (event["event.action"], event["event.outcome"]) == ("ssh_disconnect", "unknown")
    assert (event["source.address"], event.get("user.name")) == ("203.0.113.51", name)


@pytest.mark.parametrize(
    ("message", "name", "port"),
    [
        ("User root from 203.0.113.9 not allowed because not listed in AllowUsers", "root", None),
        ("User bob from 203.0.113.9 not allowed because none of user's groups are listed in "
         "AllowGroups", "bob", None),
        ("User eve from 203.0.113.9 not allowed because listed in DenyUsers", "eve", None),
        ("error: PAM: Authentication failure for root from 203.0.113.9", "root", None),
        ("ROOT LOGIN REFUSED FROM 203.0.113.9 port 5555", "root", 5555),
        # a user name holding " from <address>" cannot pose as the source
        ("User x from 6.6.6.6 from 203.0.113.9 not allowed because listed in DenyUsers",
         "x from 6.6.6.6", None),
    ],
)  # fmt: skip
def test_logins_sshd_s_configuration_refuses_are_auth_failures(
    message: str, name: str, port: int | None
) -> None:
    event = one(f"Mar 11 02:00:01 gw1 sshd[100]: {message}")

    assert (event["event.action"], event["event.outcome"]) == ("ssh_auth_failure", "failure")
    assert (event["user.name"], event["source.address"], event.get("source.port")) == (
        name,
        "203.0.113.9",
        port,
    )


def test_the_kex_line_before_a_closed_banner_exchange_names_no_one() -> None:
    event = one(
        "Mar  2 11:00:01 web01 sshd[4001]: error: kex_exchange_identification: "
        "Connection closed by remote host"
    )

    assert "event.action" not in event and "source.address" not in event


# OpenVPN.


@pytest.mark.parametrize(
    ("message", "action", "outcome", "name", "address", "reason"),
    [
        ("203.0.113.5:51234 [garage-042] Peer Connection Initiated with [AF_INET]203.0.113.5:51234",
         "vpn_login", "success", "garage-042", "203.0.113.5", None),
        ("198.51.100.7:40000 VERIFY ERROR: depth=0, error=certificate has expired: "
         "C=NL, O=Garages, CN=garage-007, serial=4096", "vpn_login", "failure", "garage-007",
         "198.51.100.7", "certificate has expired"),
        ("198.51.100.8:40001 TLS Auth Error: Auth Username/Password verification failed for peer",
         "vpn_login", "failure", None, "198.51.100.8",
         "TLS Auth Error: Auth Username/Password verification failed for peer"),
        ("198.51.100.9:40002 TLS Error: TLS handshake failed", "vpn_handshake_failure", "failure",
         None, "198.51.100.9", None),
        ("garage-042/203.0.113.5:51234 SIGTERM[soft,remote-exit] received, client-instance "
         "exiting", "vpn_disconnect", "unknown", "garage-042", "203.0.113.5", None),
    ],
)  # fmt: skip
def test_openvpn_clients_connect_are_refused_and_leave(
    message: str, action: str, outcome: str, name: str | None, address: str, reason: str | None
) -> None:
    event = one(f"Mar 11 02:00:00 gw2 openvpn[900]: {message}")

    assert (event["event.action"], event["event.outcome"]) == (action, outcome)
    assert (event.get("user.name"), event["source.ip"]) == (name, address)
    assert event.get("error.message") == reason


def test_openvpn_s_other_lines_are_plain_text() -> None:
    event = one(
        "Mar 11 02:00:00 gw2 ovpn-server[900]: garage-042/203.0.113.5:51234 MULTI_sva: pool "
        "returned IPv4=10.8.0.6, IPv6=(Not enabled)"
    )

    assert "event.action" not in event


# local accounts and groups.


@pytest.mark.parametrize(
    ("line", "action", "account", "group", "by"),
    [
        ("useradd[5006]: new user: name=backdoor, UID=1001, GID=1001, home=/home/backdoor, "
         "shell=/bin/bash, from=/dev/pts/0", "user_created", "backdoor", None, None),
        ("useradd[5006]: new group: name=backdoor, GID=1001", "group_created", None, "backdoor",
         None),
        ("usermod[5007]: add 'backdoor' to group 'sudo'", "group_member_added", "backdoor", "sudo",
         None),
        ("gpasswd[5008]: user backdoor added by root to group docker", "group_member_added",
         "backdoor", "docker", "root"),
        ("gpasswd[5009]: user backdoor removed by root from group docker", "group_member_removed",
         "backdoor", "docker", "root"),
        ("userdel[5010]: delete 'backdoor' from group 'sudo'", "group_member_removed", "backdoor",
         "sudo", None),
        ("userdel[5010]: delete user 'backdoor'", "user_deleted", "backdoor", None, None),
    ],
)  # fmt: skip
def test_account_and_group_changes_name_the_account_and_the_group(
    line: str, action: str, account: str | None, group: str | None, by: str | None
) -> None:
    event = one(f"Mar  2 12:00:07 web01 {line}")

    assert (event["event.action"], event["event.outcome"]) == (action, "success")
    assert event["event.category"] == ["iam"]
    assert event.get("sentinel.target.user") == account
    assert event.get("group.name") == group
    assert event.get("user.name") == by


def test_the_shadow_group_echo_of_a_group_change_counts_once() -> None:
    event = one("Mar  2 12:00:07 web01 usermod[5007]: add 'backdoor' to shadow group 'sudo'")

    assert "event.action" not in event


def test_sshd_session_lines_are_sessions_of_their_user() -> None:
    opened = one(
        "Nov 30 08:42:14 gw1 sshd[5]: pam_unix(sshd:session): session opened for user "
        "deploy(uid=1000) by (uid=0)"
    )
    closed = one(
        "Nov 30 09:42:14 gw1 sshd[5]: pam_unix(sshd:session): session closed for user deploy"
    )

    assert known(opened) == {
        "event.action": "session_opened",
        "event.outcome": "success",
        "event.category": ["session"],
        "event.type": ["start"],
        "event.provider": "pam_unix",
        "user.name": "deploy",
    }
    assert (closed["event.action"], closed["user.name"]) == ("session_closed", "deploy")


# PAM, whichever program logged it.


@pytest.mark.parametrize(
    ("line", "action", "remote", "user"),
    [
        ("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 "
         "euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
         "ssh_auth_failure", {"source.ip": "218.188.2.4"}, None),
        ("Jun 15 12:12:34 combo sshd(pam_unix)[23397]: authentication failure; logname= uid=0 "
         "euid=0 tty=NODEVssh ruser= rhost=n219076184117.netvigator.com  user=root",
         "ssh_auth_failure", {"source.domain": "n219076184117.netvigator.com"}, "root"),
        ("Nov 30 10:00:00 h sudo: pam_unix(sudo:auth): authentication failure; logname=alice "
         "uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice",
         "pam_auth_failure", {}, "alice"),
        ("Nov 30 10:00:00 h su[9]: pam_unix(su:auth): authentication failure; logname=alice "
         "uid=1000 euid=0 tty=pts/0 ruser=alice rhost=  user=root",
         "pam_auth_failure", {}, "root"),
        ("Nov 30 10:00:00 h vsftpd[9]: pam_unix(vsftpd:auth): authentication failure; logname= "
         "uid=0 euid=0 tty=ftp ruser=admin rhost=ftp.example.org",
         "pam_auth_failure", {"source.domain": "ftp.example.org"}, None),
    ],
)  # fmt: skip
def test_pam_authentication_failures_carry_the_remote_end_as_logged(
    line: str, action: str, remote: dict, user: str | None
) -> None:
    event = one(line)

    assert (event["event.action"], event["event.outcome"]) == (action, "failure")
    assert event["event.provider"] == "pam_unix"
    assert event.get("user.name") == user
    expected = {"source.address": next(iter(remote.values()))} | remote if remote else {}
    assert {k: v for k, v in event.items() if k.startswith("source.")} == expected


def test_pam_check_pass_user_unknown_is_a_failure_without_a_name() -> None:
    event = one("Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown")

    assert (event["event.action"], event["event.outcome"]) == ("pam_user_unknown", "failure")
    assert "user.name" not in event


def test_a_su_session_names_who_switched_and_to_whom() -> None:
    event = one(
        "Nov 30 10:00:00 h su[9]: pam_unix(su:session): session opened for user root(uid=0) "
        "by alice(uid=1000)"
    )
    old = one("Jul 10 04:02:05 combo su(pam_unix)[3]: session opened for user news by (uid=0)")

    assert (event["user.name"], event["user.effective.name"]) == ("alice", "root")
    assert (old["event.action"], old["user.name"], old["process.name"]) == (
        "session_opened",
        "news",
        "su",
    )


# sudo and su.


@pytest.mark.parametrize(
    ("message", "outcome", "who", "target", "command", "reason"),
    [
        ("  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/bin/ls -l /root",
         "success", "deploy", "root", "/bin/ls -l /root", None),
        ("  mallory : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/tmp ; USER=root ; "
         "COMMAND=/bin/bash", "failure", "mallory", "root", "/bin/bash",
         "3 incorrect password attempts"),
        ("mallory : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh",
         "failure", "mallory", "root", "/bin/sh", "user NOT in sudoers"),
    ],
)  # fmt: skip
def test_sudo_commands_name_who_ran_what_as_whom(
    message: str, outcome: str, who: str, target: str, command: str, reason: str | None
) -> None:
    event = one(f"Nov 30 10:00:00 gw1 sudo: {message}")

    assert (event["event.action"], event["event.outcome"]) == ("sudo_command", outcome)
    assert (event["user.name"], event["user.effective.name"]) == (who, target)
    assert event["process.command_line"] == command
    assert event.get("error.message") == reason


@pytest.mark.parametrize(
    ("message", "outcome"),
    [
        ("(to root) alice on pts/0", "success"),
        ("FAILED SU (to root) alice on pts/0", "failure"),
        ("Successful su for root by alice", "success"),
        ("FAILED su for root by alice", "failure"),
        ("+ pts/0 alice:root", "success"),
        ("- pts/0 alice:root", "failure"),
    ],
)
def test_su_switches_and_refusals(message: str, outcome: str) -> None:
    event = one(f"Nov 30 10:00:00 gw1 su[77]: {message}")

    assert (event["event.action"], event["event.outcome"]) == ("su", outcome)
    assert (event["user.name"], event["user.effective.name"]) == ("alice", "root")


# cron, ftpd, Kerberos.


def test_a_cron_job_names_its_user_and_command() -> None:
    event = one("Nov 30 06:47:01 gw1 CRON[22087]: (root) CMD (   cd / && run-parts --report)")

    assert (event["event.action"], event["user.name"], event["process.command_line"]) == (
        "cron_command",
        "root",
        "   cd / && run-parts --report",
    )


def test_cron_pam_sessions_are_sessions() -> None:
    event = one(
        "Nov 30 06:47:01 ip-172-31-27-153 CRON[22087]: pam_unix(cron:session): "
        "session opened for user root by (uid=0)"
    )

    assert (event["event.action"], event["user.name"]) == ("session_opened", "root")


def test_an_ftpd_connection_keeps_the_address_and_the_resolved_name() -> None:
    event = one(
        "Jun 17 07:07:00 combo ftpd[29504]: connection from 24.54.76.216 "
        "(24-54-76-216.bflony.adelphia.net) at Fri Jun 17 07:07:00 2005 "
    )
    bare = one("Jun 17 07:07:00 combo ftpd[29504]: connection from 24.54.76.216 () at Fri Jun 17")

    assert known(event) == {
        "event.action": "ftp_connection",
        "event.outcome": "unknown",
        "event.category": ["network"],
        "event.type": ["connection", "start"],
        "source.address": "24.54.76.216",
        "source.ip": "24.54.76.216",
        "source.domain": "24-54-76-216.bflony.adelphia.net",
    }
    assert "source.domain" not in bare


@pytest.mark.parametrize(
    ("line", "outcome", "address", "user"),
    [
        ("Jun 17 07:07:00 h ftpd[1]: FTP LOGIN FROM host.example.org [192.0.2.4], alice",
         "success", "192.0.2.4", "alice"),
        ("Jun 17 07:07:00 h ftpd[1]: FTP LOGIN FAILED FROM host.example.org [192.0.2.4], root",
         "failure", "192.0.2.4", "root"),
        ("Jun 17 07:07:00 h ftpd[1]: ANONYMOUS FTP LOGIN FROM host.example.org [192.0.2.4], x@y",
         "success", "192.0.2.4", "anonymous"),
        ("Jul 24 02:38:23 combo ftpd[16781]: ANONYMOUS FTP LOGIN FROM 84.102.20.2,  (anonymous)",
         "success", "84.102.20.2", "anonymous"),
        ("Jun 17 07:07:00 h proftpd[1]: ftp.example.nl (scan.example.org[192.0.2.4]) - USER "
         "admin (Login failed): Incorrect password", "failure", "192.0.2.4", "admin"),
        ("Jun 17 07:07:00 h proftpd[1]: ftp.example.nl (scan.example.org[192.0.2.4]) - USER "
         "oracle: no such user found from scan.example.org [192.0.2.4] to 10.0.0.2:21",
         "failure", "192.0.2.4", "oracle"),
        ("Jun 17 07:07:00 h proftpd[1]: ftp.example.nl (office[192.0.2.9]) - USER alice: Login "
         "successful.", "success", "192.0.2.9", "alice"),
        ('Jun 17 07:07:00 h vsftpd[1]: [bob] FAIL LOGIN: Client "::ffff:192.0.2.4"',
         "failure", "192.0.2.4", "bob"),
        ('Jun 17 07:07:00 h vsftpd[1]: [pid 3] [bob] OK LOGIN: Client "192.0.2.4"',
         "success", "192.0.2.4", "bob"),
        ("Jun 17 07:07:00 h pure-ftpd: (?@192.0.2.4) [WARNING] Authentication failed for user "
         "[admin]", "failure", "192.0.2.4", "admin"),
    ],
)  # fmt: skip
def test_ftp_logins_of_the_common_servers(line: str, outcome: str, address: str, user: str) -> None:
    event = one(line)

    assert (event["event.action"], event["event.outcome"]) == ("ftp_login", outcome)
    assert (event["source.ip"], event["user.name"]) == (address, user)


def test_klogind_failures_count_once_per_attempt() -> None:
    first = one(
        "Jun 30 20:53:04 combo klogind[19272]: Authentication failed from 163.27.187.39 "
        "(163.27.187.39): Permission denied in replay cache code "
    )
    second = one("Jun 30 20:53:04 combo klogind[19272]: Kerberos authentication failed ")

    assert (first["event.action"], first["event.outcome"], first["source.ip"]) == (
        "kerberos_auth",
        "failure",
        "163.27.187.39",
    )
    assert "event.action" not in second


@pytest.mark.parametrize(
    ("message", "action", "outcome"),
    [
        ("AS_REQ (4 etypes {18 17 16 23}) 10.0.0.5: PREAUTH_FAILED: alice@EXAMPLE.NL for "
         "krbtgt/EXAMPLE.NL@EXAMPLE.NL, Preauthentication failed", "kerberos_auth", "failure"),
        ("AS_REQ (4 etypes {18 17 16 23}) 10.0.0.5: NEEDED_PREAUTH: alice@EXAMPLE.NL for "
         "krbtgt/EXAMPLE.NL@EXAMPLE.NL, Additional pre-authentication required",
         "kerberos_auth", "unknown"),
        ("AS_REQ (4 etypes {18 17 16 23}) 10.0.0.5: ISSUE: authtime 1, etypes {rep=18 tkt=18 "
         "ses=18}, alice@EXAMPLE.NL for krbtgt/EXAMPLE.NL@EXAMPLE.NL", None, None),
        ("TGS_REQ (4 etypes {18 17 16 23}) 10.0.0.5: ISSUE: authtime 1, etypes {rep=18 tkt=18 "
         "ses=18}, alice@EXAMPLE.NL for host/gw1.example.nl@EXAMPLE.NL", None, None),
    ],
)  # fmt: skip
def test_kdc_requests(message: str, action: str | None, outcome: str | None) -> None:
    event = one(f"Nov 30 10:00:00 kdc krb5kdc[812]: {message}")

    if action is None:
        assert "event.action" not in event
        return
    assert (event["event.action"], event["event.outcome"], event["user.name"]) == (
        action,
        outcome,
        "alice",
    )
    assert event["source.ip"] == "10.0.0.5"
    assert event.get("error.code") == ("PREAUTH_FAILED" if outcome == "failure" else None)


# Repeats, robustness.


def test_a_repeated_message_of_any_program_gives_one_event_per_repetition() -> None:
    events = parse("Nov 30 10:00:00 gw1 kernel: message repeated 3 times: [ usb 1-1: reset]")

    assert [e["message"] for e in events] == ["usb 1-1: reset"] * 3


def test_a_message_repeated_zero_times_is_skipped_under_its_program() -> None:
    result = parse("Nov 30 10:00:00 gw1 kernel: message repeated 0 times: [ usb 1-1: reset]")

    assert isinstance(result, Skipped)
    assert (result, result.what) == ([], "kernel")


@given(st.text(max_size=300))
def test_any_text_gives_events_or_a_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        for event in parse(text):
            assert event["@timestamp"].tzinfo is UTC
            assert isinstance(event["message"], str)


@given(
    program=st.sampled_from(
        [
            "sshd",
            "sudo",
            "su",
            "CRON",
            "ftpd",
            "proftpd",
            "klogind",
            "krb5kdc",
            "useradd",
            "usermod",
            "gpasswd",
            "openvpn",
        ]
    ),
    message=st.text(max_size=200),
)
def test_any_message_of_a_known_program_gives_one_event(program: str, message: str) -> None:
    with contextlib.suppress(ParseError):
        events = parse(f"Nov 30 10:00:00 gw1 {program}[1]: {message}")
        assert len(events) >= 1 or message.startswith("message repeated")


# Ingest: what a format understood and did not keep is counted per program.


def test_the_sshd_format_counts_what_it_skips_per_program(tmp_path: Path, sqlite_store, clock):
    log = tmp_path / "auth.log"
    log.write_text(
        "Nov 30 06:47:01 gw1 CRON[1]: pam_unix(cron:session): session opened for user root by "
        "(uid=0)\n"
        "Nov 30 06:47:02 gw1 CRON[1]: pam_unix(cron:session): session closed for user root\n"
        "Nov 30 07:07:14 gw1 sshd[2]: Did not receive identification string from 1.2.3.4\n"
        "Nov 30 07:07:15 gw1 sshd[3]: Failed password for root from 1.2.3.4 port 22 ssh2\n"
        "garbage\n"
    )
    reader = FileReader(str(log), None, clock=clock, final=True)
    pipeline = Pipeline(source="gw", parser=SshdParser(AMS), enrich=None, clock=clock)

    report = ingest(reader, pipeline, sqlite_store)

    assert (report.events, report.dead_letters) == (1, 1)
    assert report.skipped == {"cron": 2, "sshd": 1}
    assert report.as_dict()["skipped"] == {"cron": 2, "sshd": 1}


def test_the_syslog_format_keeps_every_line(tmp_path: Path, sqlite_store, clock):
    log = tmp_path / "auth.log"
    log.write_text(
        "Nov 30 06:47:01 gw1 CRON[1]: pam_unix(cron:session): session opened for user root by "
        "(uid=0)\n"
        "Nov 30 07:07:14 gw1 sshd[2]: Did not receive identification string from 1.2.3.4\n"
        "Nov 30 07:07:15 gw1 sshd[3]: Failed password for root from 1.2.3.4 port 22 ssh2\n"
    )
    reader = FileReader(str(log), None, clock=clock, final=True)
    pipeline = Pipeline(
        source="gw", parser=make_parser("syslog", zone=AMS), enrich=None, clock=clock
    )

    report = ingest(reader, pipeline, sqlite_store)

    assert (report.events, report.skipped, report.dead_letters) == (3, {}, 0)


# The public captures: every line an event, except the auth log's partial last line.

CAPTURES = {
    "loghub-openssh-2k/OpenSSH_2k.log": 0,
    "loghub-linux-2k/Linux_2k.log": 0,
    "secrepo-auth-log/auth.log": 1,
}


def read_capture(path: Path) -> tuple[list[str], list[dict], list[str]]:
    lines = path.read_text(encoding="utf-8", errors="backslashreplace").splitlines()
    reference = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    parser = SyslogParser(AMS)
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


@pytest.mark.realdata
@pytest.mark.parametrize("capture", CAPTURES)
def test_every_line_of_the_public_captures_is_an_event(real_logs: Path, capture: str) -> None:
    lines, events, errors = read_capture(real_logs / capture)

    assert len(errors) == CAPTURES[capture]
    repeats = sum(
        int(m.group(1)) - 1 for line in lines if (m := re.search(r"repeated (\d+) times: \[", line))
    )
    assert len(events) == len(lines) - len(errors) + repeats


@pytest.mark.realdata
def test_the_linux_capture_s_programs_are_understood(real_logs: Path) -> None:
    _, events, _ = read_capture(real_logs / "loghub-linux-2k" / "Linux_2k.log")
    actions = Counter((e.get("process.name"), e.get("event.action")) for e in events)

    # counted independently with grep on the capture
    assert actions[("sshd", "ssh_auth_failure")] == 489
    assert actions[("sshd", "pam_user_unknown")] == 116
    assert actions[("ftpd", "ftp_connection")] == 909
    assert actions[("ftpd", "ftp_login")] == 2
    assert actions[("klogind", "kerberos_auth")] == 23
    assert actions[("su", "session_opened")] == 86
    assert all(
        e["source.address"] == e.get("source.ip", e.get("source.domain"))
        for e in events
        if "source.address" in e
    )


@pytest.mark.realdata
def test_the_auth_log_s_scans_and_invalid_users_are_understood(real_logs: Path) -> None:
    _, events, _ = read_capture(real_logs / "secrepo-auth-log" / "auth.log")
    actions = Counter(e.get("event.action") for e in events)

    assert actions["ssh_no_identification"] == 704
    assert actions["ssh_invalid_user"] > 1000
    assert actions["session_opened"] == 58


def test_every_action_the_programs_give_is_one_rules_may_name() -> None:
    assert ACTIONS <= PARSER_ACTIONS
