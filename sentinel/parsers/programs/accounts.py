"""Local accounts and groups changed by the shadow tools (useradd, usermod, userdel,
groupadd, gpasswd): who got an account, and who joined which group.

* useradd ``new user: name=X, UID=…`` — ``user_created``;
* userdel ``delete user 'X'`` — ``user_deleted``;
* groupadd/useradd ``new group: name=G, GID=…`` — ``group_created``;
* useradd/usermod ``add 'X' to group 'G'`` (also ``to shadow group``), gpasswd
  ``user X added by A to group G`` — ``group_member_added``;
* usermod/userdel ``delete 'X' from group 'G'``, gpasswd ``user X removed by A from
  group G`` — ``group_member_removed``.

The account changed is ``sentinel.target.user``, the group ``group.name``. The tools
run as root and do not say on whose behalf, except gpasswd's ``by A`` (``user.name``);
the ``sudo_command`` just before names the person. A ``shadow group`` line repeats its
``group`` line for /etc/gshadow and is left as plain text, so a change counts once.
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.parsers.programs._remote import user

ACTIONS = frozenset(
    {"user_created", "user_deleted", "group_created", "group_member_added", "group_member_removed"}
)

_FLAGS = re.ASCII | re.DOTALL
_NEW_USER = re.compile(r"new user: name=([^,]+), .*", _FLAGS)
_NEW_GROUP = re.compile(r"new group: name=([^,]+), .*", _FLAGS)
_DELETE_USER = re.compile(r"delete user '(.+)'", _FLAGS)
_MEMBER = re.compile(r"(add|delete) '(.+)' (?:to|from) group '(.+)'", _FLAGS)
_GPASSWD = re.compile(r"user (\S+) (added|removed) by (\S+) (?:to|from) group (\S+)", _FLAGS)


def interpret(message: str) -> dict[str, Any] | None:
    if m := _NEW_USER.fullmatch(message):
        return _change("user_created", ["user", "creation"], m.group(1), None)
    if m := _DELETE_USER.fullmatch(message):
        return _change("user_deleted", ["user", "deletion"], m.group(1), None)
    if m := _NEW_GROUP.fullmatch(message):
        return _change("group_created", ["group", "creation"], None, m.group(1))
    if m := _MEMBER.fullmatch(message):
        verb, name, group = m.groups()
        action = "group_member_added" if verb == "add" else "group_member_removed"
        return _change(action, ["group", "change"], name, group)
    if m := _GPASSWD.fullmatch(message):
        name, verb, by, group = m.groups()
        action = "group_member_added" if verb == "added" else "group_member_removed"
        fields = _change(action, ["group", "change"], name, group)
        user(fields, by)
        return fields
    return None


def _change(action: str, kind: list[str], name: str | None, group: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event.action": action,
        "event.outcome": "success",
        "event.category": ["iam"],
        "event.type": kind,
    }
    user(fields, name, "sentinel.target.user")
    if group is not None:
        fields["group.name"] = group
    return fields
