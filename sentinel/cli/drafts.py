"""`sentinel drafts …`: the AP notification, the member letters and the other drafts of an incident.

Thin: each command renders through ``sentinel.services.drafts`` (which stores the
version and records it in the audit trail) and prints or writes the text. The
version, whether it is new and what is still open go to stderr, so stdout can
be redirected to a file as the draft itself. Nothing is ever sent.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from sentinel.cli.common import (
    ConfigOption,
    Exit,
    JsonOption,
    StoreOption,
    console,
    emit,
    errors,
    fail,
    services,
    styled,
)
from sentinel.cli.incidents import ByOption, IdArgument
from sentinel.localtime import show
from sentinel.plaintext import printable
from sentinel.private_files import write_private
from sentinel.services.actor import command_line

if TYPE_CHECKING:
    from sentinel.services.drafts import DraftDetail, MadeDraft

app = typer.Typer(
    help="Drafts: the AP notification, member letters, public notice, management summary.",
    no_args_is_help=True,
)

LangOption = Annotated[str, typer.Option("--lang", help="nl (Dutch) or en (English).")]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write the draft to this file (default: stdout).")
]
_LISTED = 8
"""Open questions named on stderr; the draft itself lists them all."""
_AP_KINDS = {"initial": "ap_initial", "follow-up": "ap_follow_up", "withdrawal": "ap_withdrawal"}


def _deliver(made: MadeDraft, out: Path | None, as_json: bool) -> None:
    if as_json:
        emit(made)
        return
    if out is not None:
        _write(out, made.content)
    else:
        sys.stdout.write(printable(made.content))
    _report(made, out)


def _report(d: MadeDraft, out: Path | None) -> None:
    state = "new version" if d.new_version else "unchanged since the latest version"
    if d.approved:
        state += f", approved by {d.approved.by}"
    where = f" written to {out}" if out else ""
    errors.print(f"{d.id} ({state}){where}", highlight=False)
    if d.open_questions:
        labels = "; ".join(q.label for q in d.open_questions[:_LISTED])
        more = len(d.open_questions) - _LISTED
        if more > 0:
            labels += f"; and {more} more (listed at the top of the draft)"
        errors.print(
            styled((f"{len(d.open_questions)} still to complete:", "yellow"), f" {labels}")
        )
    for contradiction in d.details.get("contradictions", ()):
        errors.print(styled(("contradiction in the facts:", "red"), f" {contradiction}"))


def _write(path: Path, text: str) -> None:
    try:
        write_private(path, text)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}")


@app.command("ap")
def ap_command(
    incident_id: IdArgument,
    lang: LangOption = "nl",
    kind: Annotated[
        str, typer.Option("--kind", help="initial, follow-up (vervolgmelding) or withdrawal.")
    ] = "initial",
    reason: Annotated[
        str | None, typer.Option(help="The reason for a withdrawal (intrekking).")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="md, html, or txt (plain text to paste into the AP's form field by field).",
        ),
    ] = "md",
    out: OutOption = None,
    by: ByOption = "",
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """The notification to the AP, following its Meldformulier datalekken question by question."""
    from sentinel.services.drafts import DraftService

    if kind not in _AP_KINDS:
        fail(f"--kind must be one of {', '.join(_AP_KINDS)}")
    with services(config, store_url) as ctx:
        made = DraftService(ctx).render(
            command_line(by), incident_id, _AP_KINDS[kind], lang=lang, fmt=fmt, reason=reason
        )
    _deliver(made, out, as_json)


@app.command("members")
def members_command(
    incident_id: IdArgument,
    lang: Annotated[
        list[str] | None,
        typer.Option(
            "--lang", help="Letters in this language (repeatable; default: the members' own)."
        ),
    ] = None,
    directory: Annotated[
        str | None,
        typer.Option(
            "--directory",
            help="Member directory: a CSV file (member_id,name,email,language[,partner_name]) "
            "or the https:// URL of a directory API (default: setting member_directory).",
        ),
    ] = None,
    recipients: Annotated[
        Path | None,
        typer.Option(
            "--recipients", help="Write the mail-merge list here (.csv, or .jsonl for JSON lines)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for recipients.csv, each letter's text (<draft id>.txt, to read "
            "before approving), and one .eml per member once the letters are approved and "
            "complete (until then it says what they wait for).",
        ),
    ] = None,
    eml: Annotated[
        Path | None,
        typer.Option("--eml", help="Write one .eml per member here (approved letters only)."),
    ] = None,
    sender: Annotated[
        str | None, typer.Option(help="From address of the .eml files (default: the DPO's email).")
    ] = None,
    by: ByOption = "",
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Letters to the affected members (Art. 34), one per partner, data touched and language."""
    from sentinel.drafts.eml import FIX
    from sentinel.services.drafts import DraftService

    if out is not None:
        recipients = recipients or out / "recipients.csv"
        eml = eml or out
    with services(config, store_url) as ctx:
        result = DraftService(ctx).member_letters(
            command_line(by),
            incident_id,
            directory=directory,
            langs=lang,
            recipients=recipients,
            eml=eml,
            sender=sender,
            explain_waiting=out is not None,
            texts=out,
        )
    if as_json:
        emit(result)
        _exit_on_problems(result.directory_problems)
        return
    made, total, missing = result.letters, result.members, result.missing_from_directory
    problems = result.directory_problems
    rows, written, waiting = result.recipients_written, result.eml_written, result.eml_waiting_for
    table = Table(title=f"{incident_id}: {total} affected member(s), {len(made)} letter(s)")
    for col in ("letter", "segment", "lang", "members", "version", "open questions"):
        table.add_column(col, overflow="fold")
    for d in made:
        table.add_row(
            d.id,
            d.segment or "",
            d.lang,
            str(d.details.get("members", "")),
            f"v{d.version} ({'new' if d.new_version else 'unchanged'})"
            + (f", approved by {d.approved.by}" if d.approved else ""),
            str(len(d.open_questions)),
        )
    console.print(table)
    if missing:
        errors.print(
            styled(
                (f"{missing} member(s) not in the directory", "yellow"),
                ": listed in the recipients with status missing_from_directory",
            )
        )
    if rows is not None:
        errors.print(f"{rows} recipient(s) written to {recipients}", highlight=False)
    if result.texts_written:
        errors.print(f"{len(result.texts_written)} letter text(s) written to {out}, to read")
    if written is not None:
        errors.print(f"{written} .eml file(s) written to {eml}", highlight=False)
    if waiting:
        errors.print(
            styled(
                ("no .eml files yet", "yellow"),
                f": {_waiting_summary(made)}. {FIX}, then run this again.",
            )
        )
    if problems:
        errors.print(
            styled(
                (f"{len(problems)} directory record(s) not used", "red"),
                " (those members get no letter file; the recipients say why):",
            )
        )
        for problem in problems[:_LISTED]:
            errors.print(f"  {problem}")
        if len(problems) > _LISTED:
            errors.print(f"  and {len(problems) - _LISTED} more (--json lists them all)")
    _exit_on_problems(problems)


