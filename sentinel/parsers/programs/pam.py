"""PAM's messages, whichever program logged them (sshd, su, sudo, login, cron …).

Two tag styles exist: ``sshd[1]: pam_unix(sshd:auth): authentication failure; …``
and the older ``sshd(pam_unix)[1]: authentication failure; …``.

* ``authentication failure; … rhost=R user=U`` (also ``PAM N more authentication
  failures;``) — a failed password: ``ssh_auth_failure`` when sshd asked (as sshd's own
  refusals), ``pam_auth_failure`` for any other service. ``rhost`` is the remote end,
  an address or a host name (``source.address``);
* ``check pass; user unknown`` — ``pam_user_unknown``, failure: a login name that
  does not exist on the host;
* ``session opened for user U[(uid=N)] by [B](uid=M)`` — ``session_opened``;
  ``session closed for user U`` — ``session_closed``. When ``by`` names someone (su,
  sudo), that is ``user.name`` and the session's user is ``user.effective.name``.

``event.provider`` is the PAM module (``pam_unix``, ``pam_sss``).
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.parsers.programs._remote import remote, user

ACTIONS = frozenset(
    {"ssh_auth_failure", "pam_auth_failure", "pam_user_unknown", "session_opened", "session_closed"}
)

_FLAGS = re.ASCII | re.DOTALL
_PREFIX = re.compile(r"(pam_[\w-]+)\(([\w.-]+):(\w+)\): (.*)", _FLAGS)
_MORE = re.compile(r"PAM \d+ more (authentication failures?; .*)", _FLAGS)
_FAILURE = re.compile(r"authentication failures?; (.*)", _FLAGS)
_RHOST = re.compile(r"(?:^|\s)rhost=(\S+)", re.ASCII)
_USER = re.compile(r"(?:^|\s)user=(\S+)", re.ASCII)
_UNKNOWN = re.compile(r"check pass; user unknown", _FLAGS)
_OPENED = re.compile(r"session opened for user (\S+?)(?:\(uid=\d+\))? by (\S*?)\(uid=\d+\)", _FLAGS)
_CLOSED = re.compile(r"session closed for user (\S+?)(?:\(uid=\d+\))?", _FLAGS)


def interpret_prefixed(service: str, message: str) -> dict[str, Any] | None:
    """A message starting ``pam_unix(service:facility): `` or ``PAM N more …``."""
    if m := _PREFIX.fullmatch(message):
        module, named_service, _facility, rest = m.groups()
        return interpret(named_service.lower(), module, rest)
    if m := _MORE.fullmatch(message):
        return interpret(service, None, m.group(1))
    return None


def interpret(service: str, module: str | None, message: str) -> dict[str, Any] | None:
    """A PAM message (without its ``pam_x(service:facility)`` prefix) for ``service``."""
    fields: dict[str, Any] | None = None
    if m := _FAILURE.fullmatch(message):
        details = m.group(1)
        action = "ssh_auth_failure" if service.startswith("sshd") else "pam_auth_failure"
        fields = _auth(action, "failure")
        rhost, name = _RHOST.search(details), _USER.search(details)
        remote(fields, rhost.group(1) if rhost else None)
        user(fields, name.group(1) if name else None)
    elif _UNKNOWN.fullmatch(message):
        fields = _auth("pam_user_unknown", "failure")
    elif m := _OPENED.fullmatch(message):
        fields = _session("session_opened", "start")
        target, by = m.groups()
        if by:
            user(fields, by)
            user(fields, target, "user.effective.name")
        else:
            user(fields, target)
    elif m := _CLOSED.fullmatch(message):
        fields = _session("session_closed", "end")
        user(fields, m.group(1))
    if fields is not None and module:
        fields["event.provider"] = module
    return fields


def _auth(action: str, outcome: str) -> dict[str, Any]:
    return {
        "event.action": action,
        "event.outcome": outcome,
        "event.category": ["authentication"],
        "event.type": ["info"],
    }


def _session(action: str, kind: str) -> dict[str, Any]:
    return {
        "event.action": action,
        "event.outcome": "success",
        "event.category": ["session"],
        "event.type": [kind],
    }
