"""The remote end of a connection as logged: an address or a resolved host name."""

from __future__ import annotations

from typing import Any

from sentinel.parsers.fields import address_field


def remote(fields: dict[str, Any], address: str | None, port: str | None = None) -> None:
    """``source.address`` as written, and ``source.ip`` or ``source.domain`` by what it is.

    A rule keyed on the remote end uses ``source.address``, which holds either kind;
    ``source.ip`` is set only for an address, so IP rules and geo lookup never see a name.
    """
    if address:
        fields["source.address"] = address
        fields[address_field(address)] = address
    if port is not None:
        fields["source.port"] = int(port)


def user(fields: dict[str, Any], name: str | None, key: str = "user.name") -> None:
    """A user name as logged, without the spaces some programs log around it."""
    if name is not None and (stripped := name.strip()):
        fields[key] = stripped
