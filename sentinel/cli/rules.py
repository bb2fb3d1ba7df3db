"""`sentinel rules …` and `sentinel detect`: the rule pack and running it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from sentinel.alerts import Alerts, alert_id
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
    errors,
    fail,
    opened_store,
    services,
    styled,
)
from sentinel.detection.engine import Engine
from sentinel.detection.evaluate import Detection
from sentinel.detection.examples import example_files, run_examples, untested
from sentinel.detection.loader import LoadResult
from sentinel.detection.sigma_import import import_file, rule_sources, write_imported
from sentinel.events import format_timestamp
from sentinel.localtime import parse_when, show, span
from sentinel.services import rules as rules_service
from sentinel.services.actor import command_line
from sentinel.services.errors import Invalid
from sentinel.services.rules import RuleService
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore

app = typer.Typer(
    help="The detection rules: check, test, list, status, import.", no_args_is_help=True
)

RulesDirOption = Annotated[
    Path | None,
    typer.Option("--rules", help="Rules folder (default: settings detection.rules_dir)."),
]


def load(ctx: Context, rules_dir: Path | None) -> tuple[LoadResult, Path]:
    try:
        return rules_service.load(ctx.settings, rules_dir)
    except Invalid as exc:
        fail(str(exc))


def loaded_rules(ctx: Context, rules_dir: Path | None) -> LoadResult:
    """Rules for running: refuse to run with a broken pack rather than silently skip rules."""
    result, _ = load(ctx, rules_dir)
    if result.errors:
        for err in result.errors:
            errors.print(styled(("refused", "red"), f" {err}"))
        fail(f"{len(result.errors)} rule(s) refused; fix them or run `sentinel rules validate`")
    return result


@app.command()
def validate(
    rules_dir: RulesDirOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """Load every rule; list the refused ones with file, line and reason (exit 1 if any)."""
    ctx = context(config, store_url)
    result, _ = load(ctx, rules_dir)
    if as_json:
        emit_json(
            {
                "files": result.files,
                "rules": sorted(result.ruleset.rules),
                "errors": [
                    {"file": e.file, "line": e.line, "rule": e.rule, "reason": e.reason}
                    for e in result.errors
                ],
            }
        )
    else:
        for err in result.errors:
            console.print(styled(("refused", "red"), f" {err}"))
        console.print(
            f"{len(result.ruleset.rules)} rule(s) loaded from {result.files} file(s), "
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
    ctx = context(config, store_url)
    result = loaded_rules(ctx, rules_dir)
    rules = sorted(result.ruleset.rules.values(), key=lambda r: r.name)
    if as_json:
        emit(rules_service.views(rules))
        return
    table = Table(title=f"{len(rules)} rules")
    for col in ("name", "kind", "severity", "window", "categories", "title"):
        table.add_column(col, overflow="fold")
    for r in rules:
        kind = r.kind if r.alerting else f"{r.kind} (feeds a correlation)"
        table.add_row(
            r.name, kind, r.meta.severity, span(r.window), ", ".join(r.meta.categories), r.title
        )
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


@contextmanager
def _scratch_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory(prefix="sentinel-rules-test-") as tmp:
        store = SQLiteStore(f"sqlite:///{tmp}/examples.db")
        store.init()
        try:
            yield store
        finally:
            store.close()


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
    ctx = context(config, store_url)
    result, folder = load(ctx, rules_dir)
    if rule and result.ruleset.get(rule) is None:
        fail(f"no loaded rule named {rule!r} in {folder}; see `sentinel rules validate`")
    results = [run_examples(p, result.ruleset, _scratch_store) for p in example_files(folder)]
    missing = untested(result.ruleset, folder)
    if rule:
        results = [r for r in results if r.rule == rule]
        missing = [name for name in missing if name == rule]
    failed = [r for r in results if not r.passed]
    if as_json:
        emit_json(
            {
                "results": [
                    {
                        "rule": r.rule,
                        "file": r.file,
                        "passed": r.passed,
                        "fired": r.fired,
                        "quiet_fired": r.quiet_fired,
                        "reason": r.reason(),
                    }
                    for r in results
                ],
                "rules_without_examples": missing,
                "refused": [str(e) for e in result.errors],
            }
        )
    else:
        table = Table(title="Rule examples")
        for col in ("rule", "result", "fire → detections", "quiet → detections", "detail"):
            table.add_column(col, overflow="fold")
        for r in results:
            mark = styled(("pass", "green")) if r.passed else styled(("FAIL", "red"))
            table.add_row(
                r.rule, mark, str(r.fired), str(r.quiet_fired), "" if r.passed else r.reason()
            )
        console.print(table)
        for name in missing:
            console.print(styled(("no examples", "yellow"), f" for rule {name}"))
        for err in result.errors:
            console.print(styled(("refused", "red"), f" {err}"))
    bad = failed or missing or result.errors
    raise typer.Exit(int(Exit.FAILED if bad else Exit.OK))


@app.command()
def status(
    rules_dir: RulesDirOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Each rule's last run, how far behind now it is, and whether it is failing."""
    loaded_rules(context(config, store_url), rules_dir)
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


def _once(detections: list[Detection]) -> list[Detection]:
    """One per alert: catch-up windows inside one rule window each report that window again."""
    latest = {alert_id(d.rule.id, d.group, d.key): d for d in detections}
    return list(latest.values())


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
    ctx = context(config, store_url)
    now = ctx.clock.now()
    try:
        start, end = parse_when(since, ctx.zone, now), parse_when(until, ctx.zone, now)
    except ValueError as exc:
        fail(str(exc))
    if start >= end:
        fail(f"--from ({since}) must be before --to ({until})")
    result = loaded_rules(ctx, rules_dir)
    chosen = [result.ruleset.get(r) for r in rule] if rule else result.ruleset.alerting()
    if None in chosen:
        fail(f"unknown rule in {rule}; see `sentinel rules list`")
    with opened_store(ctx) as store:
        engine = Engine(
            store,
            result.ruleset,
            Alerts(store, ctx.clock),
            ctx.clock,
            max_window=ctx.settings.detection.max_window,
            replay_window=ctx.settings.detection.replay_window,
        )
        found, runs = engine.backfill(start, end, chosen, store_alerts=not dry_run)  # type: ignore[arg-type]
    detections = _once(found)
    if as_json:
        emit_json(
            {
                "detections": [
                    {
                        "rule": d.rule.name,
                        "severity": d.rule.meta.severity,
                        "group": d.group,
                        "start": format_timestamp(d.start),
                        "end": format_timestamp(d.end),
                        "count": d.count,
                        "distinct": d.distinct,
                        "summary": d.summary,
                    }
                    for d in detections
                ],
                "runs": [r.as_dict() for r in runs],
            }
        )
    else:
        table = Table(
            title=f"{len(detections)} detection(s) from {show(start, ctx.zone)} "
            f"to {show(end, ctx.zone)}"
        )
        for col in ("rule", "severity", "when", "summary"):
            table.add_column(col, overflow="fold")
        for d in sorted(detections, key=lambda d: d.start):
            table.add_row(d.rule.name, d.rule.meta.severity, show(d.start, ctx.zone), d.summary)
        console.print(table)
        for r in runs:
            if r.error:
                console.print(styled((f"rule {r.rule} failed:", "red"), f" {r.error}"))
    raise typer.Exit(int(Exit.FAILED if any(r.error for r in runs) else Exit.OK))
