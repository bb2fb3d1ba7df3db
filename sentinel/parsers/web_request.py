"""An HTTP request line as a web server logs it, to ``http.*`` and ``url.*`` fields.

Shared by the access-log (``combined``) and error-log (``web_error``) formats, so a
request reads the same from either. ``url.original`` is the target as logged;
``url.path`` its path percent-decoded, because that is the resource the server
served and the data map matches on it (``/portal/%6Dembers/M1`` must not slip past a
rule for ``/portal/members/M1``). A request line that is not ``METHOD target
[HTTP/x]`` (a TLS handshake sent to a plain port, a timed-out ``-``) is kept as
written in ``labels.request``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

_METHOD = re.compile(r"[A-Za-z][A-Za-z_-]*", re.ASCII)


def request_fields(request: str, fields: dict[str, Any]) -> None:
    method, sep, rest = request.partition(" ")
    if not sep or not rest or not _METHOD.fullmatch(method):
        fields["labels.request"] = request
        return
    target, sep, protocol = rest.rpartition(" ")
    if sep and protocol.startswith("HTTP/"):
        fields["http.version"] = protocol[5:]
    else:
        target = rest
    fields["http.request.method"] = method
    fields["url.original"] = target
    if target.startswith("/"):
        path, question, query = target.partition("?")
    elif "://" in target:
        try:
            parts = urlsplit(target)
        except ValueError:
            return
        path, question, query = parts.path or "/", "?" if "?" in target else "", parts.query
    else:
        return
    fields["url.path"] = unquote(path, errors="replace") if "%" in path else path
    if question:
        fields["url.query"] = query
