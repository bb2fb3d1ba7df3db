"""`sentinel users …`: who may use Sentinel, in which role, and their API tokens.

These commands work on the store directly, as whoever can open it can change it
anyway: there is no sign-in, and the audit trail records the operating-system
user with ``"via": "cli"`` (each command says so when it changes something).
"""

from __future__ import annotations

import getpass
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from sentinel.access.permissions import ROLES

if TYPE_CHECKING:
    from sentinel.access.model import Principal, User
    from sentinel.access.service import Access
    from sentinel.access.tokens import Token
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
from sentinel.localtime import show

app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts: create (shown once), list, revoke.")
app.add_typer(token_app, name="token")

NameArgument = Annotated[str, typer.Argument(help="The user name (login name).")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
]
Generate = Annotated[
    bool, typer.Option("--generate", help="Make a strong password and show it once.")
]


@contextmanager
def session(ctx: Context) -> Iterator[tuple[Access, Principal]]:
    """Access over the opened store, acting as the operating-system user; refusals → exit codes."""
    from sentinel.access.model import Principal
    from sentinel.access.passwords import PasswordRefused
    from sentinel.access.secretbox import SecretKeyError
    from sentinel.access.service import Access
    from sentinel.access.tokens import TokenNotFound, TokenRefused
    from sentinel.access.users import UserError, UserNotFound

    with opened_store(ctx) as store:
        try:
            yield (
                Access.from_settings(store, ctx.clock, ctx.settings),
                Principal.command_line(getpass.getuser()),
            )
        except (UserNotFound, TokenNotFound) as exc:
            fail(str(exc), Exit.NOT_FOUND)
        except (UserError, PasswordRefused, TokenRefused) as exc:
            fail(str(exc), Exit.USAGE)
        except SecretKeyError as exc:
            fail(f"{exc} (settings access.secret_key / access.secret_key_file)", Exit.USAGE)


def _as_cli(who: Principal) -> None:
    errors.print(
        styled(
            ("audit:", "dim"),
            f" recorded as operating-system user {who.username!r} (command line, no sign-in)",
        )
    )


def _user_json(u: User) -> dict[str, Any]:
    return {
        "username": u.username,
        "name": u.name,
        "email": u.email,
        "role": u.role,
        "disabled": u.disabled,
        "two_factor": u.two_factor,
        "recovery_codes_left": u.recovery_codes_left,
        "created": u.created,
        "created_by": u.created_by,
        "password_changed": u.password_changed,
    }


def _token_json(t: Token) -> dict[str, Any]:
    d = t.doc
    return {
        "id": t.id,
        "user": d.user,
        "name": d.name,
        "scopes": d.scopes,
        "created": d.created,
        "expires": d.expires,
        "last_used": d.last_used,
        "revoked": d.revoked,
    }


def _password(username: str, from_stdin: bool, generate: bool, as_json: bool) -> str | None:
    if from_stdin and generate:
        fail("give either --password-stdin or --generate")
    if generate:
        if as_json:
            fail(
                "--generate shows the password once on the terminal; "
                "with --json, use --password-stdin"
            )
        return secrets.token_urlsafe(18)
    if from_stdin:
        line = sys.stdin.readline().rstrip("\n")
        if not line:
            fail("--password-stdin: the first line of stdin is empty")
        return line
    if not sys.stdin.isatty():
        fail("no password: give --password-stdin or --generate (stdin is not a terminal)")
    first = getpass.getpass(f"password for {username}: ")
    if first != getpass.getpass("again: "):
        fail("the two passwords differ; nothing was changed")
    return first


def _show_generated(username: str, password: str) -> None:
    errors.print(
        styled(
            ("password for ", "bold"),
            (username, "bold"),
            ": ",
            password,
            ("  (shown once: hand it over safely)", "dim"),
        )
    )


