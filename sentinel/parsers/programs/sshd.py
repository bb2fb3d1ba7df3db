"""OpenSSH's messages (``sshd``, ``sshd-session``): logins, invalid users, disconnects, scans.

* ``Failed <method> for [invalid user] X from IP port N`` — ``ssh_login``, failure;
* ``Accepted <method> for X from IP port N`` — ``ssh_login``, success;
* ``Invalid user X from IP [port N]`` — ``ssh_invalid_user``, failure;
* ``Disconnected from …``, ``Received disconnect from …``, ``Connection closed|reset
  by …`` — ``ssh_disconnect``, outcome unknown;
* ``maximum authentication attempts exceeded``, ``Too many authentication failures``,
  ``User X from IP not allowed because …`` (AllowUsers, DenyUsers, AllowGroups,
  DenyGroups), ``PAM: Authentication failure for X from IP``, ``ROOT LOGIN REFUSED
  FROM IP`` (and PAM's ``authentication failure; … rhost=…``, see ``pam``) —
  ``ssh_auth_failure``;
* ``Did not receive identification string from IP``, ``Bad protocol version
  identification … from IP``, ``banner exchange: Connection from IP port N: invalid
  format`` — ``ssh_no_identification``: something connected and spoke no SSH (a port
  scan or banner grab). OpenSSH 8 and later log such a connection as
  ``Connection closed|reset by IP port N`` with neither a user nor `` [preauth]`` (the
  banner exchange comes before the pre-authentication process), after a line
  ``kex_exchange_identification: …`` that names no address;
* ``Timeout before authentication for IP port N`` — ``ssh_disconnect``: sshd gave up on
  a connection that did not log in within ``LoginGraceTime``;
* ``Unable to negotiate with IP port N: no matching …`` — ``ssh_negotiation_failure``.

User names are stripped of the spaces sshd logs verbatim (``Invalid user admin  from``);
the remote address is taken from the end of the line, so a user name that contains
`` from 1.2.3.4`` cannot pose as the source.
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.parsers.programs import pam
from sentinel.parsers.programs._remote import remote, user

LOGIN_ACTIONS = frozenset({"ssh_login", "ssh_invalid_user", "ssh_disconnect", "ssh_auth_failure"})
"""What the ``sshd`` log format keeps (its events before the syslog format existed)."""
ACTIONS = LOGIN_ACTIONS | {"ssh_no_identification", "ssh_negotiation_failure"}

_FLAGS = re.ASCII | re.DOTALL
_USER = r"(?:(?:invalid|authenticating) )?user (.*) "
_FAILED = re.compile(
    r"Failed (\S+) for (invalid user )?(.*) from (\S+) port (\d{1,5})(?: ssh\d?)?(?:: .*)?", _FLAGS
)
_ACCEPTED = re.compile(
    r"Accepted (\S+) for (.*) from (\S+) port (\d{1,5})(?: ssh\d?)?(?:: .*)?", _FLAGS
)
_INVALID = re.compile(r"[Ii]nvalid user (.*) from (\S+?)(?: port (\d{1,5}))?", _FLAGS)
# With a user the port is always logged; without one, old versions leave it out.
_PEER = rf"(?:{_USER}(\S+) port (\d{{1,5}})|(\S+?)(?: port (\d{{1,5}}))?)"
_DISCONNECTED = re.compile(rf"Disconnected from {_PEER}", _FLAGS)
_CLOSED = re.compile(rf"Connection (?:closed|reset) by {_PEER}", _FLAGS)
_RECEIVED = re.compile(
    r"(?:error: )?Received disconnect from (\S+?)(?: port (\d{1,5}):|: )\d+: ?.*", _FLAGS
)
_MAX_ATTEMPTS = re.compile(
    r"(?:error: )?maximum authentication attempts exceeded for (invalid user )?(.*) "
    r"from (\S+) port (\d{1,5})(?: ssh\d?)?",
    _FLAGS,
)
_TOO_MANY = re.compile(
    rf"Disconnecting(?:: Too many authentication failures for (.*)| (?:{_USER})?(\S+) "
    r"port (\d{1,5}): Too many authentication failures)",
    _FLAGS,
)
_NO_ID = re.compile(
    r"Did not receive identification string from (\S+?)(?: port (\d{1,5}))?", _FLAGS
)
_BAD_BANNER = re.compile(
    r"(?:Bad protocol version identification .* from (\S+?)(?: port (\d{1,5}))?"
    r"|(?:error: )?banner exchange: Connection from (\S+) port (\d{1,5}): .*)",
    _FLAGS,
)
_NEGOTIATE = re.compile(r"Unable to negotiate with (\S+) port (\d{1,5}): .*", _FLAGS)
_BANNER_END = re.compile(r"Connection (?:closed|reset) by (\S+) port (\d{1,5})", _FLAGS)
_GRACE = re.compile(
    r"(?:fatal: )?Timeout before authentication for (\S+?)(?: port (\d{1,5}))?", _FLAGS
)
# Refusals by sshd's own configuration; the user name comes first and may hold " from ",
# so the address is the last one before the fixed ending.
_NOT_ALLOWED = re.compile(
    r"User (.+) from (\S+) not allowed because (?:not listed in AllowUsers|listed in DenyUsers"
    r"|not in any group|a group is listed in DenyGroups"
    r"|none of user's groups are listed in AllowGroups)",
    _FLAGS,
)
_PAM_ERROR = re.compile(r"(?:error: )?PAM: Authentication failure for (.+) from (\S+)", _FLAGS)
_ROOT_REFUSED = re.compile(r"ROOT LOGIN REFUSED FROM (\S+?)(?: port (\d{1,5}))?", _FLAGS)


def interpret(message: str) -> dict[str, Any] | None:
    """The fields of an sshd message; None for a message that means nothing more."""
    preauth = message.endswith(" [preauth]")
    message = message.removesuffix(" [preauth]")
    first = message[:1]
    if first == "F" and (m := _FAILED.fullmatch(message)):
        method, invalid, name, address, port = m.groups()
        fields = _base("ssh_login", "failure", ["info"], address, port, name)
        fields["sentinel.ssh.method"] = method
        fields["sentinel.ssh.invalid_user"] = invalid is not None
        return fields
    if first == "A" and (m := _ACCEPTED.fullmatch(message)):
        method, name, address, port = m.groups()
        fields = _base("ssh_login", "success", ["start"], address, port, name)
        fields["sentinel.ssh.method"] = method
        fields["sentinel.ssh.invalid_user"] = False
        return fields
    if first in ("I", "i") and (m := _INVALID.fullmatch(message)):
        name, address, port = m.groups()
        fields = _base("ssh_invalid_user", "failure", ["info"], address, port, name)
        fields["sentinel.ssh.invalid_user"] = True
        return fields
    if m := _RECEIVED.fullmatch(message):
        address, port = m.groups()
        return _base("ssh_disconnect", "unknown", ["end"], address, port, None)
    if not preauth and (m := _BANNER_END.fullmatch(message)):
        return _scan("ssh_no_identification", *m.groups())
    if m := _DISCONNECTED.fullmatch(message) or _CLOSED.fullmatch(message):
        name, address, port, bare_address, bare_port = m.groups()
        fields = _base(
            "ssh_disconnect", "unknown", ["end"], address or bare_address, port or bare_port, name
        )
        if message.startswith(("Disconnected from invalid", "Connection closed by invalid")):
            fields["sentinel.ssh.invalid_user"] = True
        return fields
    if m := _MAX_ATTEMPTS.fullmatch(message):
        invalid, name, address, port = m.groups()
        fields = _base("ssh_auth_failure", "failure", ["info"], address, port, name)
        fields["sentinel.ssh.invalid_user"] = invalid is not None
        return fields
    if m := _TOO_MANY.fullmatch(message):
        old_name, name, address, port = m.groups()
        return _base("ssh_auth_failure", "failure", ["info"], address, port, old_name or name)
    if message.startswith("authentication failure"):
        return pam.interpret("sshd", None, message)
    if m := _NO_ID.fullmatch(message):
        return _scan("ssh_no_identification", *m.groups())
    if m := _BAD_BANNER.fullmatch(message):
        old_address, old_port, address, port = m.groups()
        return _scan("ssh_no_identification", address or old_address, port or old_port)
    if m := _NEGOTIATE.fullmatch(message):
        return _scan("ssh_negotiation_failure", *m.groups())
    if m := _NOT_ALLOWED.fullmatch(message) or _PAM_ERROR.fullmatch(message):
        name, address = m.groups()
        return _base("ssh_auth_failure", "failure", ["info"], address, None, name)
    if m := _ROOT_REFUSED.fullmatch(message):
        address, port = m.groups()
        return _base("ssh_auth_failure", "failure", ["info"], address, port, "root")
    if m := _GRACE.fullmatch(message):
        return _base("ssh_disconnect", "unknown", ["end"], *m.groups(), None)
    return None


def _scan(action: str, address: str | None, port: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event.action": action,
        "event.outcome": "failure",
        "event.category": ["network"],
        "event.type": ["connection", "denied"],
    }
    remote(fields, address, port)
    return fields


def _base(
    action: str,
    outcome: str,
    kind: list[str],
    address: str | None,
    port: str | None,
    name: str | None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event.action": action,
        "event.outcome": outcome,
        "event.category": ["authentication"],
        "event.type": kind,
    }
    remote(fields, address, port)
    user(fields, name)
    return fields
