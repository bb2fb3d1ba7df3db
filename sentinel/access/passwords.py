"""Passwords: Argon2id hashes, a length policy, and the same work for unknown names."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024
"""Long enough for any passphrase, short enough that hashing cannot be used to tie us up."""


class PasswordRefused(ValueError):
    """The new password does not meet the policy; the message says which rule."""


class Passwords:
    """Argon2id with argon2-cffi's recommended parameters unless a hasher is given."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    def check_policy(self, username: str, password: str) -> None:
        if len(password) < MIN_LENGTH:
            raise PasswordRefused(f"a password needs at least {MIN_LENGTH} characters")
        if len(password) > MAX_LENGTH:
            raise PasswordRefused(f"a password may have at most {MAX_LENGTH} characters")
        if password.strip().lower() == username.lower():
            raise PasswordRefused("a password must not be the user name")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches; an unknown user (None) costs as much as a known one."""
        if len(password) > MAX_LENGTH:
            return False
        if stored is None and self._dummy is None:
            self._dummy = self.hasher.hash("sentinel: no such user")
        try:
            return self.hasher.verify(stored or self._dummy or "", password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)
