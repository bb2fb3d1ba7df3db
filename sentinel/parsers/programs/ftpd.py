"""FTP servers' messages: connections and logins (BSD/wu-ftpd, ProFTPD, vsftpd, Pure-FTPd).

* ``connection from IP (host) at …`` — ``ftp_connection`` (the host name, when the
  server resolved one, goes to ``source.domain``);
* ``FTP LOGIN FROM host [IP], user`` / ``ANONYMOUS FTP LOGIN FROM …`` / ``FTP LOGIN
  FAILED FROM host [IP], user``, ProFTPD's ``host (name[IP]) - USER u: Login
  successful.`` / ``… USER u (Login failed): …`` / ``… USER u: no such user found …``,
  vsftpd's ``[u] OK LOGIN: Client "IP"`` / ``[u] FAIL LOGIN: Client "IP"`` and
  Pure-FTPd's ``(?@IP) [INFO] u is now logged in`` / ``(?@IP) [WARNING] Authentication
  failed for user [u]`` — ``ftp_login``, success or failure.
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.parsers.programs._remote import remote, user

ACTIONS = frozenset({"ftp_connection", "ftp_login"})

_FLAGS = re.ASCII | re.DOTALL
_CONNECTION = re.compile(r"connection from (\S+) \(([^)]*)\)(?: at .*)?", _FLAGS)
_BSD = re.compile(
    r"(ANONYMOUS )?FTP LOGIN (FAILED )?FROM (\S+?)(?: \[([^\]]+)\])?, *(\S*).*", _FLAGS
)
_PROFTPD = re.compile(
    r"\S+ \((\S*?)\[([^\]]+)\]\) - USER (\S+?)(?:: (Login successful\.|no such user.*)"
    r"| \(Login failed\):.*)",
    _FLAGS,
)
_VSFTPD = re.compile(r'(?:\[pid \d+\] )?\[(\S+)\] (OK|FAIL) LOGIN: Client "([^"]+)".*', _FLAGS)
_PURE = re.compile(
    r"\(\S*@(\S+)\) \[(?:INFO|WARNING|NOTICE)\] (?:(\S+) is now logged in"
    r"|Authentication failed for user \[(.*)\])",
    _FLAGS,
)


def interpret(message: str) -> dict[str, Any] | None:
    if m := _CONNECTION.fullmatch(message):
        address, host = m.groups()
        fields: dict[str, Any] = {
            "event.action": "ftp_connection",
            "event.outcome": "unknown",
            "event.category": ["network"],
            "event.type": ["connection", "start"],
        }
        remote(fields, address)
        if host:
            fields["source.domain"] = host
        return fields
    if m := _BSD.fullmatch(message):
        anonymous, failed, host, address, name = m.groups()
        return _login(not failed, address or host, "anonymous" if anonymous else name)
    if m := _PROFTPD.fullmatch(message):
        _host, address, name, said = m.groups()
        return _login(said == "Login successful.", address, name)
    if m := _VSFTPD.fullmatch(message):
        name, result, address = m.groups()
        return _login(result == "OK", address.removeprefix("::ffff:"), name)
    if m := _PURE.fullmatch(message):
        address, ok_name, failed_name = m.groups()
        return _login(ok_name is not None, address, ok_name or failed_name)
    return None


def _login(ok: bool, address: str | None, name: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event.action": "ftp_login",
        "event.outcome": "success" if ok else "failure",
        "event.category": ["authentication"],
        "event.type": ["start"] if ok else ["info"],
    }
    remote(fields, address)
    user(fields, name)
    return fields
