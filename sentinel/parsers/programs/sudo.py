"""sudo's and su's own messages: who became whom, and whether they were let.

sudo: ``alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls`` is a
command run as another user (``sudo_command``, success); a first part with a reason
(``3 incorrect password attempts``, ``user NOT in sudoers``, ``command not allowed``)
is a refusal (failure), the reason in ``error.message``. ``user.name`` is who asked,
``user.effective.name`` the user the command was to run as, ``process.command_line``
the command.

su: ``(to root) alice on pts/0`` (Debian), ``Successful su for root by alice`` (RHEL),
``+ pts/0 alice:root`` (old) are switches (``su``, success); ``FAILED SU (to root)
alice on pts/0``, ``FAILED su for root by alice``, ``- pts/0 alice:root`` are refused.
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.parsers.programs._remote import user

ACTIONS = frozenset({"sudo_command", "su"})

_FLAGS = re.ASCII | re.DOTALL
_SUDO = re.compile(r"\s*(\S+) : (?:([^=;]+?) ; )?((?:\w+=[^;]*? ; )*)COMMAND=(.*)", _FLAGS)
_KEY = re.compile(r"(\w+)=([^;]*?) ; ", _FLAGS)
_DEBIAN = re.compile(r"(FAILED SU )?\(to (\S+)\) (\S+) on (\S+)", _FLAGS)
_RHEL = re.compile(r"(FAILED|Successful) su for (\S+) by (\S+)", _FLAGS)
_OLD = re.compile(r"([+-]) (\S+) (\S+?):(\S+)", _FLAGS)


def interpret_sudo(message: str) -> dict[str, Any] | None:
    m = _SUDO.fullmatch(message)
    if m is None:
        return None
    who, reason, pairs, command = m.groups()
    keys = dict(_KEY.findall(pairs))
    fields = _switch("sudo_command", "failure" if reason else "success", who, keys.get("USER"))
    fields["process.command_line"] = command
    if reason:
        fields["error.message"] = reason.strip()
    return fields


def interpret_su(message: str) -> dict[str, Any] | None:
    if m := _DEBIAN.fullmatch(message):
        failed, target, who, _tty = m.groups()
        return _switch("su", "failure" if failed else "success", who, target)
    if m := _RHEL.fullmatch(message):
        result, target, who = m.groups()
        return _switch("su", "failure" if result == "FAILED" else "success", who, target)
    if m := _OLD.fullmatch(message):
        sign, _tty, who, target = m.groups()
        return _switch("su", "success" if sign == "+" else "failure", who, target)
    return None


def _switch(action: str, outcome: str, who: str, target: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event.action": action,
        "event.outcome": outcome,
        "event.category": ["process"] if action == "sudo_command" else ["authentication"],
        "event.type": ["start"] if outcome == "success" else ["denied"],
    }
    user(fields, who)
    user(fields, target, "user.effective.name")
    return fields
