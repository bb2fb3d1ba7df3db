"""The one permission table: well-formed, and printed unchanged in docs/access.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.access.permissions import (
    PERMISSIONS,
    ROLE_PERMISSIONS,
    ROLES,
    STEP_UP,
    TWO_FACTOR_ROLES,
    check_permissions,
    markdown_table,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def test_docs_print_the_table_from_the_code() -> None:
    text = DOC.read_text()
    printed = text.split("<!-- permissions -->\n", 1)[1].split("<!-- /permissions -->", 1)[0]
    assert printed == markdown_table()


def test_every_role_is_defined_with_known_permissions_only() -> None:
    assert set(ROLE_PERMISSIONS) == set(ROLES)
    for perms in ROLE_PERMISSIONS.values():
        assert perms <= set(PERMISSIONS)
    assert set(PERMISSIONS) >= STEP_UP


def test_the_roles_that_decide_must_have_a_second_factor() -> None:
    deciders = {r for r in ROLES if ROLE_PERMISSIONS[r] & (STEP_UP | {"users:admin"})}
    assert deciders <= TWO_FACTOR_ROLES


def test_only_the_privacy_officer_sees_every_restricted_incident() -> None:
    assert [r for r in ROLES if "incidents:all" in ROLE_PERMISSIONS[r]] == ["privacy_officer"]


def test_unknown_permission_names_are_named() -> None:
    with pytest.raises(ValueError, match="unknown permission"):
        check_permissions(["alerts:read", "alerts:delete"])