def _exit_on_problems(problems: list[str]) -> None:
    """Every usable letter is written; a directory record that was not is still a problem."""
    if problems:
        raise typer.Exit(int(Exit.FAILED))


def _waiting_summary(drafts: list[MadeDraft]) -> str:
    """The letters' state in counts; the table names them and ``--json`` gives each reason."""
    parts = [
        f"{n} of {len(drafts)} letter(s) {what}"
        for n, what in (
            (sum(d.approved is None for d in drafts), "not approved"),
            (
                sum(d.approved is not None and not d.intact for d in drafts),
                "changed since approval",
            ),
            (sum(bool(d.open_questions) for d in drafts), "with open questions"),
        )
        if n
    ]
    return ", ".join(parts)


@app.command("public")
def public_command(
    incident_id: IdArgument,
    lang: LangOption = "nl",
    out: OutOption = None,
    by: ByOption = "",
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """A public communication, when informing each member is disproportionate (Art. 34(3)(c))."""
    from sentinel.services.drafts import DraftService

    with services(config, store_url) as ctx:
        made = DraftService(ctx).render(
            command_line(by), incident_id, "public_communication", lang=lang
        )
    _deliver(made, out, as_json)


@app.command("summary")
def summary_command(
    incident_id: IdArgument,
    lang: LangOption = "nl",
    out: OutOption = None,
    by: ByOption = "",
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """An internal summary for management: facts, deadline, assessment, decision, open points."""
    from sentinel.services.drafts import DraftService

    with services(config, store_url) as ctx:
        made = DraftService(ctx).render(
            command_line(by), incident_id, "management_summary", lang=lang
        )
    _deliver(made, out, as_json)


@app.command("list")
def list_command(
    incident_id: IdArgument,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Every version of every draft of the incident, approved or not, and whether it is current."""
    from sentinel.services.drafts import DraftService

    with services(config, store_url) as ctx:
        drafts = DraftService(ctx).list(command_line(), incident_id)
    if as_json:
        emit(drafts)
        return
    table = Table(title=f"{incident_id}: {len(drafts)} draft version(s)")
    for col in ("draft", "version", "made", "by", "approved", "facts", "open"):
        table.add_column(col, overflow="fold")
    for d in drafts:
        approved = f"{d.approved.by} {show(d.approved.at, ctx.zone)}" if d.approved else "—"
        if not d.intact:
            approved = styled(("ALTERED after it was stored", "bold red"))
        table.add_row(
            d.series,
            f"v{d.version}",
            show(d.created, ctx.zone, seconds=False),
            d.created_by,
            approved,
            "current" if d.current else "facts changed since",
            str(len(d.open_questions)),
        )
    console.print(table)


@app.command("show")
def show_command(
    draft_id: Annotated[str, typer.Argument(help="The draft id (from `sentinel drafts list`).")],
    out: OutOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """One stored version, exactly as it was made."""
    from sentinel.services.drafts import DraftService

    with services(config, store_url) as ctx:
        draft = DraftService(ctx).show(command_line(), draft_id)
    if as_json:
        emit(draft)
        return
    if out is not None:
        _write(out, draft.content)
    else:
        sys.stdout.write(printable(draft.content))
    if not draft.intact:
        errors.print(
            f"{draft.id} was changed after it was stored: its text no longer matches its hash",
            style="bold red",
        )
        raise typer.Exit(int(Exit.FAILED))


@app.command("approve")
def approve_command(
    draft_id: Annotated[
        str,
        typer.Argument(
            help="The draft id (from `sentinel drafts list`), or the incident id with --kind."
        ),
    ],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="Approve the newest version of every draft of this kind of the incident "
            "(e.g. member_letters: every letter at once).",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note with the approval.")] = None,
    by: ByOption = "",
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Approve a version: it is frozen (its hash kept); new facts make a new version."""
    from sentinel.services.drafts import DraftService

    if kind is not None:
        _approve_set(draft_id, kind, note, by, as_json, config, store_url)
        return
    with services(config, store_url) as ctx:
        draft = DraftService(ctx).approve(command_line(by), draft_id, note=note)
    if as_json:
        emit(draft)
        return
    _approved(draft, ctx.zone)


def _approved(draft: DraftDetail, zone: ZoneInfo) -> None:
    assert draft.approved is not None
    console.print(
        f"{draft.id} approved by {draft.approved.by} at {show(draft.approved.at, zone)} "
        f"(sha256 {draft.content_hash})"
        + (f"; audit anchor {draft.audit_anchor}" if draft.audit_anchor else ""),
        soft_wrap=True,
    )
    if draft.open_questions:
        errors.print(
            styled(
                ("note:", "yellow"),
                f" {draft.id} still has {len(draft.open_questions)} open question(s); "
                "send a follow-up when they are answered",
            )
        )


def _approve_set(
    incident_id: str,
    kind: str,
    note: str | None,
    by: str,
    as_json: bool,
    config: Path | None,
    store_url: str | None,
) -> None:
    from sentinel.services.drafts import DraftService

    with services(config, store_url) as ctx:
        result = DraftService(ctx).approve_set(command_line(by), incident_id, kind, note=note)
    if as_json:
        emit(result)
    else:
        for draft in result.approved:
            _approved(draft, ctx.zone)
        for draft_id in result.already:
            console.print(f"{draft_id} was approved before")
        for reason in result.refused:
            errors.print(styled(("not approved:", "red"), f" {reason}"))
        if result.earlier_facts:
            errors.print(
                styled(
                    ("note:", "yellow"),
                    f" {', '.join(result.earlier_facts)} were made before the facts last "
                    "changed; `sentinel drafts members` makes a new version where that shows "
                    "in the text",
                )
            )
        console.print(
            f"{incident_id} {kind}: {len(result.approved)} approved, "
            f"{len(result.already)} approved before, {len(result.refused)} not approved"
        )
    if result.refused:
        raise typer.Exit(int(Exit.FAILED))


@app.command("pending")
def pending_command(
    by: ByOption = "",
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Make the drafts that completed playbook steps asked for (render_draft actions)."""
    from sentinel.services.drafts import DraftService

    with services(config, store_url) as ctx:
        resolved = DraftService(ctx).pending(command_line(by))
    if as_json:
        emit(resolved)
        return
    for r in resolved:
        mark = ("done", "") if r.ok else ("failed", "red")
        console.print(styled(f"{r.incident} step {r.step} {r.draft}: ", mark, f" — {r.result}"))
    if not resolved:
        console.print("no draft requested by a playbook step is waiting")
    if any(not r.ok for r in resolved):
        raise typer.Exit(int(Exit.FAILED))
