"""`sentinel incident …`: the incident commander's and the privacy officer's commands.

Thin: each command parses its arguments, calls ``sentinel.incidents`` and shows
the result (a table for people, ``--json`` for scripts). Times are typed and
shown in local time (settings ``timezone``, Europe/Amsterdam by default).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from sentinel import audit
from sentinel.alerts import AlertError, Alerts
from sentinel.cli.common import (
    ConfigOption,
    Context,
    Exit,
    JsonOption,
    StoreOption,
    console,
    context,
    emit_json,
    errors,
    fail,
    opened_store,
    styled,
)
from sentinel.config import parse_duration
from sentinel.drafts.actions import render_draft_handler
from sentinel.drafts.service import DraftService
from sentinel.incidents.assessment import Assessment, assess
from sentinel.incidents.deadline import clock_state, send_due_reminders
from sentinel.incidents.decisions import decide
from sentinel.incidents.evidence import affected_members
from sentinel.incidents.facts import (
    FACTS,
    TRANSLATED,
    UNKNOWN,
    FactsError,
    base_spec,
    changes_from,
    parse_value,
    template,
)
from sentinel.incidents.model import STATUSES, Incident, IncidentError, IncidentNotFound
from sentinel.incidents.notifications import record_notification
from sentinel.incidents.playbooks import Playbook, load_playbooks
from sentinel.incidents.runs import Runs, StepView, default_handlers
from sentinel.incidents.service import Incidents
from sentinel.incidents.timeline import contradictions
from sentinel.localtime import parse_when, show
from sentinel.store.base import ConflictError, Store

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
_KINDS = {
    "initial": ("authority", "initial"),
    "follow-up": ("authority", "follow_up"),
    "withdrawal": ("authority", "withdrawal"),
    "members": ("members", "communication"),
    "public": ("public", "communication"),
}


def advise(ctx: Context, facts: Any) -> Assessment:
    """The assessment with this organisation's thresholds from settings."""
    cfg = ctx.settings.incidents
    return assess(
        facts,
        large_scale=cfg.large_scale,
        short_outage_hours=cfg.short_outage.total_seconds() / 3600,
    )


def me(by: str) -> str:
    return by or getpass.getuser()


@contextmanager
def refusals() -> Iterator[None]:
    """Refusals become a clear message and an exit code; nothing half-done is left behind."""
    try:
        yield
    except IncidentNotFound as exc:
        fail(str(exc), Exit.NOT_FOUND)
    except (IncidentError, FactsError) as exc:
        fail(str(exc), Exit.USAGE)
    except ConflictError as exc:
        fail(str(exc), Exit.FAILED)


@contextmanager
def session(config: Path | None, store_url: str | None) -> Iterator[tuple[Context, Incidents]]:
    ctx = context(config, store_url)
    with opened_store(ctx) as store, refusals():
        yield ctx, Incidents(store, ctx.clock)


def playbooks(folder: Path) -> dict[str, Playbook]:
    books, problems = load_playbooks(folder)
    for problem in problems:
        errors.print(styled(("warning:", "yellow"), f" playbook refused: {problem}"))
    return books


def runs(ctx: Context, incidents: Incidents, folder: Path | None) -> Runs:
    books = playbooks(folder or ctx.settings.incidents.playbooks_dir)
    handlers = {
        **default_handlers(incidents),
        "render_draft": render_draft_handler(DraftService.from_settings(ctx.settings, incidents)),
    }
    return Runs(incidents.store, ctx.clock, incidents, books, handlers)


def when(ctx: Context, text: str) -> Any:
    try:
        return parse_when(text, ctx.zone, ctx.clock.now())
    except ValueError as exc:
        fail(str(exc))


# json views ----------------------------------------------------------------------------


def assessment_json(result: Assessment) -> dict[str, Any]:
    e = result.enisa
    return {
        **result.to_dict(),
        "risk": result.risk,
        "assumed": result.assumed,
        "enisa": {
            "dpc": e.dpc,
            "ei": e.ei,
            "confidentiality": e.confidentiality,
            "integrity": e.integrity,
            "availability": e.availability,
            "malicious": e.malicious,
        },
    }


