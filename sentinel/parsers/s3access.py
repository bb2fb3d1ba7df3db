"""Amazon S3 server access log lines to ECS events, named as CloudTrail names them.

``owner bucket [time] remote-ip requester request-id operation key "request-uri"
status error-code bytes-sent object-size total-time turnaround "referer"
"user-agent" version-id host-id …`` — later fields (signature version, cipher,
authentication type, host header, TLS version …) are optional, as older logs
leave them out.

The operation (``REST.GET.OBJECT``) becomes the API name CloudTrail logs for the
same request (``GetObject``) in ``event.action``, so one rule covers both logs; the
operation as logged stays in ``aws.s3access.operation``. An unsigned request's
requester is ``-``: its ``user.id`` is ``ANONYMOUS_PRINCIPAL`` and ``user.name``
``anonymous``, as the CloudTrail parser has it. ``event.outcome`` is failure for a
status of 400 or more, with S3's reason (``AccessDenied``, ``NoSuchBucket``) in
``error.code``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel.events import TIMESTAMP
from sentinel.parsers.base import ParseError
from sentinel.parsers.cloudtrail import ANONYMOUS
from sentinel.parsers.fields import address_field
from sentinel.sources.base import RawRecord

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\[([^\]]*)\]|(\S+)', re.ASCII)
_TIME = re.compile(r"(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_MIN_FIELDS = 18
_SIMPLE = {
    "REST.GET.OBJECT": "GetObject",
    "REST.HEAD.OBJECT": "HeadObject",
    "REST.PUT.OBJECT": "PutObject",
    "REST.POST.OBJECT": "PostObject",
    "REST.COPY.OBJECT": "CopyObject",
    "REST.COPY.OBJECT_GET": "CopyObject",
    "REST.COPY.PART": "UploadPartCopy",
    "REST.DELETE.OBJECT": "DeleteObject",
    "REST.POST.MULTI_OBJECT_DELETE": "DeleteObjects",
    "REST.POST.UPLOADS": "CreateMultipartUpload",
    "REST.PUT.PART": "UploadPart",
    "REST.POST.UPLOAD": "CompleteMultipartUpload",
    "REST.DELETE.UPLOAD": "AbortMultipartUpload",
    "REST.HEAD.BUCKET": "HeadBucket",
    "REST.GET.BUCKET": "ListObjects",
    "REST.GET.BUCKETVERSIONS": "ListObjectVersions",
    "REST.GET.UPLOADS": "ListMultipartUploads",
    "REST.GET.SERVICE": "ListBuckets",
    "REST.PUT.BUCKET": "CreateBucket",
    "REST.DELETE.BUCKET": "DeleteBucket",
    "REST.GET.LOCATION": "GetBucketLocation",
    "REST.GET.BUCKETPOLICY": "GetBucketPolicy",
    "REST.PUT.BUCKETPOLICY": "PutBucketPolicy",
    "REST.DELETE.BUCKETPOLICY": "DeleteBucketPolicy",
    "REST.GET.POLICY_STATUS": "GetBucketPolicyStatus",
    "REST.GET.PUBLIC_ACCESS_BLOCK": "GetPublicAccessBlock",
    "REST.PUT.PUBLIC_ACCESS_BLOCK": "PutPublicAccessBlock",
    "REST.DELETE.PUBLIC_ACCESS_BLOCK": "DeletePublicAccessBlock",
    "REST.GET.VERSIONING": "GetBucketVersioning",
    "REST.PUT.VERSIONING": "PutBucketVersioning",
    "REST.GET.LOGGING_STATUS": "GetBucketLogging",
    "REST.PUT.LOGGING_STATUS": "PutBucketLogging",
    "REST.GET.ENCRYPTION": "GetBucketEncryption",
    "REST.PUT.ENCRYPTION": "PutBucketEncryption",
    "REST.DELETE.ENCRYPTION": "DeleteBucketEncryption",
    "REST.GET.LIFECYCLE": "GetBucketLifecycle",
    "REST.PUT.LIFECYCLE": "PutBucketLifecycle",
    "REST.DELETE.LIFECYCLE": "DeleteBucketLifecycle",
    "REST.GET.CORS": "GetBucketCors",
    "REST.PUT.CORS": "PutBucketCors",
    "REST.GET.WEBSITE": "GetBucketWebsite",
    "REST.PUT.WEBSITE": "PutBucketWebsite",
    "REST.GET.REPLICATION": "GetBucketReplication",
    "REST.PUT.REPLICATION": "PutBucketReplication",
    "REST.GET.OWNERSHIP_CONTROLS": "GetBucketOwnershipControls",
}
_ON_OBJECT_OR_BUCKET = {
    "REST.GET.ACL": ("GetObjectAcl", "GetBucketAcl"),
    "REST.PUT.ACL": ("PutObjectAcl", "PutBucketAcl"),
    "REST.GET.TAGGING": ("GetObjectTagging", "GetBucketTagging"),
    "REST.PUT.TAGGING": ("PutObjectTagging", "PutBucketTagging"),
    "REST.DELETE.TAGGING": ("DeleteObjectTagging", "DeleteBucketTagging"),
    "REST.GET.OBJECT_TAGGING": ("GetObjectTagging", "GetObjectTagging"),
    "REST.PUT.OBJECT_TAGGING": ("PutObjectTagging", "PutObjectTagging"),
}


def api_name(operation: str, key: str | None) -> str:
    """CloudTrail's name for an S3 access-log operation; unknown ones stay as logged."""
    name = _SIMPLE.get(operation)
    if name is not None:
        return name
    pair = _ON_OBJECT_OR_BUCKET.get(operation)
    if pair is not None:
        return pair[0] if key else pair[1]
    return operation


