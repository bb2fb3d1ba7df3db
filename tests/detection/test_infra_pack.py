"""The infrastructure pack (rules/infra) end to end: log files → ingest → enrichment → rules.

Two sets of logs: small synthetic ones that ship with the tests (every rule's
verdict is known line by line), and the public captures in ../shared/data/real-logs
(marked ``realdata``), where the attacks the captures are known for must be found
and the ordinary traffic around them must stay quiet.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from sentinel.alerts import Alerts
from sentinel.config import load_settings
from sentinel.detection.engine import Engine
from sentinel.detection.loader import Vocabulary, load_rules
from sentinel.events import PARSER_ACTIONS, TIMESTAMP
from sentinel.ingest import IngestReport, ingest_source
from sentinel.parsers.syslog import SyslogParser
from sentinel.store.query import Aggregation, EventQuery
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock
from tests.parsers.records import make_record

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "rules" / "infra"
DATA = Path(__file__).resolve().parent / "data" / "infra"
HONEYBUCKET_MAP = {
    "Event DateTime": "@timestamp",
    "Event Name": "event.action",
    "Event ID": "event.id",
    "Source IP": "source.ip",
    "User ID": "user.id",
    "Request User Agent": "user_agent.original",
    "Request Parameters": "aws.cloudtrail.request_parameters",
    "Event Type": "aws.cloudtrail.event_type",
}


@dataclass(frozen=True)
class Source:
    name: str
    path: Path
    format: str
    field_map: dict[str, str] | None = None


@dataclass
class PackRun:
    ingested: IngestReport
    alerts: list[dict[str, Any]]
    """The alerts as stored (after each rule's suppression), as `alerts list` shows them."""

    def groups(self, rule: str, field: str) -> set[Any]:
        return {a["group"].get(field) for a in self.alerts if a["rule_name"] == rule}

    def per_rule(self) -> Counter[str]:
        return Counter(a["rule_name"] for a in self.alerts)


def settings_text(tmp: Path, source: Source) -> str:
    lines = [
        f'store_url = "sqlite:///{(tmp / "sentinel.db").as_posix()}"',
        'timezone = "Europe/Amsterdam"',
        "",
        "[[sources]]",
        f'name = "{source.name}"',
        'kind = "file"',
        f'path = "{source.path.as_posix()}"',
        f'format = "{source.format}"',
    ]
    if source.field_map:
        pairs = ", ".join(f'"{k}" = "{v}"' for k, v in source.field_map.items())
        lines.append(f"field_map = {{ {pairs} }}")
    return "\n".join(lines) + "\n"


def run_pack(tmp: Path, source: Source, now: datetime) -> PackRun:
    """Ingest one log as a configured source, then run the infra pack over its whole span."""
    config = tmp / "sentinel.toml"
    config.write_text(settings_text(tmp, source))
    settings = load_settings(config)
    clock = ManualClock(now)
    store = SQLiteStore(settings.store_url)
    store.init()
    try:
        report = ingest_source(settings, settings.sources[0], store, clock)
        [row] = store.aggregate(EventQuery(), Aggregation(group_by=()))
        loaded = load_rules(
            [INFRA], Vocabulary(actions=PARSER_ACTIONS, sources=frozenset({source.name}))
        )
        assert loaded.errors == []
        alerts = Alerts(store, clock)
        engine = Engine(store, loaded.ruleset, alerts, clock, max_window=timedelta(days=31))
        _, runs = engine.backfill(
            row.first - timedelta(hours=1), row.last + timedelta(hours=2), loaded.ruleset.alerting()
        )
        assert [r.error for r in runs if r.error] == []
        stored = [rec.data for rec in alerts.list(limit=100_000)]
    finally:
        store.close()
    return PackRun(report, stored)


# Synthetic logs: every verdict known.

LOCAL_NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


def synthetic(tmp_path: Path, name: str, fmt: str) -> PackRun:
    path = DATA / name
    if fmt == "syslog":  # the year comes from the file's time
        copy = tmp_path / name
        copy.write_bytes(path.read_bytes())
        os.utime(copy, (LOCAL_NOW.timestamp(), LOCAL_NOW.timestamp()))
        path = copy
    return run_pack(tmp_path, Source("infra", path, fmt), LOCAL_NOW)


def test_the_auth_log_s_attacks_are_found_and_the_working_day_is_not(tmp_path: Path) -> None:
    run = synthetic(tmp_path, "auth.log", "syslog")

    assert run.ingested.dead_letters == 0
    assert run.per_rule() == {
        "ssh_password_guessing": 2,  # the brute force and the name sprayer
        "ssh_bruteforce": 1,
        "ssh_success_after_failures": 1,
        "ssh_off_hours_login": 1,
        "ssh_username_spraying": 1,
        "ssh_invalid_user_burst": 1,
        "ssh_scan": 2,  # one in the old words, one as OpenSSH 8+ logs it
        "pam_auth_failures": 1,
        "linux_user_created": 1,
        "linux_privileged_group_member": 1,  # sudo; the developers' group is not
        "linux_sudo_refused": 1,
    }
    assert run.groups("ssh_success_after_failures", "source.address") == {"203.0.113.50"}
    assert run.groups("ssh_off_hours_login", "user.name") == {"root"}
    assert run.groups("ssh_username_spraying", "source.address") == {"198.51.100.20"}
    assert run.groups("ssh_scan", "source.address") == {"192.0.2.77", "192.0.2.88"}
    assert run.groups("pam_auth_failures", "source.address") == {"scanner.example.org"}
    assert run.groups("linux_privileged_group_member", "sentinel.target.user") == {"backdoor"}
    assert run.groups("linux_sudo_refused", "user.name") == {"mallory"}


def test_the_same_attacks_are_found_in_the_journal_s_export_of_that_log(tmp_path: Path) -> None:
    """A host without rsyslog: its sshd and PAM messages come as `journalctl -o json`."""
    parser = SyslogParser(ZoneInfo("Europe/Amsterdam"), year=LOCAL_NOW.year)
    journal = tmp_path / "journal.json"
    with journal.open("wb") as out:
        for n, text in enumerate((DATA / "auth.log").read_text().splitlines()):
            line = parser.split(make_record(text))
            tag = f"{line.program}({line.module})" if line.module else line.program
            stamp = str((line.when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1))
            entry = {
                "__CURSOR": f"s=1;i={n:x}",
                "__REALTIME_TIMESTAMP": stamp,
                "_HOSTNAME": line.host,
                "SYSLOG_IDENTIFIER": tag,
                "_PID": str(line.pid),
                "MESSAGE": line.message,
            }
            for _ in range(line.count):
                out.write(orjson.dumps(entry) + b"\n")

    from_journal = run_pack(tmp_path, Source("infra", journal, "journald"), LOCAL_NOW)
    (tmp_path / "syslog").mkdir()
    from_auth_log = synthetic(tmp_path / "syslog", "auth.log", "syslog")

    assert from_journal.ingested.dead_letters == 0
    assert from_journal.per_rule() == from_auth_log.per_rule()
    assert from_journal.groups("ssh_scan", "source.address") == {"192.0.2.77", "192.0.2.88"}


def test_the_web_log_s_scanner_brute_force_and_traversal_are_found(tmp_path: Path) -> None:
    run = synthetic(tmp_path, "access.log", "combined")

    assert run.per_rule() == {
        "web_vulnerability_scan": 1,
        "web_4xx_burst": 1,
        "web_login_bruteforce": 1,
        "web_vulnerability_probe": 1,
    }
    assert run.groups("web_vulnerability_scan", "source.ip") == {"203.0.113.99"}
    assert run.groups("web_4xx_burst", "source.ip") == {"203.0.113.99"}
    assert run.groups("web_login_bruteforce", "source.ip") == {"198.51.100.66"}
    assert run.groups("web_vulnerability_probe", "source.ip") == {"192.0.2.200"}


def test_a_load_balancer_s_log_shows_the_login_brute_force_the_portal_cannot_see(
    tmp_path: Path,
) -> None:
    run = synthetic(tmp_path, "alb.log", "alb")

    assert (run.ingested.events, run.ingested.dead_letters) == (18, 0)
    assert run.per_rule() == {"web_login_bruteforce": 1}
    assert run.groups("web_login_bruteforce", "source.ip") == {"203.0.113.44"}


def test_the_web_error_log_s_basic_auth_guessing_is_found_and_a_typo_is_not(
    tmp_path: Path,
) -> None:
    run = synthetic(tmp_path, "error.log", "web_error")

    assert (run.ingested.events, run.ingested.dead_letters) == (12, 0)
    assert run.per_rule() == {"pam_auth_failures": 1}
    assert run.groups("pam_auth_failures", "source.address") == {"203.0.113.77"}


def test_cloudtrail_s_stolen_key_console_guessing_and_covered_tracks_are_found(
    tmp_path: Path,
) -> None:
    run = synthetic(tmp_path, "cloudtrail.json", "cloudtrail")

    assert (run.ingested.events, run.ingested.dead_letters) == (76, 0)
    assert run.per_rule() == {
        "aws_instance_credentials_outside": 1,
        "aws_instance_credentials_multiple_sources": 1,
        "aws_s3_bucket_enumeration": 1,
        "aws_s3_exfiltration": 1,
        "aws_s3_write_attempt": 1,
        "aws_s3_anonymous_access": 1,
        "aws_console_login_guessing": 1,  # six refused sign-ins, none with an error code
        "aws_root_account_used": 1,
        "aws_console_login_without_mfa": 1,
        "aws_logging_disabled": 1,
        "aws_iam_admin_policy_attached": 1,
    }
    assert run.groups("aws_console_login_guessing", "source.address") == {"203.0.113.9"}
    assert run.groups("aws_console_login_without_mfa", "user.name") == {"pedro"}
    assert run.groups("aws_logging_disabled", "user.name") == {"pedro"}
    assert run.groups("aws_instance_credentials_outside", "source.ip") == {"198.51.100.23"}
    assert run.groups("aws_s3_exfiltration", "source.ip") == {"198.51.100.23"}
    assert run.groups("aws_s3_write_attempt", "source.ip") == {"192.0.2.150"}


def test_an_s3_access_log_s_anonymous_probe_and_write_are_found(tmp_path: Path) -> None:
    run = synthetic(tmp_path, "s3access.log", "s3access")

    assert run.per_rule() == {"aws_s3_anonymous_access": 1, "aws_s3_write_attempt": 1}
    assert run.groups("aws_s3_anonymous_access", "source.ip") == {"203.0.113.201"}


# The public captures.

CAPTURES = {
    "openssh": Source("openssh", Path("loghub-openssh-2k/OpenSSH_2k.log"), "syslog"),
    "linux": Source("linux", Path("loghub-linux-2k/Linux_2k.log"), "syslog"),
    "auth": Source("auth", Path("secrepo-auth-log/auth.log"), "syslog"),
    "apache": Source("apache", Path("elastic-apache-logs/apache_logs"), "combined"),
    "hackers": Source("hackers", Path("logparser-hackers-access/hackers-access.log"), "combined"),
    "cloudtrail": Source(
        "cloudtrail",
        Path("otrf-aws-cloudtrail-s3-exfil/ec2_proxy_s3_exfiltration_2020-09-14011940.json"),
        "cloudtrail",
    ),
    "honeybucket": Source(
        "honeybucket",
        Path("otrf-aws-s3-honeybucket/AWS_S3_HoneyBucketLogs.csv"),
        "csv",
        HONEYBUCKET_MAP,
    ),
}


@pytest.fixture(scope="module")
def capture_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PackRun]:
    from tests.conftest import REAL_LOGS

    if not REAL_LOGS.is_dir():
        pytest.skip(f"public captures not present at {REAL_LOGS}")
    runs = {}
    for key, source in CAPTURES.items():
        path = REAL_LOGS / source.path
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        tmp = tmp_path_factory.mktemp(key)
        runs[key] = run_pack(
            tmp, Source(source.name, path, source.format, source.field_map), mtime + timedelta(1)
        )
        print(key, dict(sorted(runs[key].per_rule().items())))
    return runs


