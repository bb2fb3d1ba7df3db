"""The `sentinel` command line: thin; it parses arguments and calls the modules below it."""

from __future__ import annotations

import typer

from sentinel.cli import (
    alerts,
    assess,
    audit,
    checkpoints,
    demo,
    drafts,
    events,
    incidents,
    ingest,
    notify,
    playbooks,
    register,
    rules,
    serve,
    service,
    store,
    users,
    workers,
)
from sentinel.gc_tuning import tune_gc_for_batches

app = typer.Typer(
    name="sentinel",
    help="Sentinel watches access to personal data and runs breach response.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("ingest")(ingest.ingest_command)
app.command("import")(ingest.import_command)
app.command("run")(service.run_command)
app.command("serve")(serve.serve_command)
app.command("detect")(rules.detect_command)
app.add_typer(events.app, name="events")
app.add_typer(ingest.dead_letters_app, name="dead-letters")
app.add_typer(checkpoints.app, name="checkpoints")
app.add_typer(demo.app, name="demo")
app.add_typer(rules.app, name="rules")
app.add_typer(store.app, name="store")
app.add_typer(alerts.app, name="alerts")
app.add_typer(notify.app, name="notify")
app.add_typer(incidents.app, name="incident")
app.add_typer(drafts.app, name="drafts")
app.add_typer(drafts.app, name="draft", hidden=True)
app.command("assess")(assess.assess_command)
app.add_typer(audit.app, name="audit")
app.add_typer(register.app, name="register")
app.add_typer(playbooks.app, name="playbooks")
app.add_typer(workers.app, name="workers")
app.add_typer(users.app, name="users")


def main() -> None:
    tune_gc_for_batches()
    app()