class S3AccessParser:
    """Parses S3 server access log lines; one event per line."""

    __slots__ = ()

    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        line = record.data
        if not isinstance(line, str):
            raise ParseError("an S3 access-log record must be a line of text")
        tokens = [m.group(m.lastindex or 0) for m in _TOKEN.finditer(line)]
        if len(tokens) < _MIN_FIELDS:
            raise ParseError(
                f"not an S3 server access log line: {len(tokens)} fields, at least "
                f"{_MIN_FIELDS} expected (owner bucket [time] ip requester id operation key …)"
            )
        (_owner, bucket, time, remote, requester, _request_id, operation, key, uri, status,
         error, sent, _size, _total, _turnaround, referrer, agent) = tokens[:17]  # fmt: skip
        key = None if key == "-" else key
        fields: dict[str, Any] = {
            TIMESTAMP: _time(time),
            "event.action": api_name(operation, key),
            "event.provider": "s3.amazonaws.com",
            "cloud.provider": "aws",
            "cloud.service.name": "s3",
            "aws.s3access.operation": operation,
            "aws.s3.bucket.name": bucket,
        }
        if key is not None:
            fields["aws.s3.object.key"] = key
        if remote != "-":
            fields["source.address"] = remote
            fields[address_field(remote)] = remote
        if requester == "-":
            fields["user.id"], fields["user.name"] = ANONYMOUS, "anonymous"
        else:
            fields["user.id"] = requester
            if requester.startswith("arn:"):
                fields["user.name"] = requester.split(":", 5)[-1].split("/", 1)[-1]
        _request(fields, uri)
        if status.isdigit():
            code = int(status)
            fields["http.response.status_code"] = code
            fields["event.outcome"] = "failure" if code >= 400 else "success"
        if error != "-":
            fields["error.code"] = error
        if sent.isdigit() and len(sent) <= 18:
            fields["http.response.body.bytes"] = int(sent)
        if referrer not in ("-", ""):
            fields["http.request.referrer"] = referrer
        if agent not in ("-", ""):
            fields["user_agent.original"] = agent
        return [fields]


def _time(text: str) -> datetime:
    m = _TIME.fullmatch(text)
    month = _MONTHS.get(m.group(2)) if m else None
    if m is None or month is None:
        raise ParseError(f"time [{text[:40]}] is not [dd/Mon/yyyy:HH:MM:SS +hhmm]")
    day, _, year, hh, mm, ss, sign, oh, om = m.groups()
    try:
        local = datetime(int(year), month, int(day), int(hh), int(mm), int(ss), tzinfo=UTC)
    except ValueError:
        raise ParseError(f"no such time: [{text}]") from None
    offset = timedelta(hours=int(oh), minutes=int(om))
    return local - offset if sign == "+" else local + offset


def _request(fields: dict[str, Any], uri: str) -> None:
    method, _, rest = uri.partition(" ")
    if not rest:
        return
    target, _, protocol = rest.rpartition(" ")
    if not protocol.startswith("HTTP/"):
        target = rest
    else:
        fields["http.version"] = protocol[5:]
    fields["http.request.method"] = method
    fields["url.original"] = target
