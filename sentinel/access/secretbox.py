"""Encryption at rest for TOTP secrets: AES-256-GCM with a key that never enters the store.

Whoever reads the store (a backup, an Elasticsearch snapshot) must not be able to
compute anyone's codes. Each secret is sealed with the user it belongs to as
associated data, so a sealed secret copied onto another user's record does not open.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable
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
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise SecretKeyError("the secret key must be 32 bytes (base64 of 32 random bytes)")
        self._aead = AESGCM(key)

    @classmethod
    def generate_key_bytes(cls) -> bytes:
        return os.urandom(32)

    @classmethod
    def generate_key(cls) -> str:
        return base64.b64encode(cls.generate_key_bytes()).decode()

    @classmethod
    def from_settings(
        cls, settings: AccessSettings, default_file: Path = DEFAULT_FILE, *, create: bool = True
    ) -> SecretBox:
        """The key from ``access.secret_key``, else from its file (made 0600 when missing)."""
        if settings.secret_key is not None:
            return cls(_decode(settings.secret_key.get_secret_value(), "access.secret_key"))
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
        return cls(_decode(text, f"the secret key file {path}"))

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _PREFIX + base64.b64encode(nonce + sealed).decode()

    def open(self, token: str, context: str) -> str:
        if not token.startswith(_PREFIX):
            raise SecretKeyError("not a sealed secret")
        raw = base64.b64decode(token.removeprefix(_PREFIX))
        try:
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode()).decode()
        except InvalidTag:
            raise SecretKeyError(
                "a stored second-factor secret does not open with this key: is "
                "access.secret_key (or its file) the key it was enrolled with?"
            ) from None


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