@app.command("add")
def add(
    username: NameArgument,
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.")],
    name: Annotated[str, typer.Option(help="The person's full name.")] = "",
    email: Annotated[str, typer.Option(help="Their email address.")] = "",
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Add a user; commanders, the privacy officer and admins set up 2FA at first sign-in."""
    if role not in ROLES:
        fail(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    password = _password(username, password_stdin, generate, as_json)
    ctx = context(config, store_url)
    with session(ctx) as (access, who):
        user = access.users.add(username, role, password=password, by=who, name=name, email=email)
    if as_json:
        emit_json(_user_json(user))
        return
    console.print(styled("added ", (user.username, "bold"), f" as {user.role}"))
    if generate and password:
        _show_generated(user.username, password)
    _as_cli(who)


@app.command("list")
def list_users(
    as_json: JsonOption = False, config: ConfigOption = None, store_url: StoreOption = None
) -> None:
    """Every user with role, 2FA and whether they are disabled."""
    ctx = context(config, store_url)
    with session(ctx) as (access, _who):
        found = access.users.list()
    if as_json:
        emit_json([_user_json(u) for u in found])
        return
    table = Table(title=f"{len(found)} user(s)")
    for col in ("user", "name", "role", "2FA", "state", "created"):
        table.add_column(col)
    for u in found:
        table.add_row(
            u.username,
            u.name,
            u.role,
            "yes" if u.two_factor else "no",
            "disabled" if u.disabled else "active",
            show(u.created, ctx.zone, seconds=False),
        )
    console.print(table)


@app.command("show")
def show_user(
    username: NameArgument,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """One user: role, 2FA, recovery codes left, sessions and tokens."""
    from sentinel.access.permissions import permissions_of

    ctx = context(config, store_url)
    with session(ctx) as (access, _who):
        user = access.users.show(username)
        sessions = access.sessions.of_user(user.username)
        tokens = access.tokens.of_user(user.username)
    if as_json:
        emit_json(
            {
                **_user_json(user),
                "permissions": sorted(permissions_of(user.role)),
                "sessions": len(sessions),
                "tokens": [_token_json(t) for t in tokens],
            }
        )
        return
    z = ctx.zone
    console.print(styled((user.username, "bold"), f" — {user.name or 'no name'}, {user.role}"))
    console.print(f"state: {'disabled' if user.disabled else 'active'}")
    console.print(
        f"2FA: {'on' if user.two_factor else 'off'}"
        + (f", {user.recovery_codes_left} recovery code(s) left" if user.two_factor else "")
    )
    console.print(f"created {show(user.created, z)} by {user.created_by}")
    console.print(f"open sessions: {len(sessions)}")
    for t in tokens:
        state = "revoked" if t.doc.revoked else f"expires {show(t.doc.expires, z, seconds=False)}"
        console.print(f"token {t.id} {t.doc.name!r} [{', '.join(t.doc.scopes)}] {state}")


@app.command("disable")
def disable(
    username: NameArgument,
    enable: Annotated[bool, typer.Option("--enable", help="Enable the user again.")] = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Stop a user signing in or using tokens; their sessions end at once."""
    ctx = context(config, store_url)
    with session(ctx) as (access, who):
        user = access.users.set_disabled(username, not enable, by=who)
    if as_json:
        emit_json(_user_json(user))
        return
    console.print(f"{user.username} is {'disabled' if user.disabled else 'enabled'}")
    _as_cli(who)


@app.command("role")
def role(
    username: NameArgument,
    new_role: Annotated[str, typer.Argument(metavar="ROLE", help=f"One of {', '.join(ROLES)}.")],
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Give a user another role; their sessions end at once."""
    ctx = context(config, store_url)
    with session(ctx) as (access, who):
        user = access.users.set_role(username, new_role, by=who)
    if as_json:
        emit_json(_user_json(user))
        return
    console.print(f"{user.username} is now {user.role}; their sessions have ended")
    _as_cli(who)


@app.command("reset-2fa")
def reset_2fa(
    username: NameArgument,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Forget a user's authenticator and recovery codes (a lost phone); they enrol again."""
    ctx = context(config, store_url)
    with session(ctx) as (access, who):
        user = access.users.reset_second_factor(username, by=who)
    if as_json:
        emit_json(_user_json(user))
        return
    console.print(f"{user.username}'s second factor is reset; they set up a new one at sign-in")
    _as_cli(who)


@app.command("rotate-key")
def rotate_key(
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Seal every second-factor secret again with access.secret_key (the new key), opening
    them with access.old_secret_key[_file] (the former one); nobody enrols again."""
    from sentinel.access.secretbox import SecretKeyError

    ctx = context(config, store_url)
    with session(ctx) as (access, who):
        try:
            done = access.rotate_key(ctx.settings, by=who)
        except SecretKeyError as exc:
            fail(str(exc), Exit.USAGE)
    if as_json:
        emit_json({"resealed": done.resealed, "already": done.already})
        return
    console.print(
        f"second-factor secrets of {done.resealed} user(s) sealed with the new key"
        + (f" ({done.already} already were)" if done.already else "")
        + "; remove access.old_secret_key[_file] once every worker runs with the new key"
    )
    _as_cli(who)


@app.command("password")
def password(
    username: NameArgument,
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Set a user's password (a forgotten one); their sessions end."""
    new = _password(username, password_stdin, generate, False)
    assert new is not None
    ctx = context(config, store_url)
    with session(ctx) as (access, who):
        user = access.users.set_password(username, new, by=who)
    console.print(f"{user.username}'s password is set; their sessions have ended")
    if generate:
        _show_generated(user.username, new)
    _as_cli(who)


@token_app.command("create")
def token_create(
    username: NameArgument,
    name: Annotated[str, typer.Option("--name", help="What uses the token (e.g. 'SIEM export').")],
    scope: Annotated[
        list[str],
        typer.Option("--scope", help="A permission the token carries; repeat, or comma-separate."),
    ],
    days: Annotated[
        int | None, typer.Option("--days", min=1, help="Lifetime (default access.token_lifetime).")
    ] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """A token for a script, within the user's role. It is shown this once; keep it secret."""
    from sentinel.access.permissions import PERMISSIONS

    scopes = [s.strip() for item in scope for s in item.split(",") if s.strip()]
    if unknown := [s for s in scopes if s not in PERMISSIONS]:
        fail(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(PERMISSIONS)}")
    lifetime = timedelta(days=days) if days else None
    ctx = context(config, store_url)
    with session(ctx) as (access, who):
        text, token = access.create_token(username, name, scopes, by=who, lifetime=lifetime)
    if as_json:
        emit_json({**_token_json(token), "token": text})
        return
    console.print(text)
    errors.print(
        styled(
            ("token ", "dim"),
            token.id,
            (
                f" for {token.doc.user}, expires "
                f"{show(token.doc.expires, ctx.zone, seconds=False)}: shown once, "
                "send it as 'Authorization: Bearer …'",
                "dim",
            ),
        )
    )
    _as_cli(who)


@token_app.command("list")
def token_list(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Tokens (never their secrets): owner, scopes, expiry, last use."""
    ctx = context(config, store_url)
    with session(ctx) as (access, _who):
        found = access.tokens.of_user(username.strip().lower() if username else None)
    if as_json:
        emit_json([_token_json(t) for t in found])
        return
    table = Table(title=f"{len(found)} token(s)")
    for col in ("id", "user", "name", "scopes", "expires", "last used", "state"):
        table.add_column(col, overflow="fold")
    z = ctx.zone
    for t in found:
        d = t.doc
        table.add_row(
            t.id,
            d.user,
            d.name,
            ", ".join(d.scopes),
            show(d.expires, z, seconds=False),
            show(d.last_used, z, seconds=False) if d.last_used else "never",
            "revoked" if d.revoked else "active",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `users token list`).")],
    as_json: JsonOption = False,
    config: ConfigOption = None,
    store_url: StoreOption = None,
) -> None:
    """Stop a token at once."""
    ctx = context(config, store_url)
    with session(ctx) as (access, who):
        token = access.revoke_token(token_id, by=who)
    if as_json:
        emit_json(_token_json(token))
        return
    console.print(f"token {token.id} ({token.doc.name}) of {token.doc.user} is revoked")
    _as_cli(who)
