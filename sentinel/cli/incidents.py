"""`sentinel incident …`: the incident commander's and the privacy officer's commands.

Thin: each command parses its arguments, calls ``sentinel.services.incidents`` and shows
the result (a table for people, ``--json`` for scripts). Times are typed and
shown in local time (settings ``timezone``, Europe/Amsterdam by default).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.table import Table

from sentinel.cli.common import (
    ConfigOption,
    Context,
    JsonOption,
    StoreOption,
    console,
    emit,
    emit_json,
    errors,
    fail,
    services,
    styled,
)
from sentinel.config import parse_duration
from sentinel.incidents.model import STATUSES
from sentinel.localtime import parse_when, show
from sentinel.services.actor import command_line
from sentinel.services.context import ServiceContext

if TYPE_CHECKING:
    from sentinel.services.incidents import AssessmentView, IncidentService
    from sentinel.services.playbooks import StepDetail, StepView

app = typer.Typer(
    help="Incidents: open, the 72-hour clock, facts, assessment, decisions, playbook steps.",
    no_args_is_help=True,
)

ByOption = Annotated[str, typer.Option("--by", help="Who does this (default: your login name).")]
PlaybooksOption = Annotated[
    Path | None,
    typer.Option("--playbooks", help="Playbooks folder (default: incidents.playbooks_dir)."),
]
IdArgument = Annotated[str, typer.Argument(help="The incident id (INC-…).")]


def incident_service(ctx: ServiceContext, folder: Path | None = None) -> IncidentService:
    """The service, with a warning for each playbook in the folder that was refused."""
    from sentinel.services.incidents import IncidentService

    service = IncidentService(ctx, folder)
    for problem in service.playbooks.problems:
        errors.print(styled(("warning:", "yellow"), f" playbook refused: {problem}"))
    return service


def when(ctx: Context | ServiceContext, text: str) -> Any:
    try:
        return parse_when(text, ctx.settings.zone, ctx.clock.now())
    except ValueError as exc:
        fail(str(exc))


# commands ------------------------------------------------------------------------------


@app.command("open")
def open_command(
    title: Annotated[
        str | None, typer.Argument(help="Short title (default: the first alert's title).")
    ] = None,
    alert: Annotated[
        list[str] | None, typer.Option("--alert", "-a", help="Alert to escalate (repeatable).")
    ] = None,
    severity: Annotated[
        str | None, typer.Option(help="low, medium, high or critical (default: the alerts').")
    ] = None,
    commander: Annotated[str | None, typer.Option(help="Incident commander.")] = None,
    playbook: Annotated[
        str | None, typer.Option(help="Playbook to run (default: the alert rule's).")
    ] = None,
    aware_at: Annotated[
        str | None,
        typer.Option("--aware-at", help="When the organisation became aware (default: now)."),
    ] = None,
    aware_reason: Annotated[
        str | None, typer.Option("--aware-reason", help="Why that moment (needed with --aware-at).")
    ] = None,
    by: ByOption = "",
    playbooks_dir: PlaybooksOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Open an incident from alerts (their evidence comes along) or by hand."""
    with services(config, store_url) as ctx:
        opened = incident_service(ctx, playbooks_dir).open(
            command_line(by),
            title,
            alerts=list(alert or []),
            severity=severity,
            commander=commander,
            playbook=playbook,
            aware_at=when(ctx, aware_at) if aware_at else None,
            aware_reason=aware_reason,
        )
    for warning in opened.warnings:
        errors.print(styled(("warning:", "yellow"), f" {warning}"))
    if as_json:
        emit(opened)
        return
    console.print(styled((opened.id, "bold"), f" opened: {opened.title}"))
    if opened.clock:
        console.print(f"awareness {show(opened.clock.awareness, ctx.zone)}; {opened.clock.text}")
    if opened.steps:
        console.print(f"playbook {opened.playbook}: {len(opened.steps)} steps")


@app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help=f"One of {', '.join(STATUSES)}.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include closed incidents.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Newest first; open ones unless --all or --status."""
    from sentinel.services.incidents import IncidentService

    if status and status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}")
    with services(config, store_url) as ctx:
        page = IncidentService(ctx).list(
            command_line(), status=status, open_only=not (all_ or status), limit=limit
        )
    if as_json:
        emit(page.items)
        return
    table = Table(title=f"{len(page.items)} incident(s)")
    for col in ("id", "status", "severity", "title", "commander", "72-hour clock"):
        table.add_column(col, overflow="fold", no_wrap=col == "id")
    for i in page.items:
        table.add_row(
            i.id,
            i.status,
            i.severity,
            i.title,
            i.commander or "—",
            i.clock.text if i.clock else "awareness not set",
        )
    console.print(table)


