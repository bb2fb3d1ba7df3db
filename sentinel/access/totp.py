"""Time-based one-time passwords (RFC 6238) with pyotp, and the QR code to enrol them.

``matching_step`` says which 30-second step a code belongs to, so the caller can
refuse a code whose step was already used (replay) by keeping the last one.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
import segno

ISSUER = "Sentinel"
DRIFT = 1
"""Steps either side of now that are still accepted (a phone's clock a little off)."""


def new_secret() -> str:
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An SVG document of the otpauth:// URI, for an authenticator app to scan."""
    return segno.make(uri, error="m").svg_inline(scale=5, title="Sentinel second factor")


def normalise(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace())


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step the code was made for, within ``DRIFT`` of now; None when it matches none."""
    code = normalise(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT, current + DRIFT + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_at(secret: str, when: datetime) -> str:
    """The code an authenticator shows at ``when`` (for people scripting enrolment, and tests)."""
    return pyotp.TOTP(secret).at(when)
