"""Permission refusals go into the audit trail with who was refused what, and where."""

from __future__ import annotations

from fastapi import Request

from sentinel.access import auditing
from sentinel.access.model import Principal


def record_refusal(request: Request, reason: str, code: str = "forbidden") -> None:
    who: Principal | None = getattr(request.state, "principal", None)
    auditing.record(
        request.app.state.store,
        request.app.state.clock,
        who if who is not None else "-",
        "access.refused",
        f"{request.method} {request.url.path}",
        {"reason": reason, "code": code},
    )
