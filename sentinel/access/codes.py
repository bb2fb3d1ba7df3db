"""High-entropy secrets handed out once: recovery codes, session ids, API token secrets.

They carry 80 bits or more of randomness, so a plain SHA-256 is enough to store them
(no salt or slow hash needed: there is no small space of likely values to try), and
the store only ever holds the hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

RECOVERY_CODES = 10


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_recovery_code() -> str:
    """``abcd-efgh-ijkl-mnop``: 80 bits in base32, easy to read out and type."""
    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def normalise_recovery_code(code: str) -> str:
    text = "".join(ch for ch in code.lower() if ch.isalnum())
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
