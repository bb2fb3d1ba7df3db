"""`sentinel assess --facts FILE.json`: the assessment of a facts file, without an incident.

For scripting and for reviewing the logic: the same assessment an incident gets,
from a facts file in the incident facts format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from sentinel.cli.common import ConfigOption, JsonOption, UnusedStoreOption, context, emit, fail
from sentinel.cli.incidents import print_assessment
from sentinel.services.errors import Invalid


def assess_command(
    facts: Annotated[
        Path, typer.Option("--facts", help="Facts JSON (see `sentinel incident facts --template`).")
    ],
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """Severity (ENISA) and whether to notify the AP and inform the people, with reasons."""
    from sentinel.services.incidents import assess_document

    ctx = context(config, store_url)
    try:
        data = orjson.loads(facts.read_bytes())
    except OSError as exc:
        fail(f"cannot read {facts}: {exc.strerror}")
    except orjson.JSONDecodeError as exc:
        fail(f"{facts} is not JSON: {exc}")
    if not isinstance(data, dict):
        fail(f"{facts}: facts are a JSON object")
    try:
        result = assess_document(ctx.settings, data)
    except Invalid as exc:
        fail(f"{facts}: {exc}")
    if as_json:
        emit(result.advice())
        return
    print_assessment(result)
