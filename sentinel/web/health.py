"""Liveness, readiness and Prometheus metrics, outside /api.

``/healthz`` says the process answers; ``/readyz`` that the store answers too; both
hold no data. ``/metrics`` holds figures about Sentinel's work (no personal data,
but incident ids and rule names) and asks for ``metrics:read``: give Prometheus an
API token with that scope (``authorization: {credentials: snt_…}`` in its scrape config).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from sentinel.store.base import StoreError
from sentinel.web.guard import Rule, check_rule
from sentinel.web.problems import problem

router = APIRouter(include_in_schema=False)
_PROBE = ("health", "probe")


@router.get("/healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    try:
        request.app.state.store.get_record(*_PROBE)
    except StoreError:
        return problem(503, "the store cannot be reached")
    return JSONResponse({"status": "ready"})


@router.get("/metrics", dependencies=[Depends(check_rule(Rule("permission", "metrics:read")))])
def metrics(request: Request) -> Response:
    body = generate_latest(REGISTRY) + generate_latest(request.app.state.metrics)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