@app.command("show")
def show_command(
    incident_id: IdArgument,
    playbooks_dir: PlaybooksOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Everything about one incident, with the time left in local time."""
    from sentinel.incidents.facts import FACTS

    with services(config, store_url) as ctx:
        incident = incident_service(ctx, playbooks_dir).show(command_line(), incident_id)
    if as_json:
        emit(incident)
        return
    z = ctx.zone
    console.print(styled((incident.id, "bold"), f" {incident.title}"))
    console.print(
        f"status {incident.status} · severity {incident.severity} · commander "
        f"{incident.commander or '—'} · participants {', '.join(incident.participants) or '—'}"
    )
    clock = incident.clock
    if clock and incident.awareness:
        style = "bold red" if clock.overdue else "bold"
        console.print(f"72-hour clock: {clock.text}", style=style)
        a = incident.awareness
        console.print(f"awareness {show(a.at, z)}, set by {a.by}: {a.reason}", highlight=False)
    else:
        console.print("awareness not set: the 72-hour clock has not started")
    if incident.alerts:
        console.print(f"alerts: {', '.join(incident.alerts)}")
    facts = incident.parsed_facts()
    console.print(
        f"facts: {len(FACTS) - len(facts.unknowns())} known, {len(facts.unknowns())} unknown yet"
    )
    advice = incident.assessment
    console.print(
        f"assessment: severity {advice.severity} ({advice.score:g}), {RISK_WORDS[advice.risk]}; "
        f"notify the AP: {'yes' if advice.notify_authority else 'no'}; "
        f"inform members: {advice.notify_subjects}"
    )
    if incident.decision:
        d = incident.decision
        console.print(
            f"decision by {d.by} at {show(d.at, z)}: AP {d.notify_authority}, members "
            f"{d.notify_subjects} — {d.reason}",
            highlight=False,
        )
    for n in incident.notifications:
        extra = f" ref {n.reference}" if n.reference else ""
        late = f" (late: {n.delay_reason})" if n.late else ""
        console.print(f"notified {n.to} ({n.kind}) {show(n.at, z)} by {n.by}{extra}{late}")
    if incident.steps is not None:
        _print_steps(incident.steps, ctx)


def _print_steps(views: list[StepView], ctx: ServiceContext) -> None:
    now = ctx.clock.now()
    table = Table(title="playbook steps")
    for col in ("step", "title", "owner", "state", "due", "done by", "open facts"):
        table.add_column(col, overflow="fold")
    for v in views:
        due = show(v.due, ctx.zone, seconds=False) if v.due else "—"
        if v.due and v.state in ("open", "waiting") and v.due < now:
            due = styled((f"{due} (overdue)", "red"))
        done = f"{v.by} {show(v.at, ctx.zone, seconds=False)}" if v.by and v.at else ""
        state = v.state if not v.waiting_on else f"waiting on {', '.join(v.waiting_on)}"
        table.add_row(v.id, v.title, v.owner, state, due, done, ", ".join(v.missing_facts))
    console.print(table)


@app.command("facts")
def facts_command(
    incident_id: Annotated[str | None, typer.Argument(help="The incident id.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            "-s",
            help="NAME=VALUE (repeatable): lists comma-separated, counts 40 or 40-60, "
            "times in local time, yes/no; 'unknown' makes a fact unknown again.",
        ),
    ] = None,
    unknown: Annotated[
        list[str] | None, typer.Option("--unknown", help="Make a fact unknown again.")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Facts JSON (partial: only what it names).")
    ] = None,
    show_template: Annotated[
        bool, typer.Option("--template", help="Print every fact as unknown: a file to fill in.")
    ] = False,
    catalogue: Annotated[
        bool, typer.Option("--list", help="List the facts with their type and choices.")
    ] = False,
    by: ByOption = "",
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Show or record an incident's facts."""
    from sentinel.incidents.facts import base_spec, parse_facts, template
    from sentinel.services.incidents import IncidentService

    if show_template:
        emit_json(template())
        return
    if catalogue:
        _print_catalogue(as_json)
        return
    if not incident_id:
        fail("give the incident id (or --list / --template)")
    assignments = []
    for item in set_ or []:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"--set {item!r}: write it as NAME=VALUE")
        assignments.append((name, value))
    document = _read_json(file) if file is not None else None
    with services(config, store_url) as ctx:
        service = IncidentService(ctx)
        if document or assignments or unknown:
            view = service.update_facts(
                command_line(by),
                incident_id,
                document=document,
                assignments=assignments,
                unknown=unknown or [],
            )
        else:
            view = service.facts(command_line(by), incident_id)
    facts = parse_facts(view.facts)
    if as_json:
        emit(view)
        return
    table = Table(title=f"{view.id} facts")
    table.add_column("fact")
    table.add_column("value", overflow="fold")
    for name, value in facts.known_values().items():
        shown = show(facts.value(name), ctx.zone) if base_spec(name).kind == "time" else value
        if isinstance(shown, list):
            shown = ", ".join(str(v) for v in shown)
        elif isinstance(shown, dict):
            shown = str(facts.value(name))
        table.add_row(name, str(shown))
    console.print(table)
    console.print(f"unknown yet ({len(view.unknown)}): {', '.join(view.unknown) or 'none'}")
    for c in view.contradictions:
        errors.print(styled(("contradiction:", "red"), f" {c.text}"))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    except orjson.JSONDecodeError as exc:
        fail(f"{path} is not JSON: {exc}")
    if not isinstance(data, dict):
        fail(f"{path}: facts are a JSON object")
    return data


