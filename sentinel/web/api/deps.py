"""What the resource routes share: the services' context, versions in ETag and If-Match."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Response

from sentinel.services.context import ServiceContext


def service_context(request: Request) -> ServiceContext:
    state = request.app.state
    return ServiceContext(state.settings, state.store, state.clock)


Ctx = Annotated[ServiceContext, Depends(service_context)]


def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The ETag (version) you read: the change applies only to that version; "
            "a stale one answers 409.",
        ),
    ] = None,
) -> str | None:
    """The version a change must apply to: the ETag as read, or None (apply to the latest)."""
    if value is None or value.strip() == "*":
        return None
    tag = value.strip().removeprefix("W/")
    return tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag


IfMatch = Annotated[str | None, Depends(if_match)]


def etag(response: Response, version: str) -> None:
    """The version as an ETag, to send back in If-Match with a change."""
    response.headers["ETag"] = f'"{version}"'
