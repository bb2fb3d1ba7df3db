"""`sentinel assess --facts FILE.json`: the assessment of a facts file, without an incident.

For scripting and for reviewing the logic: the same assessment an incident gets,
from a facts file in the incident facts format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from sentinel.cli.common import ConfigOption, JsonOption, context, emit_json, fail
from sentinel.cli.incidents import advise, print_assessment
from sentinel.incidents.facts import FactsError, parse_facts


def assess_command(
    facts: Annotated[
        Path, typer.Option("--facts", help="Facts JSON (see `sentinel incident facts --template`).")
    ],
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Severity (ENISA) and whether to notify the AP and inform the people, with reasons."""
    ctx = context(config)
    try:
        data = orjson.loads(facts.read_bytes())
    except OSError as exc:
        fail(f"cannot read {facts}: {exc.strerror}")
    except orjson.JSONDecodeError as exc:
        fail(f"{facts} is not JSON: {exc}")
    if not isinstance(data, dict):
        fail(f"{facts}: facts are a JSON object")
    try:
        result = advise(ctx, parse_facts(data))
    except FactsError as exc:
        fail(f"{facts}: {exc}")
    if as_json:
        emit_json(result.to_dict())
        return
    print_assessment(result)
