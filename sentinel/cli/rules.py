"""`sentinel rules …` and `sentinel detect`: the rule pack and running it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from sentinel.cli.common import (
    ConfigOption,
    Context,
    Exit,
    JsonOption,
    StoreOption,
    UnusedStoreOption,
    console,
    context,
    emit,
    emit_json,
    fail,
    refusals,
    services,
    styled,
)
from sentinel.localtime import parse_when, show, span
from sentinel.services.actor import command_line
from sentinel.services.errors import Invalid

if TYPE_CHECKING:
    from sentinel.detection.loader import LoadResult

app = typer.Typer(
    help="The detection rules: check, test, list, status, import.", no_args_is_help=True
)


def loaded_rules(ctx: Context, folder: Path | None) -> LoadResult:
    """The rule pack as `sentinel detect` reads it.

    Scripts that time a backfill rule by rule with the engine (bench/ and the comparison
    with ElastAlert 2 beside it) load the rules and pick the detections once per alert
    (``_once``) as `sentinel detect` does, through these two names.
    """
    from sentinel.services.rules import RulePack

    return RulePack(ctx.settings, folder).loaded()


def __getattr__(name: str) -> Any:
    """``_once`` (see loaded_rules) is the rule service's, loaded when a script asks for it."""
    if name == "_once":
        from sentinel.services.rules import _once

        return _once
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


RulesDirOption = Annotated[
    Path | None,
    typer.Option("--rules", help="Rules folder (default: settings detection.rules_dir)."),
]


