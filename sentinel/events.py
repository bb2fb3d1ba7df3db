"""The event: a flat dict of ECS field names, its UTC timestamp and a deterministic id.

Events are flat (``{"user.name": "jdoe"}``), not nested: rules, stores and the CLI
all address fields by their dotted ECS name, and Elasticsearch maps dotted keys
to the same objects as nested ones. See docs/events.md for the field list and the
``sentinel.*`` namespace.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

TIMESTAMP = "@timestamp"

# Fields Sentinel itself sets; a source that sends them is overruled.
MEMBER_ID = "sentinel.member.id"
MEMBER_PARTNER = "sentinel.member.partner_id"
RECORDS = "sentinel.records"
CATEGORIES = "sentinel.data_categories"
LOCAL_HOUR = "sentinel.local.hour"
LOCAL_WEEKDAY = "sentinel.local.weekday"
LOCAL_DATE = "sentinel.local.date"
BUSINESS_HOURS = "sentinel.local.business_hours"
ACCOUNT_KIND = "sentinel.account.kind"
ACCOUNT_STATUS = "sentinel.account.status"
ACCOUNT_INACTIVE = "sentinel.account.inactive"
CROSS_PARTNER = "sentinel.cross_partner"
SOURCE_NAME = "event.dataset"
EVENT_ID = "event.id"


@dataclass(slots=True)
class Event:
    """One normalised access-log event.

    ``position`` says where in the source it came from (for dead letters and
    support questions); ``id`` is derived from the source and that stable
    position so a re-read stores nothing twice.
    """

    id: str
    timestamp: datetime
    source: str
    fields: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        if name == TIMESTAMP:
            return self.timestamp
        return self.fields.get(name, default)

    def document(self) -> dict[str, Any]:
        """The stored form: flat ECS fields with ``@timestamp`` as ISO-8601 UTC."""
        doc = dict(self.fields)
        doc[TIMESTAMP] = format_timestamp(self.timestamp)
        doc[SOURCE_NAME] = self.source
        doc[EVENT_ID] = self.id
        return doc

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Event:
        fields = dict(doc)
        ts = parse_timestamp(fields.pop(TIMESTAMP))
        source = fields.pop(SOURCE_NAME)
        event_id = fields.pop(EVENT_ID)
        return cls(id=event_id, timestamp=ts, source=source, fields=fields)


def event_id(source: str, position: str) -> str:
    """A short, stable id: the same source position always yields the same id."""
    digest = hashlib.blake2b(f"{source}\x1f{position}".encode(), digest_size=12).digest()
    return base64.urlsafe_b64encode(digest).decode()


def format_timestamp(ts: datetime) -> str:
    """ISO-8601 in UTC with millisecond precision and a ``Z``."""
    utc = ts if ts.tzinfo is UTC else ts.astimezone(UTC)
    return utc.isoformat(timespec="milliseconds")[:-6] + "Z"


_EPOCH_TEXT = re.compile(r"\d{9,13}\.\d+")
_CLF_TIME = "%d/%b/%Y:%H:%M:%S %z"
"""Apache's and nginx's access-log time (``$time_local``), as JSON access logs carry it."""


def parse_timestamp(value: Any, default_zone: Any = UTC) -> datetime:
    """ISO-8601 text, epoch seconds/milliseconds (also as text, with a fraction), the web
    servers' ``11/Mar/2026:02:00:01 +0100`` or a datetime, to an aware UTC datetime.

    A naive value is read in ``default_zone`` (the source's configured zone).
    """
    if isinstance(value, datetime):
        ts = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 1e11 else value
        return datetime.fromtimestamp(seconds, UTC)
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_timestamp(int(text))
        if _EPOCH_TEXT.fullmatch(text):
            return parse_timestamp(float(text))
        try:
            ts = datetime.fromisoformat(text)
        except ValueError:
            ts = datetime.strptime(text, _CLF_TIME)
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=default_zone)
    return ts.astimezone(UTC)


def epoch_ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def flatten(doc: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested ECS objects to dotted keys; lists are kept as values."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


# The fields events can carry: what the parsers and enrichment set (docs/events.md).
# Rules are checked against this list so a misspelt field is refused at load
# instead of silently never matching. ``labels.*`` holds source-specific extras.
FIELDS = frozenset(
    {
        TIMESTAMP,
        EVENT_ID,
        SOURCE_NAME,
        "event.action",
        "event.category",
        "event.type",
        "event.outcome",
        "event.original",
        "event.provider",
        "error.code",
        "error.message",
        "cloud.provider",
        "cloud.region",
        "cloud.account.id",
        "cloud.service.name",
        "aws.cloudtrail.event_type",
        "aws.cloudtrail.event_category",
        "aws.cloudtrail.read_only",
        "aws.cloudtrail.console_login.additional_eventdata.mfa_used",
        "aws.cloudtrail.request_parameters",
        "aws.cloudtrail.user_identity.type",
        "aws.cloudtrail.user_identity.arn",
        "aws.cloudtrail.user_identity.access_key_id",
        "aws.cloudtrail.user_identity.invoked_by",
        "aws.s3.bucket.name",
        "aws.s3.object.key",
        "aws.s3access.operation",
        "sentinel.cloud.instance_credentials",
        "message",
        "log.level",
        "log.logger",
        "user.name",
        "user.id",
        "user.roles",
        "user.effective.name",
        "group.name",
        "organization.id",
        "service.name",
        "host.hostname",
        "process.name",
        "process.pid",
        "process.command_line",
        "source.address",
        "source.ip",
        "source.port",
        "source.domain",
        "source.geo.country_iso_code",
        "destination.domain",
        "destination.port",
        "url.original",
        "url.path",
        "url.query",
        "http.version",
        "http.request.method",
        "http.request.referrer",
        "http.response.status_code",
        "http.response.body.bytes",
        "user_agent.original",
        MEMBER_ID,
        MEMBER_PARTNER,
        RECORDS,
        CATEGORIES,
        LOCAL_HOUR,
        LOCAL_WEEKDAY,
        LOCAL_DATE,
        BUSINESS_HOURS,
        ACCOUNT_KIND,
        ACCOUNT_STATUS,
        ACCOUNT_INACTIVE,
        CROSS_PARTNER,
        "sentinel.target.user",
        "sentinel.target.roles",
        "sentinel.role.granted",
        "sentinel.source_id",
        "sentinel.ssh.method",
        "sentinel.ssh.invalid_user",
    }
)
FIELD_PREFIXES = ("labels.",)

# Actions the parsers themselves set; the data map adds the applications' actions.
PARSER_ACTIONS = frozenset(
    {
        "ssh_login",
        "ssh_invalid_user",
        "ssh_disconnect",
        "ssh_auth_failure",
        "ssh_no_identification",
        "ssh_negotiation_failure",
        "pam_auth_failure",
        "pam_user_unknown",
        "session_opened",
        "session_closed",
        "sudo_command",
        "su",
        "cron_command",
        "ftp_connection",
        "ftp_login",
        "kerberos_auth",
        "kerberos_ticket",
        "user_created",
        "user_deleted",
        "group_created",
        "group_member_added",
        "group_member_removed",
        "web_auth_failure",
        "web_access_denied",
        "vpn_login",
        "vpn_handshake_failure",
        "vpn_disconnect",
    }
)


def is_known_field(name: str) -> bool:
    return name in FIELDS or name.startswith(FIELD_PREFIXES)
