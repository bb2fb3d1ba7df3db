"""OpenVPN server messages: which client connected, and which were turned away.

A server line starts with the client's ``address:port`` (once it is known, its
common name too: ``garage-042/203.0.113.5:51234``):

* ``[CN] Peer Connection Initiated with [AF_INET]IP:PORT`` — ``vpn_login``, success,
  ``user.name`` the certificate's common name (or the user name, with
  ``username-as-common-name``);
* ``VERIFY ERROR: depth=N, error=…`` (a certificate expired, revoked or not ours;
  ``user.name`` is the common name it claims), ``TLS Auth Error: …`` (user name or
  password refused) — ``vpn_login``, failure, the reason in ``error.message``;
* ``TLS Error: TLS handshake failed`` — ``vpn_handshake_failure``: something reached
  the port and never completed TLS (a scanner, a client with the wrong settings);
* ``SIGTERM[soft,remote-exit] received, client-instance exiting``, ``Connection reset,
  restarting`` — ``vpn_disconnect``.

The client's address is ``source.address`` (and ``source.ip``, ``source.port``). OpenVPN
writes it itself, before anything the client sent, so a client cannot choose it.
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.parsers.programs._remote import remote, user

ACTIONS = frozenset({"vpn_login", "vpn_handshake_failure", "vpn_disconnect"})

_FLAGS = re.ASCII | re.DOTALL
_CLIENT = re.compile(r"(?:([^/\s]+)/)?(\[?[0-9A-Fa-f.:]+\]?):(\d{1,5}) (.*)", _FLAGS)
_INITIATED = re.compile(r"\[(.*)\] Peer Connection Initiated with .*", _FLAGS)
_VERIFY_ERROR = re.compile(
    r"VERIFY ERROR: depth=\d+, error=(.*?)(?:: (?:.*?)CN=([^,]*).*)?", _FLAGS
)
_REFUSED = re.compile(r"(TLS Auth Error: .*)", _FLAGS)
_HANDSHAKE = re.compile(r"TLS Error: TLS handshake failed.*", _FLAGS)
_GONE = re.compile(
    r"(?:SIG\w+\[soft,[\w-]+\] received, client-instance exiting|Connection reset, restarting.*)",
    _FLAGS,
)


def interpret(message: str) -> dict[str, Any] | None:
    m = _CLIENT.fullmatch(message)
    if m is None:
        return None
    name, address, port, rest = m.groups()
    if m := _INITIATED.fullmatch(rest):
        return _event("vpn_login", "success", ["start"], address, port, m.group(1) or name)
    if m := _VERIFY_ERROR.fullmatch(rest):
        reason, common_name = m.groups()
        fields = _event("vpn_login", "failure", ["start"], address, port, common_name or name)
        fields["error.message"] = reason
        return fields
    if m := _REFUSED.fullmatch(rest):
        fields = _event("vpn_login", "failure", ["start"], address, port, name)
        fields["error.message"] = m.group(1)
        return fields
    if _HANDSHAKE.fullmatch(rest):
        fields = _event("vpn_handshake_failure", "failure", ["start"], address, port, name)
        fields["event.category"] = ["network"]
        return fields
    if _GONE.fullmatch(rest):
        return _event("vpn_disconnect", "unknown", ["end"], address, port, name)
    return None


def _event(
    action: str, outcome: str, kind: list[str], address: str, port: str, name: str | None
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event.action": action,
        "event.outcome": outcome,
        "event.category": ["authentication", "network"],
        "event.type": kind,
    }
    remote(fields, address.strip("[]"), port)
    user(fields, name)
    return fields
