"""The JSON API under /api: sign-in and users here; resource routes add their routers."""

from __future__ import annotations

from fastapi import FastAPI

from sentinel.web.api import auth, users


def mount_api(app: FastAPI) -> None:
    app.include_router(auth.router)
    app.include_router(users.router)