@pytest.mark.realdata
def test_openssh_capture_brute_forces_are_found_and_the_one_login_is_not_blamed(
    capture_runs: dict[str, PackRun],
) -> None:
    run = capture_runs["openssh"]

    assert run.ingested.dead_letters == 0
    # the capture's loudest attackers, counted with grep: hundreds of root passwords each
    assert {"183.62.140.253", "187.141.143.180", "103.99.0.122"} <= run.groups(
        "ssh_bruteforce", "source.address"
    )
    assert run.groups("ssh_username_spraying", "source.address")
    # fztu's password login came from an address that never failed
    assert run.per_rule()["ssh_success_after_failures"] == 0


@pytest.mark.realdata
def test_linux_capture_pam_failures_are_keyed_by_address_or_host_name(
    capture_runs: dict[str, PackRun],
) -> None:
    run = capture_runs["linux"]

    guessers = run.groups("ssh_password_guessing", "source.address")
    assert any(not a[0].isdigit() for a in guessers)  # resolved names, as PAM's rhost logs them
    assert any(a[0].isdigit() for a in guessers)
    assert run.groups("pam_auth_failures", "source.address") == {"163.27.187.39"}  # klogind
    assert run.groups("ftp_connection_burst", "source.address")


@pytest.mark.realdata
def test_auth_log_capture_scanner_and_name_sprayers_are_found(
    capture_runs: dict[str, PackRun],
) -> None:
    run = capture_runs["auth"]

    assert run.ingested.dead_letters == 1  # the capture's partial last line
    assert run.groups("ssh_scan", "source.address") == {"218.75.153.170"}
    assert "218.75.153.170" in run.groups("ssh_invalid_user_burst", "source.address")
    assert len(run.groups("ssh_username_spraying", "source.address")) >= 5
    assert run.per_rule()["ssh_off_hours_login"] == 0


