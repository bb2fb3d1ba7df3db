"""Errors as problem+json (RFC 9457): a status, a title and a detail a person can act on.

Nothing a client sent is echoed back (a validation error names the field and what is
wrong with it, never the value), so a password or token typed into the wrong field
never comes back in an error, and no stack trace leaves the server.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from sentinel.access.authn import AuthFailed, WrongStage
from sentinel.access.need_to_know import Hidden
from sentinel.access.passwords import PasswordRefused
from sentinel.access.throttle import LockedOut
from sentinel.access.tokens import TokenNotFound, TokenRefused
from sentinel.access.users import UserError, UserNotFound
from sentinel.services.errors import Forbidden, Invalid, NotFound, Refused, Stale
from sentinel.store.base import ConflictError, StoreUnavailable
from sentinel.web.refusals import record_refusal

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("sentinel.web")


class Problem(BaseModel):
    """The body of every error answer."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    code: str | None = None
    """A stable name for what went wrong that a page or script can act on
    (``step_up_required``, ``second_factor_required``, ``csrf``, ``locked``)."""
    errors: list[dict[str, Any]] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {
        "model": Problem,
        "description": "A problem (RFC 9457): what went wrong and what to do about it",
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for code in ("4XX", "5XX")
}
"""How every API route documents its errors; they replace FastAPI's own 422 shape."""


class ApiError(Exception):
    """Raised by routes and guards: becomes a problem answer with this status."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.headers = headers or {}


def problem(
    status: int,
    detail: str = "",
    *,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body = Problem(
        title=HTTPStatus(status).phrase, status=status, detail=detail, code=code, errors=errors
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def unauthorized(detail: str = "sign in first", code: str | None = None) -> JSONResponse:
    return problem(401, detail, code=code, headers={"WWW-Authenticate": 'Bearer realm="sentinel"'})


_BY_KIND: list[tuple[type[Exception], int, str | None]] = [
    (Hidden, 404, None),
    (NotFound, 404, None),
    (UserNotFound, 404, None),
    (TokenNotFound, 404, None),
    (AuthFailed, 401, "auth_failed"),
    (WrongStage, 409, "wrong_stage"),
    (Stale, 409, "stale"),
    (ConflictError, 409, "stale"),
    (Refused, 409, None),
    (Invalid, 422, None),
    (PasswordRefused, 422, None),
    (TokenRefused, 422, None),
    (UserError, 422, None),
]


def install(app: FastAPI) -> None:
    """Every error the API can meet, answered as problem+json."""

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = dict(exc.headers)
        if exc.status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="sentinel"')
        return problem(exc.status, exc.detail, code=exc.code, headers=headers)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['where']}: {e['problem']}" for e in errors)
        return problem(422, detail, errors=errors)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        await run_in_threadpool(record_refusal, request, str(exc))
        return problem(403, str(exc))

    @app.exception_handler(LockedOut)
    async def locked(_request: Request, exc: LockedOut) -> JSONResponse:
        wait = max(1, int((exc.until - app.state.clock.now()).total_seconds()))
        return problem(
            429,
            f"too many failed attempts: try again in {(wait + 59) // 60} minute(s)",
            code="locked",
            headers={"Retry-After": str(wait)},
        )

    @app.exception_handler(StoreUnavailable)
    async def unavailable(_request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.error("store unavailable: %s", exc)
        return problem(503, "the store cannot be reached right now; try again shortly")

    for kind, status, code in _BY_KIND:
        app.add_exception_handler(kind, _handler(status, code))

    @app.exception_handler(Exception)
    async def crashed(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem(500, "Sentinel hit an unexpected error; it is in the server log")


def _handler(status: int, code: str | None) -> Any:
    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        return problem(status, str(exc), code=code)

    return handle
