"""`sentinel notify …`: what was sent where, a delivery pass by hand, and a channel check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
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
    emit,
    refusals,
    services,
)
from sentinel.localtime import show
from sentinel.notify.deliver import STATUSES
from sentinel.services.actor import command_line

if TYPE_CHECKING:
    from sentinel.services.outbox import ChannelDelivery

app = typer.Typer(
    help="Notifications: list deliveries, deliver now, retry, test a channel.",
    no_args_is_help=True,
)


def _channel_state(name: str, d: ChannelDelivery, zone: ZoneInfo, max_attempts: int) -> str:
    if d.status == "sent" and d.sent:
        return f"{name}: sent {show(d.sent, zone, seconds=False)}"
    if d.status == "pending" and d.attempts and d.next_attempt:
        when = show(d.next_attempt, zone, seconds=False)
        return f"{name}: attempt {d.attempts}/{max_attempts} failed, next {when}: {d.error}"
    if d.status == "failed":
        return f"{name}: gave up after {d.attempts} attempt(s): {d.error}"
    return f"{name}: {d.status}"


@app.command("list")
def list_notifications(
    status: Annotated[str | None, typer.Option(help=f"One of {', '.join(STATUSES)}.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Newest first, with each channel's delivery state."""
    from sentinel.notify.deliver import RetryPolicy
    from sentinel.services.outbox import OutboxService

    with services(config, store_url) as ctx:
        page = OutboxService(ctx).list(command_line(), status=status, limit=limit)
    if as_json:
        emit(page.items)
        return
    max_attempts = RetryPolicy().max_attempts
    table = Table(title=f"{len(page.items)} notification(s)")
    for col in ("id", "status", "severity", "queued", "title", "channels"):
        table.add_column(col, overflow="fold")
    for n in page.items:
        channels = "\n".join(
            _channel_state(name, d, ctx.zone, max_attempts) for name, d in n.deliveries.items()
        )
        table.add_row(
            n.id,
            n.status,
            n.severity,
            show(n.created, ctx.zone, seconds=False),
            n.title,
            channels or n.error or "not tried yet",
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
    from sentinel.services.outbox import OutboxService

    with services(config, store_url) as ctx:
        report = OutboxService(ctx).deliver(command_line())
    if as_json:
        emit(report)
    else:
        for o in report.outcomes:
            line = f"{o.notification} via {o.channel}: {o.status} — {o.detail}"
            if o.next_attempt is not None:
                line += f" (next attempt {show(o.next_attempt, ctx.zone, seconds=False)})"
            console.print(line)
        console.print(report.summary)
    if any(o.status != "sent" for o in report.outcomes):
        raise typer.Exit(int(Exit.FAILED))


@app.command()
def retry(
    notification_id: Annotated[str, typer.Argument(help="A failed notification's id.")],
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Try the given-up channels of a failed notification again at the next pass."""
    from sentinel.services.outbox import OutboxService

    with services(config, store_url) as ctx:
        queued = OutboxService(ctx).retry(command_line(), notification_id)
    if as_json:
        emit(queued)
        return
    console.print(f"{notification_id} queued again")


@app.command("test")
def test_channel(
    channel: Annotated[str, typer.Argument(help="A channel name from settings.")],
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: UnusedStoreOption = None,
) -> None:
    """Send a test message to one channel now and say what its server answered."""
    from sentinel.services.outbox import ChannelService

    ctx = context(config, store_url)
    with refusals():
        sent = ChannelService(ctx.settings, ctx.clock).test(command_line(), channel)
    if as_json:
        emit(sent)
        return
    console.print(f"test message sent to {sent.channel} ({sent.kind}): {sent.receipt}")