def clock_json(ctx: Context, incident: Incident) -> dict[str, Any] | None:
    state = clock_state(incident, ctx.clock.now())
    if state is None:
        return None
    return {
        "awareness": state.awareness,
        "deadline": state.deadline,
        "deadline_local": show(state.deadline, ctx.zone),
        "seconds_left": int(state.left.total_seconds()),
        "overdue": state.overdue,
        "notified": state.notified,
        "late": state.late,
        "text": state.describe(ctx.zone),
    }


def steps_json(views: list[StepView]) -> list[dict[str, Any]]:
    return [
        {
            "id": v.step.id,
            "title": v.step.title,
            "owner": v.step.owner,
            "state": v.state,
            "due": v.due,
            "by": v.record.by if v.record else None,
            "at": v.record.at if v.record else None,
            "note": v.record.note if v.record else None,
            "missing_facts": v.missing,
            "waiting_on": v.waiting_on,
            "actions": [str(a) for a in v.step.actions],
        }
        for v in views
    ]


def incident_json(ctx: Context, incident: Incident, run_views: list[StepView] | None) -> Any:
    return {
        "id": incident.id,
        **incident.model_dump(mode="json", exclude={"id"}),
        "clock": clock_json(ctx, incident),
        "assessment": assessment_json(advise(ctx, incident.parsed_facts())),
        "steps": steps_json(run_views) if run_views is not None else None,
    }


def _views(incidents: Incidents, folder: Path | None, ctx: Context, incident_id: str) -> Any:
    r = runs(ctx, incidents, folder)
    return r.view(incident_id) if r.get(incident_id) else None


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
    who = me(by)
    alerts = list(alert or [])
    with session(config, store_url) as (ctx, incidents):
        if not title and not alerts:
            fail("give a title, or one or more --alert to take it from")
        if not title:
            rec = incidents.store.get_record("alert", alerts[0])
            title = str(rec.data.get("title") or alerts[0]) if rec else alerts[0]
        r = runs(ctx, incidents, playbooks_dir)
        if playbook and playbook not in r.playbooks:
            folder = playbooks_dir or ctx.settings.incidents.playbooks_dir
            fail(f"no playbook {playbook!r} in {folder} ({', '.join(sorted(r.playbooks))})")
        loaded = incidents.open(
            title,
            by=who,
            severity=severity,
            commander=commander,
            alerts=alerts,
            playbook=playbook,
            aware_at=when(ctx, aware_at) if aware_at else None,
            aware_reason=aware_reason,
        )
        incident = loaded.incident
        _escalate(incidents.store, ctx, alerts, who, incident.id)
        if incident.playbook in r.playbooks:
            r.start(incident.id, incident.playbook, by=who)
        elif incident.playbook:
            errors.print(
                styled(
                    ("warning:", "yellow"),
                    f" playbook {incident.playbook!r} not found in "
                    f"{playbooks_dir or ctx.settings.incidents.playbooks_dir}; start one with "
                    f"`sentinel incident playbook {incident.id} NAME`",
                )
            )
        views = r.view(incident.id) if r.get(incident.id) else None
    if as_json:
        emit_json(incident_json(ctx, incident, views))
        return
    state = clock_state(incident, ctx.clock.now())
    console.print(styled((incident.id, "bold"), f" opened: {incident.title}"))
    if state:
        console.print(f"awareness {show(state.awareness, ctx.zone)}; {state.describe(ctx.zone)}")
    if views:
        console.print(f"playbook {incident.playbook}: {len(views)} steps")


