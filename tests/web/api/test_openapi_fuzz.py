"""Schemathesis against /api/openapi.json: generated requests to every API operation, signed
in with a token of the privacy officer's permissions; no answer may be a server error or
break the schema the document gives for it (errors are problem+json, as documented)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from sentinel.access.model import Principal
from sentinel.access.permissions import ROLE_PERMISSIONS
from sentinel.config import Settings
from sentinel.coordinator import Coordinator
from sentinel.job_runs import record_run
from sentinel.services.context import ServiceContext
from sentinel.services.incidents import IncidentService
from sentinel.store.base import Store
from sentinel.web.app import create_app
from tests.access.conftest import PASSWORD, cheap_access
from tests.conftest import ManualClock
from tests.services.conftest import REPO, raise_alert
from tests.services.test_incidents import OFFICER

ROOT = Principal.command_line("root")
EXAMPLES = 15
"""Generated requests per operation: bounded, so the run stays under a minute."""


@pytest.fixture
def api_schema(sqlite_store: Store, clock: ManualClock, tmp_path: Path) -> Iterator[Any]:
    settings_ = Settings(
        _env_file=None,  # type: ignore[call-arg]
        store_url=f"sqlite:///{tmp_path / 'unused.db'}",
        incidents={"playbooks_dir": REPO / "playbooks"},
        detection={"rules_dir": REPO / "rules"},
    )
    access = cheap_access(sqlite_store, clock)
    app = create_app(settings_, sqlite_store, clock, access=access)
    ctx = ServiceContext(settings_, sqlite_store, clock)
    alert = raise_alert(ctx, "m.jansen")
    IncidentService(ctx).open(OFFICER, None, alerts=[alert])
    worker = Coordinator(sqlite_store, clock, ["ingest app"], lease=timedelta(seconds=60))
    worker.tick()
    record_run(
        sqlite_store,
        "ingest app",
        timedelta(seconds=30),
        worker=worker.worker,
        finished=clock.now(),
        error="connection refused",
    )
    access.users.add("pia", "privacy_officer", password=PASSWORD, by=ROOT)
    app.state.fuzz_token = lambda: access.create_token(
        "pia", "fuzz", sorted(ROLE_PERMISSIONS["privacy_officer"]), by=ROOT
    )[0]
    yield schemathesis.openapi.from_asgi("/api/openapi.json", app)


def test_no_server_error_and_no_answer_outside_its_schema(api_schema: Any) -> None:
    app = api_schema.app
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {app.state.fuzz_token()}"},
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )

        check()
