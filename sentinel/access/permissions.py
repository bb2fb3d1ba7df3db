"""Roles and what they may do: the one table every check and the docs read.

A role is a set of small permission strings; a route or a service asks for one
permission, never for a role, so moving a duty between roles is a change to this
table alone. ``docs/access.md`` prints the table (``markdown_table``) and a test
keeps the two equal.
"""

from __future__ import annotations

from typing import Literal

Role = Literal["viewer", "analyst", "incident_commander", "privacy_officer", "admin"]
ROLES: tuple[Role, ...] = Role.__args__  # type: ignore[attr-defined]

PERMISSIONS: dict[str, str] = {
    "alerts:read": "list alerts and see their evidence",
    "alerts:triage": "acknowledge, close and escalate alerts",
    "events:read": "search the stored events themselves (who touched what, from where)",
    "outbox:read": "see the alert messages queued for the channels and how delivery went",
    "outbox:send": "deliver queued messages now, queue a given-up one again, test a channel",
    "incidents:read": "list and open incidents (restricted ones only as a participant)",
    "incidents:write": "open incidents, record facts, awareness, status, notes, playbook steps",
    "incidents:restrict": "mark an incident need-to-know and choose its participants",
    "incidents:all": "see restricted incidents without being a participant",
    "decisions:record": "record whether the AP and the members are notified (fresh 2FA)",
    "notifications:record": "record a notification made to the AP or the members",
    "drafts:read": "read the AP and member drafts",
    "drafts:write": "render drafts",
    "drafts:approve": "approve a draft (fresh 2FA)",
    "letters:export": "download member letters as .eml/.zip (fresh 2FA)",
    "register:read": "read the breach register",
    "register:export": "export the breach register (fresh 2FA)",
    "rules:read": "see the rules and how their runs went",
    "rules:run": "run rules over a past range (backfill): alerts are stored, nobody notified",
    "sources:read": "see the sources and their health",
    "sources:ingest": "pull the sources now, import a log file",
    "store:admin": "create and check the store, purge old events and dead letters",
    "workers:read": "see the workers sharing the jobs, their leases and each job's last success",
    "audit:read": "read and verify the audit trail",
    "users:admin": "add, disable and change users; roles change with a fresh 2FA",
    "metrics:read": "scrape /metrics",
}
"""Every permission with what it allows, in the order the docs print them."""

_VIEWER = frozenset(
    {"alerts:read", "incidents:read", "drafts:read", "rules:read", "sources:read", "outbox:read"}
    | {"workers:read"}
)
_ANALYST = _VIEWER | {"alerts:triage", "incidents:write", "events:read", "outbox:send", "rules:run"}
_COMMANDER = _ANALYST | {
    "incidents:restrict",
    "decisions:record",
    "notifications:record",
    "drafts:write",
    "drafts:approve",
    "letters:export",
    "register:read",
    "audit:read",
}

_OPERATIONS = frozenset(
    {"users:admin", "metrics:read", "audit:read", "outbox:send", "rules:run"}
    | {"sources:ingest", "store:admin"}
)
"""Running Sentinel itself: users, health, delivery, backfills, ingest and the store."""

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    "viewer": _VIEWER,
    "analyst": _ANALYST,
    "incident_commander": _COMMANDER,
    "privacy_officer": _COMMANDER | {"incidents:all", "register:export"},
    "admin": _VIEWER | _OPERATIONS,
}

ROLE_DESCRIPTIONS: dict[Role, str] = {
    "viewer": "reads alerts, incidents and drafts; changes nothing",
    "analyst": "triages alerts and escalates them into incidents",
    "incident_commander": "runs an incident: facts, playbook, decisions, drafts",
    "privacy_officer": "decides on notification, keeps the register, sees every incident",
    "admin": "manages users and watches Sentinel's health; no breach decisions",
}

TWO_FACTOR_ROLES: frozenset[Role] = frozenset({"incident_commander", "privacy_officer", "admin"})
"""Roles that cannot finish signing in without a second factor."""

STEP_UP: frozenset[str] = frozenset(
    {"decisions:record", "drafts:approve", "letters:export", "register:export"}
)
"""Permissions whose use asks for a second factor given within ``access.step_up``.
Changing a role asks for it too (the users routes say so themselves)."""


def permissions_of(role: str) -> frozenset[str]:
    """The role's permissions; an unknown role (a hand-edited record) has none."""
    return ROLE_PERMISSIONS.get(role, frozenset())  # type: ignore[call-overload]


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return role  # type: ignore[return-value]


def check_permissions(names: list[str] | tuple[str, ...]) -> list[str]:
    unknown = [n for n in names if n not in PERMISSIONS]
    if unknown:
        raise ValueError(
            f"unknown permission(s) {', '.join(unknown)}; known: {', '.join(PERMISSIONS)}"
        )
    return list(dict.fromkeys(names))


def markdown_table() -> str:
    """The permission table as docs/access.md prints it: one row per permission."""
    head = "| permission | " + " | ".join(ROLES) + " | allows |"
    rule = "| --- | " + " | ".join(":---:" for _ in ROLES) + " | --- |"
    rows = [head, rule]
    for name, text in PERMISSIONS.items():
        marks = " | ".join("✓" if name in ROLE_PERMISSIONS[r] else "" for r in ROLES)
        rows.append(f"| `{name}` | {marks} | {text} |")
    return "\n".join(rows) + "\n"