def _escalate(store: Store, ctx: Context, alerts: list[str], by: str, incident_id: str) -> None:
    manager = Alerts(store, ctx.clock)
    for alert_id in alerts:
        try:
            manager.escalate(alert_id, by, incident_id)
        except (AlertError, KeyError) as exc:
            errors.print(
                styled(("warning:", "yellow"), f" alert {alert_id} not marked escalated: {exc}")
            )


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
    if status and status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}")
    with session(config, store_url) as (ctx, incidents):
        found = incidents.list(status=status, open_only=not (all_ or status), limit=limit)
    if as_json:
        emit_json(
            [
                {
                    "id": i.id,
                    "title": i.title,
                    "status": i.status,
                    "severity": i.severity,
                    "commander": i.commander,
                    "created": i.created,
                    "clock": clock_json(ctx, i),
                }
                for i in found
            ]
        )
        return
    table = Table(title=f"{len(found)} incident(s)")
    for col in ("id", "status", "severity", "title", "commander", "72-hour clock"):
        table.add_column(col, overflow="fold", no_wrap=col == "id")
    for i in found:
        state = clock_state(i, ctx.clock.now())
        table.add_row(
            i.id,
            i.status,
            i.severity,
            i.title,
            i.commander or "—",
            state.describe(ctx.zone) if state else "awareness not set",
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
    with session(config, store_url) as (ctx, incidents):
        incident = incidents.get(incident_id).incident
        views = _views(incidents, playbooks_dir, ctx, incident_id)
    if as_json:
        emit_json(incident_json(ctx, incident, views))
        return
    z = ctx.zone
    console.print(styled((incident.id, "bold"), f" {incident.title}"))
    console.print(
        f"status {incident.status} · severity {incident.severity} · commander "
        f"{incident.commander or '—'} · participants {', '.join(incident.participants) or '—'}"
    )
    state = clock_state(incident, ctx.clock.now())
    if state and incident.awareness:
        style = "bold red" if state.overdue else "bold"
        console.print(f"72-hour clock: {state.describe(z)}", style=style)
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
    advice = advise(ctx, facts)
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
    if views is not None:
        _print_steps(views, ctx)


def _print_steps(views: list[StepView], ctx: Context) -> None:
    now = ctx.clock.now()
    table = Table(title="playbook steps")
    for col in ("step", "title", "owner", "state", "due", "done by", "open facts"):
        table.add_column(col, overflow="fold")
    for v in views:
        due = show(v.due, ctx.zone, seconds=False) if v.due else "—"
        if v.due and v.state in ("open", "waiting") and v.due < now:
            due = styled((f"{due} (overdue)", "red"))
        done = f"{v.record.by} {show(v.record.at, ctx.zone, seconds=False)}" if v.record else ""
        state = v.state if not v.waiting_on else f"waiting on {', '.join(v.waiting_on)}"
        table.add_row(v.step.id, v.step.title, v.step.owner, state, due, done, ", ".join(v.missing))
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
    if show_template:
        emit_json(template())
        return
    if catalogue:
        _print_catalogue(as_json)
        return
    if not incident_id:
        fail("give the incident id (or --list / --template)")
    with session(config, store_url) as (ctx, incidents):
        changes: dict[str, Any] = {}
        if file is not None:
            changes.update(changes_from(_read_json(file)))
        for item in set_ or []:
            name, sep, value = item.partition("=")
            if not sep:
                fail(f"--set {item!r}: write it as NAME=VALUE")
            changes[name.strip()] = parse_value(name.strip(), value, ctx.zone, ctx.clock.now())
        for name in unknown or []:
            changes[name] = UNKNOWN
        if changes:
            incident = incidents.update_facts(incident_id, changes, by=me(by)).incident
        else:
            incident = incidents.get(incident_id).incident
    facts = incident.parsed_facts()
    found = contradictions(facts, ctx.clock.now(), ctx.zone)
    if as_json:
        emit_json(
            {
                "id": incident.id,
                "facts": facts.to_dict(),
                "unknown": facts.unknowns(),
                "contradictions": [{"facts": c.facts, "text": c.en} for c in found],
            }
        )
        return
    table = Table(title=f"{incident.id} facts")
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
    missing = facts.unknowns()
    console.print(f"unknown yet ({len(missing)}): {', '.join(missing) or 'none'}")
    for c in found:
        errors.print(styled(("contradiction:", "red"), f" {c.en}"))


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
    if as_json:
        emit_json(
            [
                {
                    "name": s.name,
                    "kind": s.kind,
                    "choices": s.choices,
                    "en": s.en,
                    "nl": s.nl,
                    "translated": s.name in TRANSLATED,
                }
                for s in FACTS.values()
            ]
        )
        return
    table = Table(title=f"{len(FACTS)} facts")
    for col in ("fact", "kind", "choices", "meaning"):
        table.add_column(col, overflow="fold")
    for s in FACTS.values():
        kind = f"{s.kind}, translated" if s.name in TRANSLATED else s.kind
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
    with session(config, store_url) as (ctx, incidents):
        incident = incidents.set_awareness(
            incident_id, when(ctx, at), by=me(by), reason=reason
        ).incident
    state = clock_state(incident, ctx.clock.now())
    assert state is not None
    console.print(
        f"{incident.id} awareness {show(state.awareness, ctx.zone)}; {state.describe(ctx.zone)}"
    )


@app.command("assess")
def assess_command(
    incident_id: IdArgument,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """The risk assessment and notification advice for the incident's current facts."""
    with session(config, store_url) as (ctx, incidents):
        incident = incidents.get(incident_id).incident
    result = advise(ctx, incident.parsed_facts())
    if as_json:
        emit_json(assessment_json(result))
        return
    print_assessment(result)


RISK_WORDS = {"unlikely": "risk unlikely", "risk": "a risk", "high": "high risk"}
"""The assessment's risk level (Art. 33 and 34's three outcomes) as a reader says it."""


def print_assessment(result: Assessment) -> None:
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
    subjects = "public_communication" if members == "public" else members
    with session(config, store_url) as (_ctx, incidents):
        decision = decide(
            incidents,
            incident_id,
            notify_authority=authority,
            notify_subjects=subjects,
            reason=reason,
            by=me(by),
        )
    if as_json:
        emit_json({"id": decision.id, **{k: getattr(decision, k) for k in _DECISION_FIELDS}})
        return
    advice = "follows the advice" if decision.follows_recommendation else "departs from the advice"
    console.print(f"{decision.id} recorded: AP {authority}, members {subjects} ({advice})")


_DECISION_FIELDS = (
    "incident",
    "notify_authority",
    "notify_subjects",
    "reason",
    "by",
    "at",
    "recommendation",
    "follows_recommendation",
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
    if kind not in _KINDS:
        fail(f"--kind must be one of {', '.join(_KINDS)}")
    to, phase = _KINDS[kind]
    with session(config, store_url) as (ctx, incidents):
        incident = record_notification(
            incidents,
            incident_id,
            to=to,  # type: ignore[arg-type]
            kind=phase,  # type: ignore[arg-type]
            by=me(by),
            at=when(ctx, at) if at else None,
            reference=reference,
            delay_reason=delay_reason,
            reason=reason,
            channel=channel,
            count=count,
            zone=ctx.zone,
        ).incident
    last = incident.notifications[-1]
    console.print(
        f"{incident.id}: {kind} notification recorded ({show(last.at, ctx.zone)}"
        + (f", reference {last.reference}" if last.reference else "")
        + (f", late: {last.delay_reason}" if last.late else "")
        + (f", changed: {', '.join(last.changed)}" if last.changed else "")
        + ")",
        highlight=False,
    )


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
    with session(config, store_url) as (ctx, incidents):
        runs(ctx, incidents, playbooks_dir).start(incident_id, name, by=me(by))
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
    if done and skip:
        fail("--done or --skip, not both")
    with session(config, store_url) as (ctx, incidents):
        r = runs(ctx, incidents, playbooks_dir)
        if step_id and done:
            r.complete(incident_id, step_id, by=me(by), note=note)
        elif step_id and skip:
            r.skip(incident_id, step_id, by=me(by), reason=skip)
        views = r.view(incident_id)
        run, _version = r.require(incident_id)
    if step_id:
        view = next((v for v in views if v.step.id == step_id), None)
        if view is None:
            fail(
                f"no step {step_id!r}; steps: {', '.join(v.step.id for v in views)}", Exit.NOT_FOUND
            )
        if as_json:
            emit_json(
                {
                    **steps_json([view])[0],
                    "guidance": view.step.guidance,
                    "asks": list(view.step.asks),
                    "requested": [
                        a.model_dump(mode="json") for a in run.actions if a.step == step_id
                    ],
                }
            )
            return
        _print_step(view, run.actions, ctx)
        return
    if as_json:
        emit_json(steps_json(views))
        return
    _print_steps(views, ctx)


def _print_step(view: StepView, actions: list[Any], ctx: Context) -> None:
    s = view.step
    console.print(styled((s.id, "bold"), f": {s.title} (owner {s.owner}) — {view.state}"))
    if view.due:
        console.print(f"due {show(view.due, ctx.zone, seconds=False)}")
    if view.record:
        r = view.record
        console.print(
            f"{r.status} by {r.by} at {show(r.at, ctx.zone)}" + (f": {r.note}" if r.note else "")
        )
    if s.guidance:
        console.print(s.guidance, highlight=False)
    if s.asks:
        console.print(f"asks for: {', '.join(s.asks)}")
    if view.missing:
        console.print(styled(("still unknown:", "yellow"), f" {', '.join(view.missing)}"))
    for a in actions:
        if a.step == s.id:
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
    with session(config, store_url) as (ctx, incidents):
        incidents.get(incident_id)
        entries = _all_entries(incidents.store, incident_id)
    if as_json:
        emit_json(
            [
                {"seq": e.seq, "at": e.at, "by": e.actor, "action": e.action, "details": e.details}
                for e in entries
            ]
        )
        return
    table = Table(title=f"{incident_id} timeline ({len(entries)} entries)")
    for col in ("#", "time", "by", "action", "details"):
        table.add_column(col, overflow="fold")
    for e in entries:
        details = orjson.dumps(e.details, default=str).decode()
        table.add_row(str(e.seq), show(e.at, ctx.zone), e.actor, e.action, details[:300])
    console.print(table)


def _all_entries(store: Store, subject: str) -> list[audit.AuditEntry]:
    out: list[audit.AuditEntry] = []
    after: int | None = None
    while True:
        page = audit.entries(store, subject=subject, limit=1000, after=after)
        out.extend(page)
        if len(page) < 1000:
            return out
        after = page[-1].seq


@app.command("members")
def members_command(
    incident_id: IdArgument,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """The members the incident's evidence touched (from its alerts' queries)."""
    with session(config, store_url) as (_ctx, incidents):
        incident = incidents.get(incident_id).incident
        members = affected_members(incidents.store, incident)
    if as_json:
        emit_json([{"member": m, "events": n} for m, n in members])
        return
    table = Table(title=f"{len(members)} member(s) in the evidence of {incident_id}")
    table.add_column("member")
    table.add_column("events", justify="right")
    for member, n in members:
        table.add_row(member, str(n))
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
    with session(config, store_url) as (_ctx, incidents):
        incidents.add_note(incident_id, text, by=me(by))
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
    if status not in STATUSES:
        fail(f"status must be one of {', '.join(STATUSES)}")
    with session(config, store_url) as (_ctx, incidents):
        incidents.set_status(incident_id, status, by=me(by), reason=reason)
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
    with session(config, store_url) as (_ctx, incidents):
        incidents.close(incident_id, by=me(by), reason=reason)
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
    by: ByOption = "",
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Change title, severity, commander or participants."""
    with session(config, store_url) as (_ctx, incidents):
        incident = incidents.update(
            incident_id,
            by=me(by),
            title=title,
            severity=severity,
            commander=commander,
            add=add or [],
            remove=remove or [],
        ).incident
    console.print(
        f"{incident.id}: {incident.title} · {incident.severity} · commander "
        f"{incident.commander or '—'} · {', '.join(incident.participants) or 'no participants'}"
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
    try:
        chosen = [parse_duration(o) for o in offset] if offset else None
    except ValueError as exc:
        fail(str(exc))
    with session(config, store_url) as (ctx, incidents):
        offsets = chosen or ctx.settings.incidents.reminders
        queued = send_due_reminders(
            incidents.store,
            ctx.clock,
            offsets,
            zone=ctx.zone,
            channels=ctx.settings.incidents.reminder_channels,
        )
    for item in queued:
        console.print(f"queued {item}")
    console.print(f"{len(queued)} reminder(s) queued")
