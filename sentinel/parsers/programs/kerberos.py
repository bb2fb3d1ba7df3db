"""Kerberos: the r-command daemons (``klogind``, ``kshd``) and the KDC (``krb5kdc``).

* ``Authentication failed from IP (host): reason`` — ``kerberos_auth``, failure (the
  daemon's ``Kerberos authentication failed`` that follows it adds nothing and stays
  a plain event, so one attempt is counted once);
* ``AS_REQ (…) IP: STATUS: client@REALM for service@REALM[, reason]`` —
  ``kerberos_auth``; ``TGS_REQ …`` — ``kerberos_ticket``. ``ISSUE`` is success,
  ``NEEDED_PREAUTH`` (the normal first round) unknown, anything else (``PREAUTH_FAILED``,
  ``CLIENT_NOT_FOUND``, ``LOCKED_OUT`` …) failure, with the status in ``error.code``.
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.parsers.programs._remote import remote, user

ACTIONS = frozenset({"kerberos_auth", "kerberos_ticket"})

_FLAGS = re.ASCII | re.DOTALL
_RCMD = re.compile(r"Authentication failed from (\S+) \(([^)]*)\): ?.*", _FLAGS)
_KDC = re.compile(
    r"(AS_REQ|TGS_REQ) \([^)]*\) (\S+): ([A-Z_]+): (\S+?)(?:@(\S+))? for \S+?(?:, .*)?", _FLAGS
)


def interpret(message: str) -> dict[str, Any] | None:
    if m := _RCMD.fullmatch(message):
        address, _host = m.groups()
        fields = _auth("kerberos_auth", "failure")
        remote(fields, address)
        return fields
    if m := _KDC.fullmatch(message):
        request, address, status, principal, _realm = m.groups()
        outcome = {"ISSUE": "success", "NEEDED_PREAUTH": "unknown"}.get(status, "failure")
        fields = _auth("kerberos_auth" if request == "AS_REQ" else "kerberos_ticket", outcome)
        remote(fields, address)
        user(fields, principal)
        if outcome == "failure":
            fields["error.code"] = status
        return fields
    return None


def _auth(action: str, outcome: str) -> dict[str, Any]:
    return {
        "event.action": action,
        "event.outcome": outcome,
        "event.category": ["authentication"],
        "event.type": ["info"] if outcome != "success" else ["start"],
    }
