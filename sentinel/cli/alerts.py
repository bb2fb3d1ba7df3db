"""`sentinel alerts …`: the security team's view of alerts and their evidence."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from sentinel.alerts import STATUSES, AlertError, Alerts
from sentinel.cli.common import (
    ConfigOption,
    Exit,
    JsonOption,
    StoreOption,
    console,
    context,
    emit_json,
    fail,
    opened_store,
)
from sentinel.cli.events import event_json
from sentinel.events import parse_timestamp
from sentinel.localtime import show
from sentinel.store.base import Record

app = typer.Typer(
    help="Alerts: list, look at the evidence, acknowledge, close.", no_args_is_help=True
)

ByOption = Annotated[str, typer.Option("--by", help="Who does this (default: your login name).")]


def _me() -> str:
    return getpass.getuser()


def _require(alerts: Alerts, alert_id: str) -> Record:
    rec = alerts.get(alert_id)
    if rec is None:
        fail(f"no alert {alert_id}; see `sentinel alerts list`", Exit.NOT_FOUND)
    return rec


@app.command("list")
def list_alerts(
    status: Annotated[str | None, typer.Option(help=f"One of {', '.join(STATUSES)}.")] = None,
    rule: Annotated[
        str | None, typer.Option(help="Only this rule's alerts (its name or id).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Newest first."""
    if status and status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}")
    ctx = context(config, store_url)
    with opened_store(ctx) as store:
        records = Alerts(store, ctx.clock).list(status=status, rule=rule, limit=limit)
    if as_json:
        emit_json([{"id": r.id, **r.data} for r in records])
        return
    table = Table(title=f"{len(records)} alert(s)")
    for col in ("id", "severity", "status", "last seen", "rule", "summary"):
        table.add_column(col, overflow="fold")
    for r in records:
        d = r.data
        table.add_row(
            r.id,
            d["severity"],
            d["status"],
            show(parse_timestamp(d["last_seen"]), ctx.zone),
            d["rule_name"],
            d["summary"],
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
    ctx = context(config, store_url)
    with opened_store(ctx) as store:
        alerts = Alerts(store, ctx.clock)
        rec = _require(alerts, alert_id)
        query = alerts.evidence(rec)
        page = store.search_events(query, limit=limit, ascending=True)
        total = store.count_events(query)
    if as_json:
        emit_json(
            {
                "id": rec.id,
                **rec.data,
                "evidence_events": [event_json(e) for e in page.events],
                "evidence_total": total,
            }
        )
        return
    d = rec.data
    console.print(f"[bold]{d['title']}[/]  ({rec.id})")
    console.print(f"severity {d['severity']} · status {d['status']} · rule {d['rule_name']}")
    console.print(f"{d['summary']}")
    console.print(f"group: {d['group']}  categories: {', '.join(d['categories']) or '—'}")
    console.print(
        f"window: {show(parse_timestamp(d['window']['start']), ctx.zone)} to "
        f"{show(parse_timestamp(d['window']['end']), ctx.zone)}"
    )
    for h in d["history"]:
        console.print(
            f"  {show(parse_timestamp(h['at']), ctx.zone)} {h['by']}: {h['action']}"
            + (f" — {h['reason']}" if h.get("reason") else "")
        )
    table = Table(title=f"evidence: {len(page.events)} of {total} event(s)")
    for col in ("time", "action", "outcome", "user", "source ip", "member"):
        table.add_column(col)
    for e in page.events:
        f = e.fields
        table.add_row(
            show(e.timestamp, ctx.zone),
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
    ctx = context(config, store_url)
    with opened_store(ctx) as store:
        alerts = Alerts(store, ctx.clock)
        _require(alerts, alert_id)
        try:
            alerts.acknowledge(alert_id, by or _me())
        except AlertError as exc:
            fail(str(exc), Exit.FAILED)
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
    if not reason.strip():
        fail("closing an alert needs a reason (e.g. 'false positive: …')")
    ctx = context(config, store_url)
    with opened_store(ctx) as store:
        alerts = Alerts(store, ctx.clock)
        _require(alerts, alert_id)
        try:
            alerts.close(alert_id, by or _me(), reason)
        except AlertError as exc:
            fail(str(exc), Exit.FAILED)
    console.print(f"{alert_id} closed")
