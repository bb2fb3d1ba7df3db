"""`sentinel notify …`: what was sent where, a delivery pass by hand, and a channel check."""

from __future__ import annotations

import logging
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from sentinel.cli.common import (
    ConfigOption,
    Exit,
    JsonOption,
    StoreOption,
    UnusedStoreOption,
    console,
    context,
    emit_json,
    fail,
    opened_store,
)
from sentinel.events import format_timestamp, parse_timestamp
from sentinel.localtime import show
from sentinel.notify.channel import DeliveryError
from sentinel.notify.deliver import STATUSES, Deliverer, RetryPolicy, requeue, senders_from_settings
from sentinel.notify.outbox import KIND
from sentinel.notify.render import Renderer, RenderError

app = typer.Typer(
    help="Notifications: list deliveries, deliver now, retry, test a channel.",
    no_args_is_help=True,
)


def _channel_state(name: str, d: dict[str, Any], zone: ZoneInfo, max_attempts: int) -> str:
    status = d["status"]
    if status == "sent":
        return f"{name}: sent {show(parse_timestamp(d['sent']), zone, seconds=False)}"
    if status == "pending" and d.get("attempts"):
        when = show(parse_timestamp(d["next_attempt"]), zone, seconds=False)
        return f"{name}: attempt {d['attempts']}/{max_attempts} failed, next {when}: {d['error']}"
    if status == "failed":
        return f"{name}: gave up after {d['attempts']} attempt(s): {d['error']}"
    return f"{name}: {status}"


@app.command("list")
def list_notifications(
    status: Annotated[str | None, typer.Option(help=f"One of {', '.join(STATUSES)}.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Newest first, with each channel's delivery state."""
    if status and status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}")
    ctx = context(config, store_url)
    with opened_store(ctx) as store:
        records = store.find_records(
            KIND,
            {"status": status} if status else None,
            order_by="created",
            descending=True,
            limit=limit,
        )
    if as_json:
        emit_json([{"id": r.id, **r.data} for r in records])
        return
    max_attempts = RetryPolicy().max_attempts
    table = Table(title=f"{len(records)} notification(s)")
    for col in ("id", "status", "severity", "queued", "title", "channels"):
        table.add_column(col, overflow="fold")
    for r in records:
        d = r.data
        channels = "\n".join(
            _channel_state(n, x, ctx.zone, max_attempts) for n, x in d["deliveries"].items()
        )
        table.add_row(
            r.id,
            d["status"],
            d["severity"],
            show(parse_timestamp(d["created"]), ctx.zone, seconds=False),
            d["title"],
            channels or d.get("error") or "not tried yet",
        )
    console.print(table)


@app.command()
def deliver(
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """One delivery pass now (what `sentinel run` does every 30 seconds).

    Exits 1 when any channel failed in this pass.
    """
    # The outcomes are printed below; without this, Python would repeat warnings on stderr.
    logging.getLogger("sentinel.notify").addHandler(logging.NullHandler())
    ctx = context(config, store_url)
    with opened_store(ctx) as store:
        report = Deliverer.from_settings(ctx.settings, store, ctx.clock).run_once()
    if as_json:
        emit_json(
            {
                "outcomes": [
                    {
                        "notification": o.notification,
                        "channel": o.channel,
                        "status": o.status,
                        "attempts": o.attempts,
                        "detail": o.detail,
                        "next_attempt": o.next_attempt and format_timestamp(o.next_attempt),
                    }
                    for o in report.outcomes
                ],
                "waiting": report.waiting,
                "busy": report.busy,
            }
        )
    else:
        for o in report.outcomes:
            line = f"{o.notification} via {o.channel}: {o.status} — {o.detail}"
            if o.next_attempt is not None:
                line += f" (next attempt {show(o.next_attempt, ctx.zone, seconds=False)})"
            console.print(line, highlight=False, markup=False)
        console.print(report.line(), highlight=False, markup=False)
    if any(o.status != "sent" for o in report.outcomes):
        raise typer.Exit(int(Exit.FAILED))


@app.command()
def retry(
    notification_id: Annotated[str, typer.Argument(help="A failed notification's id.")],
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Try the given-up channels of a failed notification again at the next pass."""
    ctx = context(config, store_url)
    with opened_store(ctx) as store:
        try:
            requeue(store, notification_id, ctx.clock)
        except LookupError as exc:
            fail(f"{exc.args[0]}; see `sentinel notify list`", Exit.NOT_FOUND)
        except ValueError as exc:
            fail(str(exc), Exit.FAILED)
    console.print(f"{notification_id} queued again", highlight=False)


@app.command("test")
def test_channel(
    channel: Annotated[str, typer.Argument(help="A channel name from settings.")],
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """Send a test message to one channel now and say what its server answered."""
    ctx = context(config, store_url)
    senders = senders_from_settings(ctx.settings)
    sender = senders.get(channel)
    if sender is None:
        known = ", ".join(sorted(senders)) or "none configured; add [[channels]] to sentinel.toml"
        fail(f"no channel named {channel!r} (channels: {known})", Exit.NOT_FOUND)
    kind = next(c.kind for c in ctx.settings.channels if c.name == channel)
    now = ctx.clock.now()
    data = {
        "template": "test",
        "title": f"Sentinel test message for channel {channel}",
        "severity": "low",
        "context": {"channel": channel, "kind": kind},
        "link": "/",
        "created": format_timestamp(now),
    }
    try:
        message = Renderer(ctx.zone, ctx.settings.base_url).render(f"test:{channel}", data)
        receipt = sender.send(message, now)
    except (RenderError, DeliveryError) as exc:
        fail(f"channel {channel}: {exc}", Exit.FAILED)
    console.print(f"test message sent to {channel} ({kind}): {receipt}", highlight=False)
