"""cron's own message: ``(root) CMD (command)`` is a job run as that user (``cron_command``).

Its PAM session lines are read by ``pam``.
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.parsers.programs._remote import user

ACTIONS = frozenset({"cron_command"})

_CMD = re.compile(r"\((\S+)\) CMD \((.*)\)", re.ASCII | re.DOTALL)


def interpret(message: str) -> dict[str, Any] | None:
    m = _CMD.fullmatch(message)
    if m is None:
        return None
    fields: dict[str, Any] = {
        "event.action": "cron_command",
        "event.outcome": "success",
        "event.category": ["process"],
        "event.type": ["start"],
        "process.command_line": m.group(2),
    }
    user(fields, m.group(1))
    return fields