@pytest.mark.realdata
def test_apache_capture_editor_scanner_is_found_and_single_bot_probes_are_not(
    capture_runs: dict[str, PackRun],
) -> None:
    run = capture_runs["apache"]

    assert "91.236.75.25" in run.groups("web_vulnerability_scan", "source.ip")  # fckeditor
    # the chef client asking for one missing jar every hour is no burst
    assert "208.91.156.11" not in run.groups("web_4xx_burst", "source.ip")
    assert run.per_rule()["web_login_bruteforce"] == 0


@pytest.mark.realdata
def test_hackers_capture_distributed_login_guessing_is_found(
    capture_runs: dict[str, PackRun],
) -> None:
    run = capture_runs["hackers"]

    assert run.groups("web_login_distributed_bruteforce", "url.path") == {"/login_form"}


@pytest.mark.realdata
def test_cloudtrail_capture_the_proxied_instance_key_is_found_and_pedro_is_not(
    capture_runs: dict[str, PackRun],
) -> None:
    run = capture_runs["cloudtrail"]

    stolen = "MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0/i-0317f6c6b66ae9c40"
    assert run.groups("aws_instance_credentials_outside", "user.name") == {stolen}
    assert run.groups("aws_s3_bucket_enumeration", "source.ip") == {"1.2.3.4"}
    assert all("pedro" not in str(a["group"]) for a in run.alerts)


@pytest.mark.realdata
def test_honeybucket_capture_every_anonymous_prober_and_writer_is_found(
    capture_runs: dict[str, PackRun], real_logs: Path
) -> None:
    import csv

    path = real_logs / CAPTURES["honeybucket"].path
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    anonymous = {r["Source IP"] for r in rows if "ANONYMOUS_PRINCIPAL" in r["User ID"]}
    writers = {r["Source IP"] for r in rows if r["Event Name"] == "PutObject"}  # other accounts
    run = capture_runs["honeybucket"]

    assert run.ingested.dead_letters == 0
    assert run.groups("aws_s3_anonymous_access", "source.ip") == anonymous
    assert writers and run.groups("aws_s3_write_attempt", "source.ip") == writers
    assert TIMESTAMP in HONEYBUCKET_MAP.values()
