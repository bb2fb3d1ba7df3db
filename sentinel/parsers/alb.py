"""AWS Application Load Balancer access logs to ECS web events, as the web rules read them.

``type time elb client:port target:port request_processing_time
target_processing_time response_processing_time elb_status_code target_status_code
received_bytes sent_bytes "request" "user_agent" ssl_cipher ssl_protocol
target_group_arn "trace_id" "domain_name" …`` — fields after the domain name
(certificate, rule priority, actions, error reason, classification …) vary between
versions and are not needed here.

A portal behind a load balancer sees only the balancer's address; this log has the
client's, so the same rules as for ``combined`` (login guessing, scanning, 4xx bursts)
run on it. The request line is read as in the access log (``sentinel.parsers.
web_request``); the status is the balancer's (``-`` when the client left first), with
the target's in ``labels.target_status_code`` when it differs; ``destination.domain``
is the host the client asked for (SNI, else the Host header).
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.events import TIMESTAMP, parse_timestamp
from sentinel.parsers.base import ParseError
from sentinel.parsers.fields import address_field
from sentinel.parsers.web_request import request_fields
from sentinel.sources.base import RawRecord

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)', re.ASCII)
_TYPES = frozenset({"http", "https", "h2", "grpcs", "ws", "wss"})
_MIN_FIELDS = 12


class AlbParser:
    """Parses ALB access-log lines; one event per line."""

    __slots__ = ()

    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        line = record.data
        if not isinstance(line, str):
            raise ParseError("an ALB access-log record must be a line of text")
        tokens = [
            m.group(2) if m.group(1) is None else m.group(1)
            for m in _TOKEN.finditer(line.rstrip("\r\n"))
        ]
        if len(tokens) < _MIN_FIELDS or tokens[0] not in _TYPES:
            raise ParseError(
                "not an ALB access-log line: expected 'type time elb client:port target:port "
                '… status … "request" …\' with type http, https, h2, grpcs, ws or wss'
            )
        try:
            when = parse_timestamp(tokens[1])
        except ValueError:
            raise ParseError(f"time {tokens[1][:40]!r} is not ISO 8601") from None
        fields: dict[str, Any] = {
            TIMESTAMP: when,
            "event.category": ["web"],
            "event.type": ["access"],
            "labels.elb": tokens[2],
        }
        _client(tokens[3], fields)
        _status(tokens[8], tokens[9], fields)
        _bytes(tokens[11], fields)
        request_fields(tokens[12], fields)
        if len(tokens) > 13 and tokens[13] not in ("-", ""):
            fields["user_agent.original"] = tokens[13]
        if len(tokens) > 18 and tokens[18] not in ("-", ""):
            fields["destination.domain"] = tokens[18]
        return [fields]


def _client(text: str, fields: dict[str, Any]) -> None:
    address, _, port = text.rpartition(":")
    address = address.removeprefix("[").removesuffix("]")
    if not address or not port.isdigit():
        raise ParseError(f"client {text[:60]!r} is not address:port")
    fields["source.address"] = address
    fields[address_field(address)] = address
    fields["source.port"] = int(port)


def _status(balancer: str, target: str, fields: dict[str, Any]) -> None:
    if balancer.isdigit():
        code = int(balancer)
        fields["http.response.status_code"] = code
        fields["event.outcome"] = "success" if code < 400 else "failure"
    if target.isdigit() and target != balancer:
        fields["labels.target_status_code"] = target


def _bytes(sent: str, fields: dict[str, Any]) -> None:
    if sent.isdigit() and len(sent) <= 18:
        fields["http.response.body.bytes"] = int(sent)
