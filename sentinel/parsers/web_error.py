"""Apache and nginx error logs: what the web server refused, and to whom.

Apache 2.4 ``[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 43] [client
72.15.99.187:53264] AH00128: File does not exist: /htdocs/favicon.ico``, Apache 2.2
``[Sun Dec 04 04:51:18 2005] [error] [client 1.2.3.4] Directory index forbidden by rule:
/var/www/html/`` and nginx ``2024/03/02 10:15:01 [error] 1234#1234: *5 access forbidden
by rule, client: 1.2.3.4, server: portal, request: "GET /admin HTTP/1.1", host: "x"``.
Neither carries a time zone: times are read in the source's zone (a time the clocks
passed twice as its first, as the syslog format does).

Every line is an event with ``log.level``, ``message``, ``process.pid`` and, where logged,
the client (``source.*``), Apache's message code (``error.code``, ``AH01617``) and
nginx's request (``http.request.method``, ``url.*``). nginx writes the client after
the message, which may hold a user name or path the client chose: a line naming more
than one client address names none. Two kinds of line also get an action, both
failures:

* ``web_auth_failure`` — HTTP basic authentication refused: Apache's ``user X:
  authentication failure for "/p": Password Mismatch`` and ``user X not found: /p``,
  nginx's ``user "X": password mismatch`` and ``user "X" was not found in "…"``
  (``user.name`` X);
* ``web_access_denied`` — the configuration refused the client: Apache's ``client denied
  by server configuration``, ``Directory index forbidden by rule``, nginx's ``access
  forbidden by rule`` and ``directory index of "…" is forbidden``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import Any

from sentinel.events import TIMESTAMP
from sentinel.parsers.base import ParseError
from sentinel.parsers.fields import address_field
from sentinel.parsers.programs._remote import remote, user
from sentinel.parsers.web_request import request_fields
from sentinel.sources.base import RawRecord

ACTIONS = frozenset({"web_auth_failure", "web_access_denied"})

_FLAGS = re.ASCII | re.DOTALL
_APACHE = re.compile(
    r"\[(?:\w{3} )?(\w{3} \d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?) (\d{4})\] "
    r"\[(?:([\w-]+):)?(\w+)\] (?:\[pid (\d+)(?::tid \d+)?\] )?(.*)",
    _FLAGS,
)
_APACHE_CLIENT = re.compile(r"\[(?:client|remote) ([^\]]+?)\] ", _FLAGS)
_CODE = re.compile(r"(AH\d{5}): ", _FLAGS)
_NGINX = re.compile(
    r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(\w+)\] (\d+)#\d+: (?:\*\d+ )?(.*)", _FLAGS
)
_NGINX_CLIENT = re.compile(r", client: ([^,\s]+)(?=, server: )", _FLAGS)
_NGINX_REQUEST = re.compile(r', request: "(\S+ \S+(?: HTTP/[\d.]+)?)"', _FLAGS)
_NGINX_HOST = re.compile(r', host: "([^"]*)"', _FLAGS)

# Matched at the start of the message: what follows may be the client's own words.
_AUTH = (
    re.compile(r'user (.+?): authentication failure for "', _FLAGS),
    re.compile(r"user (.+?) not found: ", _FLAGS),
    re.compile(r'user "(.*?)": password mismatch', _FLAGS),
    re.compile(r'user "(.*?)" was not found in "', _FLAGS),
)
_DENIED = re.compile(
    r"client denied by server configuration|Directory index forbidden by rule"
    r"|access forbidden by rule|directory index of \"",
    _FLAGS,
)


class WebErrorParser:
    """Parses Apache (2.2, 2.4) and nginx error-log lines; one event per line."""

    __slots__ = ("_zone",)

    def __init__(self, zone: tzinfo) -> None:
        self._zone = zone

    def parse(self, record: RawRecord) -> list[dict[str, Any]]:
        line = record.data
        if not isinstance(line, str):
            raise ParseError("an error-log record must be a line of text")
        line = line.rstrip("\r\n")
        if m := _APACHE.fullmatch(line):
            return [self._apache(*m.groups())]
        if m := _NGINX.fullmatch(line):
            return [self._nginx(*m.groups())]
        raise ParseError(
            "not an Apache ([Www Mmm dd hh:mm:ss yyyy] [level] …) or nginx "
            "(yyyy/mm/dd hh:mm:ss [level] pid#tid: …) error-log line"
        )

    def _apache(
        self, when: str, year: str, module: str | None, level: str, pid: str | None, rest: str
    ) -> dict[str, Any]:
        layout = "%b %d %H:%M:%S.%f %Y" if "." in when else "%b %d %H:%M:%S %Y"
        fields = self._base(f"{when} {year}", layout, level, pid)
        if module is not None:
            fields["log.logger"] = module
        if m := _APACHE_CLIENT.match(rest):
            remote(fields, *_client(m.group(1)))
            rest = rest[m.end() :]
        if m := _CODE.match(rest):
            fields["error.code"] = m.group(1)
            rest = rest[m.end() :]
        fields["message"] = rest
        _meaning(rest, fields)
        return fields

    def _nginx(self, when: str, level: str, pid: str, rest: str) -> dict[str, Any]:
        fields = self._base(when, "%Y/%m/%d %H:%M:%S", level, pid)
        fields["message"] = rest
        clients = {m.group(1) for m in _NGINX_CLIENT.finditer(rest) if _is_ip(m.group(1))}
        if len(clients) == 1:  # more than one: a user name or request wrote one, say none
            remote(fields, clients.pop())
        if m := _NGINX_REQUEST.search(rest):
            request_fields(m.group(1), fields)
        if m := _NGINX_HOST.search(rest):
            fields["destination.domain"] = m.group(1)
        _meaning(rest, fields)
        return fields

    def _base(self, text: str, layout: str, level: str, pid: str | None) -> dict[str, Any]:
        try:
            when = datetime.strptime(text, layout).replace(tzinfo=self._zone).astimezone(UTC)
        except ValueError:
            raise ParseError(f"no such time: {text!r}") from None
        fields: dict[str, Any] = {TIMESTAMP: when, "log.level": level.lower()}
        if pid is not None:
            fields["process.pid"] = int(pid)
        return fields


def _client(text: str) -> tuple[str, str | None]:
    """Address and port of Apache's ``client`` (``1.2.3.4:5678``, ``2001:db8::1:5678``)."""
    if _is_ip(text):
        return text, None
    address, _, port = text.rpartition(":")
    if port.isdigit() and _is_ip(address):
        return address, port
    return text, None


def _is_ip(text: str) -> bool:
    return address_field(text) == "source.ip"


def _meaning(message: str, fields: dict[str, Any]) -> None:
    for pattern in _AUTH:
        if m := pattern.match(message):
            fields["event.action"] = "web_auth_failure"
            fields["event.outcome"] = "failure"
            fields["event.category"] = ["authentication", "web"]
            user(fields, m.group(1))
            return
    if _DENIED.match(message):
        fields["event.action"] = "web_access_denied"
        fields["event.outcome"] = "failure"
        fields["event.category"] = ["web"]
        fields["event.type"] = ["denied"]
