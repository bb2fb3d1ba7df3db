"""AWS CloudTrail records to ECS events, as Elastic's CloudTrail integration names them.

A line is one record (``{"eventName": …}``, as a trail forwarded by Logstash or a
Lambda writes it) or a CloudTrail log file's ``{"Records": [ … ]}``, which gives
one event per record. A digest file (``CloudTrail-Digest/``, the trail's hashes of its
log files) and an Insights event (``CloudTrail-Insight/``, AWS's own note of an unusual
call rate, with no ``eventName``) are skipped, not refused, so a glob over a whole
trail bucket reads cleanly.
The time is ``eventTime`` (``@timestamp`` when a forwarder
renamed it); ``eventID`` is the event's own id, so a record read twice is stored once.

=================================  ==============================================
``eventName``                      ``event.action`` (``GetObject``, ``ConsoleLogin``)
``eventSource``                    ``event.provider``; ``cloud.service.name`` without
                                   ``.amazonaws.com``
``errorCode``, ``errorMessage``    ``error.code``, ``error.message``;
                                   ``event.outcome`` failure (also for a
                                   ``ConsoleLogin`` or ``CheckMfa`` answered
                                   ``Failure``, which has no error code), else success
``awsRegion``                      ``cloud.region``; ``cloud.provider`` is ``aws``
``recipientAccountId``             ``cloud.account.id``
``sourceIPAddress``                ``source.address``; ``source.ip`` only when it is an
                                   address (AWS services log their own name there)
``userAgent``                      ``user_agent.original``
``userIdentity``                   ``user.id`` (principal), ``user.name`` (below),
                                   ``aws.cloudtrail.user_identity.type|arn|
                                   access_key_id|invoked_by``
``requestParameters``              ``aws.s3.bucket.name``, ``aws.s3.object.key``, and the
                                   whole object as JSON text in
                                   ``aws.cloudtrail.request_parameters``
``additionalEventData``            ``http.response.body.bytes`` (S3's bytes transferred
                                   out); ``MFAUsed`` of a console sign-in as
                                   ``aws.cloudtrail.console_login.additional_eventdata.
                                   mfa_used`` (true/false)
=================================  ==============================================

``user.name`` is what a person reads as the identity: an IAM user's name, ``root``,
an assumed role's ``role/session`` (``WebRole/i-0317f6c6b66ae9c40``), the AWS
service that acted, or ``anonymous`` for unsigned requests (whose ``user.id`` is
``ANONYMOUS_PRINCIPAL``). ``sentinel.cloud.instance_credentials`` is true when the
credentials are an EC2 instance profile's (the session is named after the instance,
or CloudTrail marks ``ec2RoleDelivery``): such keys belong on that instance.
Response elements are not kept (they hold the temporary credentials STS hands out),
except a sign-in's own answer, read for its outcome.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, tzinfo
from typing import Any

import orjson

from sentinel.events import EVENT_ID, TIMESTAMP, parse_timestamp
from sentinel.parsers.base import ParseError, Skipped
from sentinel.sources.base import RawRecord

ANONYMOUS = "ANONYMOUS_PRINCIPAL"
MFA_USED = "aws.cloudtrail.console_login.additional_eventdata.mfa_used"
_INSTANCE_SESSION = re.compile(r".*:i-[0-9a-f]{8,17}", re.ASCII)
_MAX_PARAMETERS = 4096
"""Request parameters longer than this are cut; policies can be tens of kilobytes."""


class CloudTrailParser:
    """Parses CloudTrail records (one per line, or a log file's Records array)."""

    __slots__ = ("_zone",)

    def __init__(self, zone: tzinfo = UTC) -> None:
        self._zone = zone

    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        data = record.data
        if isinstance(data, str):
            try:
                doc = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                raise ParseError(f"not JSON: {exc}") from None
        else:
            doc = data
        if not isinstance(doc, dict):
            raise ParseError(f"not a CloudTrail record but a JSON {type(doc).__name__}")
        records = doc.get("Records")
        if isinstance(records, list):
            events = [
                self._event(r, f"Records[{i}]") for i, r in enumerate(records) if not _insight(r)
            ]
            return events if events or not records else Skipped("CloudTrail Insights event")
        if "digestStartTime" in doc and "logFiles" in doc:
            return Skipped("CloudTrail digest file")
        if _insight(doc):
            return Skipped("CloudTrail Insights event")
        return [self._event(doc, "record")]

    def _event(self, rec: Any, where: str) -> dict[str, Any]:
        if not isinstance(rec, dict):
            raise ParseError(f"{where} is not a JSON object")
        action = rec.get("eventName")
        if not isinstance(action, str) or not action:
            raise ParseError(f"{where} has no eventName: not a CloudTrail record")
        stamp = rec.get("eventTime", rec.get(TIMESTAMP))
        if stamp is None:
            raise ParseError(f"{where} has no eventTime")
        try:
            when = parse_timestamp(stamp, self._zone)
        except (ValueError, TypeError, OverflowError, OSError):
            raise ParseError(f"{where}: eventTime {str(stamp)[:40]!r} is not ISO 8601") from None
        fields: dict[str, Any] = {
            TIMESTAMP: when,
            "event.action": action,
            "cloud.provider": "aws",
        }
        error = rec.get("errorCode")
        answer = rec.get("responseElements")
        refused = isinstance(answer, dict) and "Failure" in (
            answer.get("ConsoleLogin"),
            answer.get("CheckMfa"),
        )
        fields["event.outcome"] = "failure" if error or refused else "success"
        _text(fields, "error.code", error)
        _text(fields, "error.message", rec.get("errorMessage"))
        _text(fields, EVENT_ID, rec.get("eventID"))
        provider = rec.get("eventSource")
        if isinstance(provider, str) and provider:
            fields["event.provider"] = provider
            fields["cloud.service.name"] = provider.removesuffix(".amazonaws.com")
        _text(fields, "cloud.region", rec.get("awsRegion"))
        _text(fields, "cloud.account.id", rec.get("recipientAccountId"))
        _text(fields, "user_agent.original", rec.get("userAgent"))
        _text(fields, "aws.cloudtrail.event_type", rec.get("eventType"))
        _text(fields, "aws.cloudtrail.event_category", rec.get("eventCategory"))
        read_only = rec.get("readOnly")
        if isinstance(read_only, bool) or read_only in ("true", "false"):
            fields["aws.cloudtrail.read_only"] = read_only in (True, "true")
        _source(fields, rec.get("sourceIPAddress"))
        _identity(fields, rec.get("userIdentity"))
        _request(fields, rec.get("requestParameters"))
        extra = rec.get("additionalEventData")
        if isinstance(extra, dict):
            sent = extra.get("bytesTransferredOut")
            if isinstance(sent, int | float) and not isinstance(sent, bool) and sent >= 0:
                fields["http.response.body.bytes"] = int(sent)
            mfa = extra.get("MFAUsed")
            if mfa in ("Yes", "No"):
                fields[MFA_USED] = mfa == "Yes"
        return fields


def _insight(rec: Any) -> bool:
    """An Insights event: AWS's own note of an unusual call rate, not a call anyone made."""
    return (
        isinstance(rec, dict) and rec.get("eventCategory") == "Insight" and "eventName" not in rec
    )


def _text(fields: dict[str, Any], name: str, value: Any) -> None:
    if isinstance(value, str) and value:
        fields[name] = value


def _source(fields: dict[str, Any], value: Any) -> None:
    if not isinstance(value, str) or not value:
        return
    fields["source.address"] = value
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return
    fields["source.ip"] = value


def _identity(fields: dict[str, Any], ident: Any) -> None:
    if not isinstance(ident, dict):
        return
    kind = ident.get("type")
    arn = ident.get("arn")
    principal = ident.get("principalId")
    account = ident.get("accountId")
    _text(fields, "aws.cloudtrail.user_identity.type", kind)
    _text(fields, "aws.cloudtrail.user_identity.arn", arn)
    _text(fields, "aws.cloudtrail.user_identity.access_key_id", ident.get("accessKeyId"))
    _text(fields, "aws.cloudtrail.user_identity.invoked_by", ident.get("invokedBy"))
    if account == ANONYMOUS or principal == ANONYMOUS:
        fields["user.id"] = ANONYMOUS
        fields["user.name"] = "anonymous"
        return
    _text(fields, "user.id", principal)
    name = ident.get("userName")
    if kind == "Root":
        name = "root"
    elif kind == "AWSService":
        name = ident.get("invokedBy")
    elif not name and isinstance(arn, str) and "/" in arn:
        # arn:aws:sts::123:assumed-role/Role/session -> Role/session
        name = arn.split(":", 5)[-1].split("/", 1)[-1]
    _text(fields, "user.name", name)
    context = ident.get("sessionContext")
    delivered = isinstance(context, dict) and "ec2RoleDelivery" in context
    if kind == "AssumedRole":
        fields["sentinel.cloud.instance_credentials"] = delivered or bool(
            isinstance(principal, str) and _INSTANCE_SESSION.fullmatch(principal)
        )


def _request(fields: dict[str, Any], params: Any) -> None:
    if not isinstance(params, dict):
        return
    _text(fields, "aws.s3.bucket.name", params.get("bucketName"))
    _text(fields, "aws.s3.object.key", params.get("key"))
    try:
        text = orjson.dumps(params, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # a number beyond 64 bits: keep what can be read
        return
    fields["aws.cloudtrail.request_parameters"] = text[:_MAX_PARAMETERS]
