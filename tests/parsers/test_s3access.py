"""S3 server access log lines: operations named as CloudTrail names them."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.parsers.base import ParseError
from sentinel.parsers.s3access import S3AccessParser, api_name
from tests.parsers.records import make_record

OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
LINE = (
    f"{OWNER} members-export [06/Feb/2026:00:00:38 +0100] 192.0.2.3 "
    "arn:aws:iam::111122223333:user/backup-job 3E57427F3EXAMPLE REST.GET.OBJECT "
    '2026/members.csv "GET /members-export/2026/members.csv HTTP/1.1" 200 - 52311 52311 7 6 '
    '"-" "aws-sdk-java/1.12.1 Linux/5.10" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6Uk= '
    "SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader members-export.s3.eu-central-1.amazonaws.com "
    "TLSv1.2 - -"
)
ANONYMOUS = (
    f"{OWNER} members-export [06/Feb/2026:03:10:00 +0000] 198.51.100.77 - 9B2E REST.HEAD.BUCKET "
    '- "HEAD /members-export HTTP/1.1" 403 AccessDenied 243 - 10 - "-" "Go-http-client/1.1" - '
    "abc= - - - members-export.s3.amazonaws.com -"
)


def parse(line: str) -> list[dict]:
    return S3AccessParser().parse(make_record(line))


def test_an_authenticated_object_read() -> None:
    [event] = parse(LINE)

    assert event == {
        "@timestamp": datetime(2026, 2, 5, 23, 0, 38, tzinfo=UTC),
        "event.action": "GetObject",
        "event.provider": "s3.amazonaws.com",
        "event.outcome": "success",
        "cloud.provider": "aws",
        "cloud.service.name": "s3",
        "aws.s3access.operation": "REST.GET.OBJECT",
        "aws.s3.bucket.name": "members-export",
        "aws.s3.object.key": "2026/members.csv",
        "source.address": "192.0.2.3",
        "source.ip": "192.0.2.3",
        "user.id": "arn:aws:iam::111122223333:user/backup-job",
        "user.name": "backup-job",
        "http.request.method": "GET",
        "url.original": "/members-export/2026/members.csv",
        "http.version": "1.1",
        "http.response.status_code": 200,
        "http.response.body.bytes": 52311,
        "user_agent.original": "aws-sdk-java/1.12.1 Linux/5.10",
    }


def test_an_unsigned_refused_probe_is_anonymous_and_a_failure() -> None:
    [event] = parse(ANONYMOUS)

    assert (event["user.id"], event["user.name"]) == ("ANONYMOUS_PRINCIPAL", "anonymous")
    assert (event["event.action"], event["event.outcome"], event["error.code"]) == (
        "HeadBucket",
        "failure",
        "AccessDenied",
    )
    assert "aws.s3.object.key" not in event


@pytest.mark.parametrize(
    ("operation", "key", "name"),
    [
        ("REST.PUT.OBJECT", "a.txt", "PutObject"),
        ("REST.GET.BUCKET", None, "ListObjects"),
        ("REST.GET.ACL", None, "GetBucketAcl"),
        ("REST.GET.ACL", "a.txt", "GetObjectAcl"),
        ("REST.PUT.BUCKETPOLICY", None, "PutBucketPolicy"),
        ("BATCH.DELETE.OBJECT", "a.txt", "BATCH.DELETE.OBJECT"),
    ],
)
def test_operations_get_cloudtrail_s_api_names(operation: str, key: str | None, name: str) -> None:
    assert api_name(operation, key) == name


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("hello world", "not an S3 server access log line"),
        (LINE.replace("[06/Feb/2026:00:00:38 +0100]", "[06/Foo/2026:00:00:38 +0100]"), "time"),
        (LINE.replace("[06/Feb/2026:00:00:38 +0100]", "[31/Feb/2026:00:00:38 +0100]"), "no such"),
    ],
)
def test_what_is_not_an_access_log_line_is_refused(line: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(line)


@given(st.text(max_size=400))
def test_any_text_gives_an_event_or_a_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        for event in parse(text):
            assert event["@timestamp"].tzinfo is UTC
