"""Encryption at rest for TOTP secrets: AES-256-GCM with a key that never enters the store.

Whoever reads the store (a backup, an Elasticsearch snapshot) must not be able to
compute anyone's codes. Each secret is sealed with the user it belongs to as
associated data, so a sealed secret copied onto another user's record does not open.

The key can be changed: with the former one in ``access.old_secret_key`` (or its file)
secrets open with either key while ``sentinel users rotate-key`` seals them again with
the new one; new secrets are always sealed with the new key.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sentinel.config import AccessSettings, Settings

DEFAULT_FILE = Path("var/secret.key")
_PREFIX = "v1:"
_NONCE = 12


class SecretKeyError(Exception):
    """The key is missing, unreadable or not the one a secret was sealed with."""


class SecretBox:
    def __init__(self, key: bytes, previous: Sequence[bytes] = ()) -> None:
        """``previous``: keys that may still open secrets sealed before ``key`` came in."""
        if len(key) != 32 or any(len(k) != 32 for k in previous):
            raise SecretKeyError("the secret key must be 32 bytes (base64 of 32 random bytes)")
        self._key = key
        self._aead = AESGCM(key)
        self._previous = [AESGCM(k) for k in previous if not hmac.compare_digest(k, key)]

    def same_key(self, other: SecretBox) -> bool:
        return hmac.compare_digest(self._key, other._key)

    @classmethod
    def generate_key_bytes(cls) -> bytes:
        return os.urandom(32)

    @classmethod
    def generate_key(cls) -> str:
        return base64.b64encode(cls.generate_key_bytes()).decode()

    @classmethod
    def from_settings(
        cls,
        settings: AccessSettings,
        default_file: Path = DEFAULT_FILE,
        *,
        create: bool = True,
        with_old: bool = True,
    ) -> SecretBox:
        """The key from ``access.secret_key``, else from its file (made 0600 when missing);
        secrets also open with ``access.old_secret_key`` while it is set (``with_old``)."""
        use_old = with_old and settings.old_secret_key is not None
        previous = [old_key(settings)[0]] if use_old else []
        if settings.secret_key is not None:
            key = _decode(settings.secret_key.get_secret_value(), "access.secret_key")
            return cls(key, previous)
        path = settings.secret_key_file or default_file
        if not path.exists() and create:
            _create_key_file(path)
        try:
            text = path.read_text().strip()
        except OSError as exc:
            raise SecretKeyError(
                f"cannot read the secret key file {path} ({exc.strerror}); set "
                "access.secret_key_file or SENTINEL_ACCESS__SECRET_KEY"
            ) from None
        return cls(_decode(text, f"the secret key file {path}"), previous)

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _PREFIX + base64.b64encode(nonce + sealed).decode()

    def open(self, token: str, context: str) -> str:
        if not token.startswith(_PREFIX):
            raise SecretKeyError("not a sealed secret")
        raw = base64.b64decode(token.removeprefix(_PREFIX))
        for aead in (self._aead, *self._previous):
            try:
                return aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode()).decode()
            except InvalidTag:
                continue
        raise SecretKeyError(
            "a stored second-factor secret does not open with this key: is "
            "access.secret_key (or its file) the key it was enrolled with?"
        )


class LazyBox:
    """Reads the key the first time a secret is sealed or opened, not when Sentinel starts:
    signing in with a password alone, or serving pages, never touches the key."""

    def __init__(self, load: Callable[[], SecretBox]) -> None:
        self._load = load
        self._box: SecretBox | None = None

    def _get(self) -> SecretBox:
        if self._box is None:
            self._box = self._load()
        return self._box

    def seal(self, plaintext: str, context: str) -> str:
        return self._get().seal(plaintext, context)

    def open(self, token: str, context: str) -> str:
        return self._get().open(token, context)


def old_key(settings: AccessSettings) -> tuple[bytes, str]:
    """The former key and the setting it came from (for messages), or SecretKeyError."""
    where = (
        f"access.old_secret_key_file ({settings.old_secret_key_file})"
        if settings.old_secret_key_file is not None
        else "access.old_secret_key"
    )
    if settings.old_secret_key is None:
        raise SecretKeyError(
            "no former key to open the secrets with: set access.old_secret_key_file (or "
            "SENTINEL_ACCESS__OLD_SECRET_KEY) to the key access.secret_key held before"
        )
    return _decode(settings.old_secret_key.get_secret_value(), where), where


def key_file(settings: Settings) -> Path:
    """Where the key is read from when ``access.secret_key`` is unset."""
    if settings.access.secret_key_file is not None:
        return settings.access.secret_key_file
    if settings.store_url.startswith("sqlite:///"):
        return Path(settings.store_url.removeprefix("sqlite:///")).parent / "secret.key"
    return DEFAULT_FILE


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SecretKeyError(
            f"{where} is not base64 (make one with `openssl rand -base64 32`)"
        ) from None
    if len(key) != 32:
        raise SecretKeyError(f"{where} must hold 32 bytes, base64-encoded; it holds {len(key)}")
    return key


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(SecretBox.generate_key() + "\n")
