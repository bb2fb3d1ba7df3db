"""`sentinel serve`: the web app (API and console) alone; and the web server `sentinel run` starts.

On a store without users the first start makes an ``admin`` with a fresh password
and shows it once: on the terminal when there is one, otherwise in a 0600 file
beside the store's secret key (so it never lands in a log), whose path is logged.
"""

from __future__ import annotations

import getpass
import logging
from typing import TYPE_CHECKING, Annotated

import typer

from sentinel.cli.common import (
    ConfigOption,
    Context,
    StoreOption,
    console,
    context,
    opened_store,
    styled,
)
from sentinel.private_files import private_dir, write_private

if TYPE_CHECKING:
    import uvicorn

    from sentinel.store.base import Store

log = logging.getLogger("sentinel.web")

HostOption = Annotated[
    str | None, typer.Option("--host", help="Address to listen on (default: web.host).")
]
PortOption = Annotated[
    int | None, typer.Option("--port", min=0, max=65535, help="Port (default: web.port).")
]


def web_server(ctx: Context, store: Store, host: str | None, port: int | None) -> uvicorn.Server:
    """A uvicorn server for the app over ``store``; the first admin is made and shown first."""
    import uvicorn  # the web stack loads only for the commands that serve

    from sentinel.access.model import Principal
    from sentinel.web.app import create_app

    app = create_app(ctx.settings, store, ctx.clock)
    web = ctx.settings.web
    where = f"http://{host or web.host}:{port or web.port}"
    announce_first_admin(
        ctx, app.state.access.first_admin(Principal.command_line(getpass.getuser())), where
    )
    config = uvicorn.Config(
        app,
        host=host or web.host,
        port=port if port is not None else web.port,
        proxy_headers=bool(web.forwarded_allow_ips),
        forwarded_allow_ips=web.forwarded_allow_ips or None,
        log_config=None,
        access_log=False,
        server_header=False,
    )
    return uvicorn.Server(config)


def announce_first_admin(ctx: Context, password: str | None, where: str) -> None:
    from sentinel.access.secretbox import key_file
    from sentinel.access.service import FIRST_ADMIN

    if password is None:
        return
    if console.is_terminal:
        console.print(
            styled(
                ("First start: made the user ", "bold"),
                (FIRST_ADMIN, "bold"),
                (" with the password ", "bold"),
                (password, "bold reverse"),
                f"\nSign in at {where}/signin (or POST {where}/api/auth/login) and set up "
                "your second factor. This password is shown once.",
            )
        )
        return
    path = key_file(ctx.settings).parent / "first-admin.txt"
    private_dir(path.parent)
    write_private(path, f"user: {FIRST_ADMIN}\npassword: {password}\nsign in at: {where}\n")
    log.warning(
        "first start: made the user %r; its password is in %s (read it, then delete the file)",
        FIRST_ADMIN,
        path,
    )


def serve_command(
    host: HostOption = None,
    port: PortOption = None,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Serve the API and the console (no scheduled jobs) until SIGTERM or Ctrl-C."""
    from sentinel.cli.service import _log_handler  # service imports this module

    ctx = context(config, store_url)
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[_log_handler(ctx.zone)])
    with opened_store(ctx) as store:
        server = web_server(ctx, store, host, port)
        log.info("serving on http://%s:%d", server.config.host, server.config.port)
        server.run()
