"""What syslog messages of security-relevant programs mean, as event fields.

``interpret`` takes a line's program (its syslog tag), the module named in the
tag's parentheses (``sshd(pam_unix)``) and the message; it returns the fields the
message adds (``event.action``, ``event.outcome``, ``user.name``, ``source.*`` …)
or None when the message means nothing more than its text. One module per
program family; PAM's messages are read whichever program logged them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sentinel.parsers.programs import accounts, cron, ftpd, kerberos, openvpn, pam, sshd, sudo

Fields = dict[str, Any]

_PROGRAMS: dict[str, Callable[[str], Fields | None]] = {
    "sshd": sshd.interpret,
    "sshd-session": sshd.interpret,
    "sshd-auth": sshd.interpret,
    "sudo": sudo.interpret_sudo,
    "su": sudo.interpret_su,
    "cron": cron.interpret,
    "crond": cron.interpret,
    "ftpd": ftpd.interpret,
    "in.ftpd": ftpd.interpret,
    "proftpd": ftpd.interpret,
    "vsftpd": ftpd.interpret,
    "pure-ftpd": ftpd.interpret,
    "klogind": kerberos.interpret,
    "kshd": kerberos.interpret,
    "ktelnetd": kerberos.interpret,
    "krb5kdc": kerberos.interpret,
    "useradd": accounts.interpret,
    "usermod": accounts.interpret,
    "userdel": accounts.interpret,
    "groupadd": accounts.interpret,
    "gpasswd": accounts.interpret,
    "openvpn": openvpn.interpret,
    "ovpn-server": openvpn.interpret,
    "openvpn-server": openvpn.interpret,
}

ACTIONS = frozenset(
    sshd.ACTIONS
    | pam.ACTIONS
    | sudo.ACTIONS
    | cron.ACTIONS
    | ftpd.ACTIONS
    | kerberos.ACTIONS
    | accounts.ACTIONS
    | openvpn.ACTIONS
)
"""Every ``event.action`` these programs' messages give."""


def program_key(program: str) -> str:
    """``/usr/sbin/CRON`` and ``CRON`` are the same program: ``cron``."""
    return program.rsplit("/", 1)[-1].lower()


def interpret(program: str, module: str | None, message: str) -> Fields | None:
    key = program_key(program)
    if module is not None and module.startswith("pam"):
        return pam.interpret(key, module, message)
    if message.startswith(("pam_", "PAM ")):
        return pam.interpret_prefixed(key, message)
    read = _PROGRAMS.get(key)
    return read(message) if read is not None else None