def _print_catalogue(as_json: bool) -> None:
    from sentinel.services.incidents import IncidentService

    specs = IncidentService.catalogue()
    if as_json:
        emit(specs)
        return
    table = Table(title=f"{len(specs)} facts")
    for col in ("fact", "kind", "choices", "meaning"):
        table.add_column(col, overflow="fold")
    for s in specs:
        kind = f"{s.kind}, translated" if s.translated else s.kind
        table.add_row(s.name, kind, ", ".join(s.choices), s.en)
    console.print(table)
    console.print(
        "A translated fact is written in the incidents.text_language setting; its other "
        "language goes in NAME@nl or NAME@en (e.g. --set 'summary@en=…'), which drafts in "
        "that language use and ask for until it is there."
    )


@app.command("aware")
def aware_command(
    incident_id: IdArgument,
    at: Annotated[str, typer.Option("--at", help="When ('2026-03-10T14:00' local, '-3h').")],
    reason: Annotated[str, typer.Option(help="Why the organisation became certain then.")],
    by: ByOption = "",
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Set the awareness time: the 72 hours run from it."""
    from sentinel.services.incidents import IncidentService

    with services(config, store_url) as ctx:
        incident = IncidentService(ctx).set_awareness(
            command_line(by), incident_id, when(ctx, at), reason
        )
    assert incident.clock is not None
    console.print(
        f"{incident.id} awareness {show(incident.clock.awareness, ctx.zone)}; {incident.clock.text}"
    )


@app.command("assess")
def assess_command(
    incident_id: IdArgument,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """The risk assessment and notification advice for the incident's current facts."""
    from sentinel.services.incidents import IncidentService

    with services(config, store_url) as ctx:
        result = IncidentService(ctx).assessment(command_line(), incident_id)
    if as_json:
        emit(result)
        return
    print_assessment(result)


RISK_WORDS = {"unlikely": "risk unlikely", "risk": "a risk", "high": "high risk"}
"""The assessment's risk level (Art. 33 and 34's three outcomes) as a reader says it."""


def print_assessment(result: AssessmentView) -> None:
    console.print(
        styled(
            (f"severity {result.severity.replace('_', ' ')} ({result.score:g})", "bold"),
            f", {RISK_WORDS[result.risk]}: notify the AP ",
            ("yes" if result.notify_authority else "no", "bold"),
            ", inform the people ",
            (result.notify_subjects, "bold"),
        )
    )
    for reason in result.reasons:
        console.print(f"• {reason}", highlight=False)


@app.command("decide")
def decide_command(
    incident_id: IdArgument,
    authority: Annotated[str, typer.Option("--authority", help="Notify the AP: yes or no.")],
    members: Annotated[
        str, typer.Option("--members", help="Inform the members: yes, no or public.")
    ],
    reason: Annotated[str, typer.Option(help="Why, in a sentence the AP could read.")],
    by: ByOption = "",
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Record the privacy officer's decision (it may differ from the advice; say why)."""
    from sentinel.services.incidents import IncidentService

    with services(config, store_url) as ctx:
        decision = IncidentService(ctx).decide(
            command_line(by), incident_id, authority=authority, members=members, reason=reason
        )
    if as_json:
        emit(decision)
        return
    advice = "follows the advice" if decision.follows_recommendation else "departs from the advice"
    console.print(
        f"{decision.id} recorded: AP {authority}, members {decision.notify_subjects} ({advice})"
    )


@app.command("notified")
def notified_command(
    incident_id: IdArgument,
    kind: Annotated[
        str, typer.Option(help="initial, follow-up or withdrawal (AP); members or public.")
    ],
    at: Annotated[str | None, typer.Option(help="When it was sent (default: now).")] = None,
    reference: Annotated[str | None, typer.Option(help="The AP's reference number.")] = None,
    delay_reason: Annotated[
        str | None, typer.Option("--delay-reason", help="Why later than 72 hours (Art. 33(1)).")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Reason for a withdrawal.")] = None,
    channel: Annotated[
        str | None, typer.Option(help="How members were told (email, letter).")
    ] = None,
    count: Annotated[int | None, typer.Option(help="How many members were told.")] = None,
    by: ByOption = "",
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Record a notification that was made: to the AP in phases, or to the members."""
    from sentinel.services.incidents import NOTIFICATION_KINDS, IncidentService

    if kind not in NOTIFICATION_KINDS:
        fail(f"--kind must be one of {', '.join(NOTIFICATION_KINDS)}")
    with services(config, store_url) as ctx:
        recorded = IncidentService(ctx).record_notification(
            command_line(by),
            incident_id,
            kind,
            at=when(ctx, at) if at else None,
            reference=reference,
            delay_reason=delay_reason,
            reason=reason,
            channel=channel,
            count=count,
        )
    last = recorded.notification
    console.print(
        f"{incident_id}: {kind} notification recorded ({show(last.at, ctx.zone)}"
        + (f", reference {last.reference}" if last.reference else "")
        + (f", late: {last.delay_reason}" if last.late else "")
        + (f", changed: {', '.join(last.changed)}" if last.changed else "")
        + ")",
        highlight=False,
    )
    for step in recorded.completed_steps:
        console.print(f"{incident_id}: playbook step {step} done")


@app.command("playbook")
def playbook_command(
    incident_id: IdArgument,
    name: Annotated[str, typer.Argument(help="Playbook id (file name without .yml).")],
    by: ByOption = "",
    playbooks_dir: PlaybooksOption = None,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Start a playbook on an incident that has none yet."""
    with services(config, store_url) as ctx:
        incident_service(ctx, playbooks_dir).playbooks.start(command_line(by), incident_id, name)
    console.print(f"{incident_id}: playbook {name} started")


@app.command("step")
def step_command(
    incident_id: IdArgument,
    step_id: Annotated[
        str | None, typer.Argument(help="Step id; without it, list the steps.")
    ] = None,
    done: Annotated[bool, typer.Option("--done", help="Mark the step done.")] = False,
    skip: Annotated[str | None, typer.Option("--skip", help="Skip it, with this reason.")] = None,
    note: Annotated[str | None, typer.Option(help="A note with the completion.")] = None,
    by: ByOption = "",
    playbooks_dir: PlaybooksOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """List the playbook steps, show one, or mark one done or skipped."""
    from sentinel.services.playbooks import PlaybookService

    if done and skip:
        fail("--done or --skip, not both")
    actor = command_line(by)
    with services(config, store_url) as ctx:
        books: PlaybookService = incident_service(ctx, playbooks_dir).playbooks
        if step_id is None:
            listed = books.steps(actor, incident_id)
        elif done:
            detail = books.complete(actor, incident_id, step_id, note=note)
        elif skip:
            detail = books.skip(actor, incident_id, step_id, skip)
        else:
            detail = books.step(actor, incident_id, step_id)
    if step_id is None:
        if as_json:
            emit(listed.steps)
        else:
            _print_steps(listed.steps, ctx)
        return
    if as_json:
        emit(detail)
        return
    _print_step(detail, ctx)


def _print_step(view: StepDetail, ctx: ServiceContext) -> None:
    console.print(styled((view.id, "bold"), f": {view.title} (owner {view.owner}) — {view.state}"))
    if view.due:
        console.print(f"due {show(view.due, ctx.zone, seconds=False)}")
    if view.by and view.at:
        console.print(
            f"{view.state} by {view.by} at {show(view.at, ctx.zone)}"
            + (f": {view.note}" if view.note else "")
        )
    if view.guidance:
        console.print(view.guidance, highlight=False)
    if view.asks:
        console.print(f"asks for: {', '.join(view.asks)}")
    if view.missing_facts:
        console.print(styled(("still unknown:", "yellow"), f" {', '.join(view.missing_facts)}"))
    for a in view.requested:
        console.print(
            f"action {a.kind}: {a.value} — {a.status}" + (f" ({a.result})" if a.result else "")
        )


@app.command("timeline")
def timeline_command(
    incident_id: IdArgument,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Every recorded change to the incident, its decisions and playbook (the audit trail)."""
    from sentinel.services.incidents import IncidentService

    with services(config, store_url) as ctx:
        entries = IncidentService(ctx).timeline(command_line(), incident_id)
    if as_json:
        emit(entries)
        return
    table = Table(title=f"{incident_id} timeline ({len(entries)} entries)")
    for col in ("#", "time", "by", "action", "details"):
        table.add_column(col, overflow="fold")
    for e in entries:
        details = orjson.dumps(e.details, default=str).decode()
        table.add_row(str(e.seq), show(e.at, ctx.zone), e.by, e.action, details[:300])
    console.print(table)


@app.command("members")
def members_command(
    incident_id: IdArgument,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """The members the incident's evidence touched (from its alerts' queries)."""
    from sentinel.services.incidents import IncidentService

    with services(config, store_url) as ctx:
        members = IncidentService(ctx).members(command_line(), incident_id)
    if as_json:
        emit(members)
        return
    table = Table(title=f"{len(members)} member(s) in the evidence of {incident_id}")
    table.add_column("member")
    table.add_column("events", justify="right")
    for m in members:
        table.add_row(m.member, str(m.events))
    console.print(table)


@app.command("note")
def note_command(
    incident_id: IdArgument,
    text: Annotated[str, typer.Argument(help="The note.")],
    by: ByOption = "",
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Add a note to the incident."""
    from sentinel.services.incidents import IncidentService

    with services(config, store_url) as ctx:
        IncidentService(ctx).add_note(command_line(by), incident_id, text)
    console.print(f"{incident_id}: note added")


@app.command("status")
def status_command(
    incident_id: IdArgument,
    status: Annotated[str, typer.Argument(help=f"One of {', '.join(STATUSES)}.")],
    reason: Annotated[str | None, typer.Option(help="Why (needed to close).")] = None,
    by: ByOption = "",
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Move the incident to another status."""
    from sentinel.services.incidents import IncidentService

    if status not in STATUSES:
        fail(f"status must be one of {', '.join(STATUSES)}")
    with services(config, store_url) as ctx:
        IncidentService(ctx).set_status(command_line(by), incident_id, status, reason=reason)
    console.print(f"{incident_id}: {status}")


@app.command("close")
def close_command(
    incident_id: IdArgument,
    reason: Annotated[str, typer.Option(help="Why it can be closed.")],
    by: ByOption = "",
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Close the incident with a reason."""
    from sentinel.services.incidents import IncidentService

    with services(config, store_url) as ctx:
        IncidentService(ctx).close(command_line(by), incident_id, reason)
    console.print(f"{incident_id}: closed")


@app.command("update")
def update_command(
    incident_id: IdArgument,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    severity: Annotated[str | None, typer.Option(help="low, medium, high or critical.")] = None,
    commander: Annotated[str | None, typer.Option(help="Incident commander.")] = None,
    add: Annotated[list[str] | None, typer.Option("--add", help="Add a participant.")] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="Remove a participant.")
    ] = None,
    restricted: Annotated[
        bool | None,
        typer.Option(
            "--restricted/--not-restricted",
            help="Need to know: only its people and the privacy officer see it.",
        ),
    ] = None,
    by: ByOption = "",
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Change title, severity, commander, participants or whether it is need-to-know."""
    from sentinel.services.incidents import IncidentService

    with services(config, store_url) as ctx:
        incident = IncidentService(ctx).update(
            command_line(by),
            incident_id,
            title=title,
            severity=severity,
            commander=commander,
            add=add or [],
            remove=remove or [],
            restricted=restricted,
        )
    console.print(
        f"{incident.id}: {incident.title} · {incident.severity} · commander "
        f"{incident.commander or '—'} · {', '.join(incident.participants) or 'no participants'}"
        + (" · restricted (need to know)" if incident.restricted else "")
    )


@app.command("reminders")
def reminders_command(
    offset: Annotated[
        list[str] | None,
        typer.Option(
            "--offset", help="Reminder offsets after awareness (default: incidents.reminders)."
        ),
    ] = None,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Queue the 72-hour reminders that are due (each goes out once; the service runs this)."""
    from sentinel.services.incidents import IncidentService

    try:
        chosen = [parse_duration(o) for o in offset] if offset else None
    except ValueError as exc:
        fail(str(exc))
    with services(config, store_url) as ctx:
        queued = IncidentService(ctx).send_reminders(command_line(), chosen)
    for item in queued:
        console.print(f"queued {item}")
    console.print(f"{len(queued)} reminder(s) queued")
