"""SigmaHQ-style rules converted by the field-mapping pipeline, or refused with the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sentinel.alerts import Alerts
from sentinel.detection.engine import Engine
from sentinel.detection.loader import load_rules
from sentinel.detection.sigma_import import import_file, rule_sources, write_imported
from sentinel.parsers.cloudtrail import CloudTrailParser
from sentinel.store.sqlite import SQLiteStore
from tests.conftest import ManualClock
from tests.detection.conftest import ev
from tests.parsers.records import make_record

BUCKET_LISTING = """\
title: Bucket listing by a user
id: 5e1a2b3c-0000-4000-8000-000000000001
status: test
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventSource: s3.amazonaws.com
        eventName: ListBuckets
        userIdentity.type: IAMUser
    filter:
        userAgent|contains: 'console.amazonaws.com'
    condition: selection and not filter
level: low
"""
CONSOLE_FAILURE = """\
title: Console login failure
id: 5e1a2b3c-0000-4000-8000-000000000002
status: test
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: ConsoleLogin
        responseElements.ConsoleLogin: Failure
    condition: selection
level: medium
"""
WEB_TRAVERSAL = """\
title: Traversal in a web request
id: 5e1a2b3c-0000-4000-8000-000000000003
status: test
logsource:
    category: webserver
detection:
    selection:
        cs-uri-query|contains: '../../'
        sc-status: 200
    condition: selection
level: high
"""
WEB_KEYWORDS = """\
title: Web shell keywords
id: 5e1a2b3c-0000-4000-8000-000000000004
status: test
logsource:
    category: webserver
detection:
    keywords:
        - '=whoami'
    condition: keywords
level: high
"""
WINDOWS = """\
title: whoami run
id: 5e1a2b3c-0000-4000-8000-000000000005
status: test
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
level: high
"""
PAIR = """\
title: PAM failure from a remote host
name: pam_remote_failure
id: 5e1a2b3c-0000-4000-8000-000000000006
status: test
logsource:
    product: linux
    service: auth
detection:
    selection:
        pam_rhost|exists: true
        event.outcome: failure
    condition: selection
level: informational
---
title: Many PAM failures from one remote host
id: 5e1a2b3c-0000-4000-8000-000000000007
status: test
correlation:
    type: event_count
    rules: [pam_remote_failure]
    group-by: [pam_rhost]
    timespan: 10m
    condition:
        gte: 3
level: medium
"""


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yml").write_text(text)
    return folder


def test_cloudtrail_field_names_are_mapped_and_the_rule_loads(tmp_path: Path) -> None:
    [result] = import_file(write(tmp_path, listing=BUCKET_LISTING) / "listing.yml")

    assert result.imported, result.reason
    assert "event.provider: s3.amazonaws.com" in result.text
    assert "aws.cloudtrail.user_identity.type: IAMUser" in result.text
    assert "user_agent.original|contains: console.amazonaws.com" in result.text
    assert "eventName" not in result.text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (CONSOLE_FAILURE, "responseElements.ConsoleLogin have no counterpart"),
        (WEB_KEYWORDS, "keyword searches (values without a field) are not supported"),
        (WINDOWS, "log source product=windows, category=process_creation: Sentinel reads no"),
        ("title: [unclosed\n", "not YAML"),
    ],
    ids=["unmapped-field", "keywords", "windows", "broken"],
)
def test_what_the_engine_cannot_run_is_refused_with_the_reason(
    tmp_path: Path, text: str, reason: str
) -> None:
    [result] = import_file(write(tmp_path, rule=text) / "rule.yml")

    assert not result.imported
    assert reason in result.reason


def test_a_correlation_s_group_by_is_mapped_with_its_base_rule(tmp_path: Path) -> None:
    results = import_file(write(tmp_path, pair=PAIR) / "pair.yml")

    assert [r.imported for r in results] == [True, True]
    assert "source.address: exists" not in results[0].text
    assert "source.address|exists: true" in results[0].text
    assert "- source.address" in results[1].text


def test_imported_files_are_written_one_per_source_and_load_as_a_pack(tmp_path: Path) -> None:
    sources = write(tmp_path / "sigma" / "cloud", listing=BUCKET_LISTING, console=CONSOLE_FAILURE)
    write(tmp_path / "sigma" / "web", traversal=WEB_TRAVERSAL)
    results = [r for p in rule_sources([tmp_path / "sigma"]) for r in import_file(p)]

    written = write_imported(results, tmp_path / "imported")

    assert sorted(p.name for p in written) == ["listing.yml", "traversal.yml"]
    assert [p.name for p in rule_sources([sources])] == ["console.yml", "listing.yml"]
    loaded = load_rules([tmp_path / "imported"])
    assert loaded.errors == []
    assert sorted(loaded.ruleset.rules) == [
        "bucket_listing_by_a_user",
        "traversal_in_a_web_request",
    ]


def test_an_imported_rule_fires_on_the_events_it_was_written_for(tmp_path: Path) -> None:
    [result] = import_file(write(tmp_path, listing=BUCKET_LISTING) / "listing.yml")
    write_imported([result], tmp_path / "imported")
    rules = load_rules([tmp_path / "imported"]).ruleset
    record = {
        "eventTime": "2026-03-11T02:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "ListBuckets",
        "sourceIPAddress": "198.51.100.23",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.5",
        "userIdentity": {"type": "IAMUser", "userName": "pedro", "principalId": "AIDAX"},
    }
    [fields] = CloudTrailParser().parse(make_record(record))
    at = fields.pop("@timestamp")
    store = SQLiteStore(f"sqlite:///{tmp_path / 'store.db'}")
    store.init()
    clock = ManualClock(datetime(2026, 3, 12, tzinfo=UTC))
    try:
        event = ev(at, **{k.replace(".", "__"): v for k, v in fields.items()})
        store.write_events([event])
        found, _ = Engine(store, rules, Alerts(store, clock), clock).backfill(
            at - timedelta(hours=1), at + timedelta(hours=1), rules.alerting()
        )
    finally:
        store.close()

    assert [(d.rule.name, d.group) for d in found] == [
        ("bucket_listing_by_a_user", {"user.name": "pedro", "source.address": "198.51.100.23"})
    ]
