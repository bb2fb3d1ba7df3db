"""CloudTrail records to ECS: identities, outcomes, S3 fields, the Records array."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.parsers.base import ParseError, Skipped
from sentinel.parsers.cloudtrail import CloudTrailParser
from tests.parsers.records import make_record

ROLE_ARN = "arn:aws:sts::111122223333:assumed-role/WebRole/i-0317f6c6b66ae9c40"
GET_OBJECT = {
    "eventVersion": "1.08",
    "eventTime": "2026-03-11T01:02:34Z",
    "eventSource": "s3.amazonaws.com",
    "eventName": "GetObject",
    "awsRegion": "eu-central-1",
    "sourceIPAddress": "203.0.113.50",
    "userAgent": "[aws-cli/2.15.0 Python/3.11.6 Darwin/23.1.0 exe/x86_64]",
    "userIdentity": {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLE:i-0317f6c6b66ae9c40",
        "arn": ROLE_ARN,
        "accountId": "111122223333",
        "accessKeyId": "ASIAEXAMPLE",
        "sessionContext": {"ec2RoleDelivery": "2.0"},
    },
    "requestParameters": {"bucketName": "members-export", "key": "2026/03/members.csv"},
    "additionalEventData": {"bytesTransferredOut": 52311.0},
    "eventID": "0b1c5a1e-3f3c-4d5b-9b1e-1a2b3c4d5e6f",
    "readOnly": True,
    "eventType": "AwsApiCall",
    "eventCategory": "Data",
    "recipientAccountId": "111122223333",
}


def parse(data) -> list[dict]:
    text = data if isinstance(data, str) else json.dumps(data)
    return CloudTrailParser().parse(make_record(text))


def one(record: dict) -> dict:
    [event] = parse(record)
    return event


def test_an_s3_read_by_an_instance_role_gives_cloud_user_source_and_object() -> None:
    event = one(GET_OBJECT)

    assert event == {
        "@timestamp": datetime(2026, 3, 11, 1, 2, 34, tzinfo=UTC),
        "event.id": "0b1c5a1e-3f3c-4d5b-9b1e-1a2b3c4d5e6f",
        "event.action": "GetObject",
        "event.provider": "s3.amazonaws.com",
        "event.outcome": "success",
        "cloud.provider": "aws",
        "cloud.service.name": "s3",
        "cloud.region": "eu-central-1",
        "cloud.account.id": "111122223333",
        "source.address": "203.0.113.50",
        "source.ip": "203.0.113.50",
        "user_agent.original": "[aws-cli/2.15.0 Python/3.11.6 Darwin/23.1.0 exe/x86_64]",
        "user.id": "AROAEXAMPLE:i-0317f6c6b66ae9c40",
        "user.name": "WebRole/i-0317f6c6b66ae9c40",
        "aws.cloudtrail.event_type": "AwsApiCall",
        "aws.cloudtrail.event_category": "Data",
        "aws.cloudtrail.read_only": True,
        "aws.cloudtrail.user_identity.type": "AssumedRole",
        "aws.cloudtrail.user_identity.arn": ROLE_ARN,
        "aws.cloudtrail.user_identity.access_key_id": "ASIAEXAMPLE",
        "aws.cloudtrail.request_parameters": (
            '{"bucketName":"members-export","key":"2026/03/members.csv"}'
        ),
        "aws.s3.bucket.name": "members-export",
        "aws.s3.object.key": "2026/03/members.csv",
        "http.response.body.bytes": 52311,
        "sentinel.cloud.instance_credentials": True,
    }


def test_a_refused_call_is_a_failure_with_its_error() -> None:
    event = one(GET_OBJECT | {"errorCode": "AccessDenied", "errorMessage": "Access Denied"})

    assert (event["event.outcome"], event["error.code"], event["error.message"]) == (
        "failure",
        "AccessDenied",
        "Access Denied",
    )


CONSOLE_LOGIN = {
    "eventVersion": "1.08",
    "eventTime": "2026-03-11T02:00:00Z",
    "eventSource": "signin.amazonaws.com",
    "eventName": "ConsoleLogin",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "198.51.100.23",
    "userIdentity": {"type": "IAMUser", "userName": "pedro", "accountId": "111122223333"},
    "requestParameters": None,
    "responseElements": {"ConsoleLogin": "Success"},
    "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/", "MFAUsed": "No"},
    "eventID": "6f1d3c8e-0c47-4b9e-9d7b-0a1b2c3d4e5f",
    "eventType": "AwsConsoleSignIn",
    "recipientAccountId": "111122223333",
}
MFA = "aws.cloudtrail.console_login.additional_eventdata.mfa_used"


def test_a_console_sign_in_says_whether_a_second_factor_was_used() -> None:
    without = one(CONSOLE_LOGIN)
    extra = CONSOLE_LOGIN["additionalEventData"] | {"MFAUsed": "Yes"}
    with_mfa = one(CONSOLE_LOGIN | {"additionalEventData": extra})

    assert (without["event.outcome"], without[MFA]) == ("success", False)
    assert with_mfa[MFA] is True
    assert MFA not in one(GET_OBJECT)


def test_a_refused_console_sign_in_is_a_failure_though_it_has_no_error_code() -> None:
    event = one(
        CONSOLE_LOGIN
        | {"errorMessage": "Failed authentication", "responseElements": {"ConsoleLogin": "Failure"}}
    )

    assert (event["event.outcome"], event["error.message"]) == (
        "failure",
        "Failed authentication",
    )
    assert "error.code" not in event


@pytest.mark.parametrize(
    ("identity", "name", "user_id", "instance"),
    [
        (
            {
                "type": "IAMUser",
                "userName": "pedro",
                "principalId": "AIDAX",
                "arn": "arn:aws:iam::1:user/pedro",
            },
            "pedro",
            "AIDAX",
            None,
        ),
        (
            {
                "type": "Root",
                "principalId": "111122223333",
                "arn": "arn:aws:iam::111122223333:root",
            },
            "root",
            "111122223333",
            None,
        ),
        ({"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}, "ec2.amazonaws.com", None, None),
        (
            {"type": "AWSAccount", "principalId": "", "accountId": "ANONYMOUS_PRINCIPAL"},
            "anonymous",
            "ANONYMOUS_PRINCIPAL",
            None,
        ),
        (
            {
                "type": "AssumedRole",
                "principalId": "AROAX:deploy-bot",
                "arn": "arn:aws:sts::1:assumed-role/Ci/deploy-bot",
            },
            "Ci/deploy-bot",
            "AROAX:deploy-bot",
            False,
        ),
        (
            {
                "type": "AssumedRole",
                "principalId": "AROAX:i-0123456789abcdef0",
                "arn": "arn:aws:sts::1:assumed-role/Web/i-0123456789abcdef0",
            },
            "Web/i-0123456789abcdef0",
            "AROAX:i-0123456789abcdef0",
            True,
        ),
    ],
)
def test_identities_get_the_name_people_read(
    identity: dict, name: str, user_id: str | None, instance: bool | None
) -> None:
    event = one(GET_OBJECT | {"userIdentity": identity})

    assert event["user.name"] == name
    assert event.get("user.id") == user_id
    assert event.get("sentinel.cloud.instance_credentials") == instance


def test_a_service_name_as_source_is_an_address_but_not_an_ip() -> None:
    event = one(GET_OBJECT | {"sourceIPAddress": "ec2.amazonaws.com"})

    assert event["source.address"] == "ec2.amazonaws.com"
    assert "source.ip" not in event


def test_a_log_file_s_records_array_gives_one_event_per_record() -> None:
    second = GET_OBJECT | {"eventID": "second", "eventName": "ListObjects"}

    events = parse({"Records": [GET_OBJECT, second]})

    assert [e["event.action"] for e in events] == ["GetObject", "ListObjects"]


def test_a_digest_file_is_skipped_not_refused() -> None:
    digest = {
        "awsAccountId": "111122223333",
        "digestStartTime": "2026-03-11T00:00:00Z",
        "digestEndTime": "2026-03-11T01:00:00Z",
        "logFiles": [{"s3Bucket": "trail-bucket", "s3Object": "AWSLogs/x.json.gz"}],
    }

    skipped = parse(digest)

    assert isinstance(skipped, Skipped) and skipped.what == "CloudTrail digest file"
    assert skipped == []


def test_an_insights_event_is_skipped_not_refused() -> None:
    insight = {
        "eventVersion": "1.07",
        "eventTime": "2026-03-11T01:00:00Z",
        "eventType": "AwsCloudTrailInsight",
        "eventCategory": "Insight",
        "eventID": "c4d8f5b2-0000-4000-8000-000000000001",
        "insightDetails": {
            "state": "Start",
            "eventSource": "s3.amazonaws.com",
            "eventName": "ListObjects",
            "insightType": "ApiCallRateInsight",
        },
    }

    alone, delivered = parse(insight), parse({"Records": [insight]})

    assert alone == delivered == []
    assert alone.what == delivered.what == "CloudTrail Insights event"


def test_a_forwarder_s_timestamp_stands_in_for_event_time() -> None:
    record = {k: v for k, v in GET_OBJECT.items() if k != "eventTime"}
    event = one(record | {"@timestamp": "2020-09-14T01:02:34.000Z"})

    assert event["@timestamp"] == datetime(2020, 9, 14, 1, 2, 34, tzinfo=UTC)


def test_issued_credentials_are_not_kept() -> None:
    record = GET_OBJECT | {
        "eventName": "AssumeRole",
        "responseElements": {"credentials": {"sessionToken": "IQoJsecret", "accessKeyId": "ASIA"}},
    }

    assert "IQoJsecret" not in orjson.dumps(one(record), default=str).decode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a CloudTrail record"),
        ('{"eventTime": "2026-03-11T01:02:34Z"}', "no eventName"),
        ('{"eventName": "GetObject"}', "no eventTime"),
        ('{"eventName": "GetObject", "eventTime": "yesterday"}', "not ISO 8601"),
        ('{"Records": [5]}', "Records\\[0\\] is not a JSON object"),
    ],
)
def test_what_is_not_cloudtrail_is_refused_with_the_reason(data: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(data)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda kids: (
            st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=12), kids, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_any_json_gives_events_or_a_parse_error(value) -> None:
    record = {
        "eventName": "X",
        "eventTime": "2026-03-11T01:02:34Z",
        "userIdentity": value,
        "requestParameters": value,
        "sourceIPAddress": value,
        "additionalEventData": value,
    }
    with contextlib.suppress(ParseError):
        for event in parse(record):
            assert event["@timestamp"].tzinfo is UTC


@pytest.mark.realdata
def test_the_public_exfiltration_capture(real_logs: Path) -> None:
    path = (
        real_logs
        / "otrf-aws-cloudtrail-s3-exfil"
        / "ec2_proxy_s3_exfiltration_2020-09-14011940.json"
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    parser = CloudTrailParser()

    events = [e for n, line in enumerate(lines) for e in parser.parse(make_record(line, offset=n))]

    assert len(events) == len(lines) == 103
    stolen = [e for e in events if e.get("sentinel.cloud.instance_credentials")]
    assert Counter(e["event.action"] for e in stolen) == {
        "ListObjects": 7,
        "GetObject": 2,
        "ListBuckets": 2,
    }
    assert {e["source.ip"] for e in stolen} == {"1.2.3.4"}
    assert all("Darwin" in e["user_agent.original"] for e in stolen)