@app.command()
def validate(
    rules_dir: RulesDirOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """Load every rule; list the refused ones with file, line and reason (exit 1 if any)."""
    from sentinel.services.rules import RulePack

    ctx = context(config, store_url)
    with refusals():
        result = RulePack(ctx.settings, rules_dir).validate(command_line())
    if as_json:
        emit(result)
    else:
        for err in result.errors:
            console.print(styled(("refused", "red"), f" {err}"))
        console.print(
            f"{len(result.rules)} rule(s) loaded from {result.files} file(s), "
            f"{len(result.errors)} refused"
        )
    raise typer.Exit(int(Exit.FAILED if result.errors else Exit.OK))


@app.command("list")
def list_rules(
    rules_dir: RulesDirOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """The loaded rules: kind, severity, window, categories."""
    from sentinel.services.rules import RulePack

    ctx = context(config, store_url)
    with refusals():
        rules = RulePack(ctx.settings, rules_dir).list(command_line())
    if as_json:
        emit(rules)
        return
    table = Table(title=f"{len(rules)} rules")
    for col in ("name", "kind", "severity", "window", "categories", "title"):
        table.add_column(col, overflow="fold")
    for r in rules:
        kind = r.kind if r.alerting else f"{r.kind} (feeds a correlation)"
        window = span(timedelta(seconds=r.window_seconds))
        table.add_row(r.name, kind, r.severity, window, ", ".join(r.categories), r.title)
    console.print(table)


@app.command("import")
def import_rules(
    paths: Annotated[
        list[Path], typer.Argument(exists=True, help="SigmaHQ-style rule files or folders.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", file_okay=False, help="Folder for the converted rules (one file per source)."
        ),
    ],
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """Convert SigmaHQ rules to Sentinel's field names; refuse, with the reason, what cannot run.

    Exit 1 when a rule was refused (the others are written), 0 when all were imported.
    """
    from sentinel.detection.sigma_import import import_file, rule_sources, write_imported
    from sentinel.services import rules as rules_service

    ctx = context(config, store_url)
    try:
        vocabulary = rules_service.vocabulary(ctx.settings)
    except Invalid as exc:
        fail(str(exc))
    results = [r for path in rule_sources(paths) for r in import_file(path, vocabulary)]
    written = write_imported(results, out)
    refused = [r for r in results if not r.imported]
    if as_json:
        emit_json(
            {
                "imported": [{"file": r.file, "rule": r.rule} for r in results if r.imported],
                "refused": [{"file": r.file, "rule": r.rule, "reason": r.reason} for r in refused],
                "written": [str(p) for p in written],
            }
        )
    else:
        for r in refused:
            console.print(styled(("refused", "red"), f" {r.file}: {r.rule}: {r.reason}"))
        console.print(
            f"{len(results) - len(refused)} rule(s) imported into {len(written)} file(s) in "
            f"{out}, {len(refused)} refused; add examples before relying on them "
            "(`sentinel rules test`)"
        )
    raise typer.Exit(int(Exit.FAILED if refused else Exit.OK))


@app.command()
def test(
    rule: Annotated[str | None, typer.Option(help="Only this rule.")] = None,
    rules_dir: RulesDirOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """Run every rule's example events through a real store and the engine (exit 1 on failure).

    The examples run in a scratch SQLite store of their own, never in the configured one.
    """
    from sentinel.services.rules import RulePack

    ctx = context(config, store_url)
    with refusals():
        report = RulePack(ctx.settings, rules_dir).test_examples(command_line(), rule)
    if as_json:
        emit(report)
    else:
        table = Table(title="Rule examples")
        for col in ("rule", "result", "fire → detections", "quiet → detections", "detail"):
            table.add_column(col, overflow="fold")
        for r in report.results:
            mark = styled(("pass", "green")) if r.passed else styled(("FAIL", "red"))
            table.add_row(
                r.rule, mark, str(r.fired), str(r.quiet_fired), "" if r.passed else r.reason
            )
        console.print(table)
        for name in report.rules_without_examples:
            console.print(styled(("no examples", "yellow"), f" for rule {name}"))
        for err in report.refused:
            console.print(styled(("refused", "red"), f" {err}"))
    raise typer.Exit(int(Exit.OK if report.ok else Exit.FAILED))


@app.command()
def status(
    rules_dir: RulesDirOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Each rule's last run, how far behind now it is, and whether it is failing."""
    from sentinel.services.rules import RuleService

    with services(config, store_url) as ctx:
        rows = RuleService(ctx, rules_dir).status(command_line())
    if as_json:
        emit(rows)
    else:
        table = Table(title="Rule status")
        for col in ("rule", "kind", "status", "covered up to", "behind", "last run asked", "error"):
            table.add_column(col, overflow="fold")
        for s in rows:
            colour = {"ok": "green", "failing": "red"}.get(s.status, "yellow")
            b = s.budget
            asked = f"{b['requests']} req, {b['buckets']} buckets, {b['took_ms']} ms" if b else "—"
            table.add_row(
                s.rule,
                s.kind,
                styled((s.status, colour)),
                show(s.last_end, ctx.zone),
                span(timedelta(seconds=s.lag_seconds)) if s.lag_seconds is not None else "—",
                asked,
                Text(s.error or ""),
            )
        console.print(table)
    raise typer.Exit(int(Exit.FAILED if any(s.status == "failing" for s in rows) else Exit.OK))


def detect_command(
    since: Annotated[str, typer.Option("--from", help="Start: ISO time or '-7d'.")],
    until: Annotated[str, typer.Option("--to", help="End (exclusive).")] = "now",
    rule: Annotated[list[str] | None, typer.Option(help="Only these rules (repeatable).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only print; store no alerts.")
    ] = False,
    rules_dir: RulesDirOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Run rules over a past range (backfill, investigation) and print what they find.

    Alerts are stored (the same burst always gets the same alert, so running this
    twice changes nothing) but nobody is notified.
    """
    from sentinel.services.rules import RuleService

    with services(config, store_url) as ctx:
        now = ctx.clock.now()
        try:
            start, end = parse_when(since, ctx.zone, now), parse_when(until, ctx.zone, now)
        except ValueError as exc:
            fail(str(exc))
        if start >= end:
            fail(f"--from ({since}) must be before --to ({until})")
        found = RuleService(ctx, rules_dir).backfill(
            command_line(), start, end, rules=rule or [], dry_run=dry_run
        )
    if as_json:
        emit(found)
    else:
        table = Table(
            title=f"{len(found.detections)} detection(s) from {show(start, ctx.zone)} "
            f"to {show(end, ctx.zone)}"
        )
        for col in ("rule", "severity", "when", "summary"):
            table.add_column(col, overflow="fold")
        for d in sorted(found.detections, key=lambda d: d.start):
            table.add_row(d.rule, d.severity, show(d.start, ctx.zone), d.summary)
        console.print(table)
        for r in found.runs:
            if r.error:
                console.print(styled((f"rule {r.rule} failed:", "red"), f" {r.error}"))
    raise typer.Exit(int(Exit.FAILED if any(r.error for r in found.runs) else Exit.OK))
