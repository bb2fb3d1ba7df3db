"""Incident fixtures: the service over each real store, and alerts in their stored shape."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from sentinel.events import format_timestamp
from sentinel.incidents.service import Incidents
from sentinel.store.base import Store
from sentinel.store.query import EventQuery, Match, all_of
from tests.conftest import ManualClock


@pytest.fixture
def incidents(store: Store, clock: ManualClock) -> Incidents:
    return Incidents(store, clock)


def make_alert(
    store: Store,
    alert_id: str,
    *,
    user: str,
    start: datetime,
    end: datetime | None = None,
    severity: str = "high",
    categories: tuple[str, ...] = ("contact", "identity"),
    playbook: str | None = "insider_misuse",
) -> dict[str, Any]:
    """An alert record with the fields incidents rely on (rule, evidence, group, window…)."""
    end = end or start + timedelta(hours=1)
    evidence = EventQuery(
        all_of(Match("user.name", "eq", user), Match("event.action", "eq", "member.view")),
        start,
        end,
    )
    data = {
        "rule": "bulk_member_views",
        "title": f"Bulk member views by {user}",
        "severity": severity,
        "status": "new",
        "evidence": evidence.to_dict(),
        "group": {"user.name": user},
        "window": {"start": format_timestamp(start), "end": format_timestamp(end)},
        "categories": list(categories),
        "playbook": playbook,
        "created": format_timestamp(end),
    }
    store.create_record("alert", alert_id, data)
    return data
