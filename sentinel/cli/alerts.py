"""`sentinel alerts …`: the security team's view of alerts and their evidence."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sentinel.alerts import STATUSES
from sentinel.cli.common import (
    ConfigOption,
    JsonOption,
    StoreOption,
    console,
    emit,
    fail,
    services,
    styled,
)
from sentinel.localtime import parse_when, show
from sentinel.services.actor import command_line

app = typer.Typer(
    help="Alerts: list, look at the evidence, acknowledge, close.", no_args_is_help=True
)

ByOption = Annotated[str, typer.Option("--by", help="Who does this (default: your login name).")]


@app.command("list")
def list_alerts(
    status: Annotated[str | None, typer.Option(help=f"One of {', '.join(STATUSES)}.")] = None,
    rule: Annotated[
        str | None, typer.Option(help="Only this rule's alerts (its name or id).")
    ] = None,
    severity: Annotated[str | None, typer.Option(help="Only alerts of this severity.")] = None,
    user: Annotated[
        str | None, typer.Option(help="Only alerts grouped on this account (user.name).")
    ] = None,
    source_ip: Annotated[
        str | None, typer.Option("--source-ip", help="Only alerts grouped on this address.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--from", help="Last seen at or after: '-24h', ISO time.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="Last seen at or before, like --from.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Newest first."""
    from sentinel.services.alerts import AlertService

    if status and status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}")
    with services(config, store_url) as ctx:
        now = ctx.clock.now()
        try:
            start = parse_when(since, ctx.zone, now) if since else None
            end = parse_when(until, ctx.zone, now) if until else None
        except ValueError as exc:
            fail(str(exc))
        page = AlertService(ctx).list(
            command_line(),
            status=status,
            rule=rule,
            severity=severity,
            user=user,
            source_ip=source_ip,
            since=start,
            until=end,
            limit=limit,
        )
    if as_json:
        emit(page.items)
        return
    table = Table(title=f"{len(page.items)} alert(s)" + (" (more match)" if page.next else ""))
    for col in ("id", "severity", "status", "last seen", "rule", "summary"):
        table.add_column(col, overflow="fold", no_wrap=col == "id")
    for a in page.items:
        table.add_row(
            a.id, a.severity, a.status, show(a.last_seen, ctx.zone), a.rule_name, a.summary
        )
    console.print(table)


@app.command("show")
def show_alert(
    alert_id: Annotated[str, typer.Argument(help="The alert id (AL-…).")],
    limit: Annotated[int, typer.Option(help="Evidence events to list.", min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """An alert with the events that fired it (its evidence query, run again)."""
    from sentinel.services.alerts import AlertService

    with services(config, store_url) as ctx:
        a = AlertService(ctx).show(command_line(), alert_id, evidence_limit=limit)
    if as_json:
        emit(a)
        return
    z = ctx.zone
    console.print(styled((a.title, "bold"), f"  ({a.id})"))
    console.print(f"severity {a.severity} · status {a.status} · rule {a.rule_name}")
    console.print(f"{a.summary}")
    console.print(f"group: {a.group}  categories: {', '.join(a.categories) or '—'}")
    console.print(f"window: {show(a.window.start, z)} to {show(a.window.end, z)}")
    for h in a.history:
        console.print(
            f"  {show(h.at, z)} {h.by}: {h.action}" + (f" — {h.reason}" if h.reason else "")
        )
    table = Table(title=f"evidence: {len(a.evidence_events)} of {a.evidence_total} event(s)")
    for col in ("time", "action", "outcome", "user", "source ip", "member"):
        table.add_column(col)
    for e in a.evidence_events:
        f = e.model_extra or {}
        table.add_row(
            show(e.timestamp, z),
            str(f.get("event.action") or ""),
            str(f.get("event.outcome") or ""),
            str(f.get("user.name") or ""),
            str(f.get("source.ip") or ""),
            str(f.get("sentinel.member.id") or ""),
        )
    console.print(table)


@app.command()
def ack(
    alert_id: str,
    by: ByOption = "",
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Acknowledge: someone is looking at it."""
    from sentinel.services.alerts import AlertService

    with services(config, store_url) as ctx:
        AlertService(ctx).acknowledge(command_line(by), alert_id)
    console.print(f"{alert_id} acknowledged")


@app.command()
def close(
    alert_id: str,
    reason: Annotated[str, typer.Option(help="Why: 'false positive: …', 'handled: …'.")],
    by: ByOption = "",
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Close with a reason."""
    from sentinel.services.alerts import AlertService

    with services(config, store_url) as ctx:
        AlertService(ctx).close(command_line(by), alert_id, reason)
    console.print(f"{alert_id} closed")
