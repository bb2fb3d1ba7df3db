"""The second factor: TOTP enrolment and checks with replay protection, and recovery codes.

A code is accepted once: the step it was made for is written to the user record
in the same optimistic update that accepts it, so the same code presented twice,
even by two requests at the same moment, succeeds only once. Recovery codes are
single-use the same way. The TOTP secret is sealed with the user's name as
associated data and opened only here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.access import codes, totp
from sentinel.access.model import PendingTotp, RecoveryCode, Totp, UserDoc
from sentinel.access.secretbox import LazyBox, SecretBox
from sentinel.access.users import UserError, UserRecords
from sentinel.clock import Clock
from sentinel.config import AccessSettings


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the user's authenticator needs; shown once, while enrolment is pending."""

    secret: str
    uri: str
    svg: str


class SecondFactor:
    def __init__(
        self, records: UserRecords, clock: Clock, box: SecretBox | LazyBox, settings: AccessSettings
    ) -> None:
        self.records = records
        self.clock = clock
        self.box = box
        self.settings = settings

    def start_enrolment(self, username: str) -> Enrolment:
        """A new secret, pending until a code from it is confirmed; refused when one is active."""
        secret = totp.new_secret()

        def apply(doc: UserDoc) -> UserDoc:
            if doc.totp is not None:
                raise UserError(
                    "a second factor is already set up; an admin can reset it "
                    "(`sentinel users reset-2fa`) if the device is lost"
                )
            doc.totp_pending = PendingTotp(
                secret=self.box.seal(secret, doc.username), started=self.clock.now()
            )
            return doc

        doc = self.records.change(username, apply)
        uri = totp.provisioning_uri(secret, doc.username)
        return Enrolment(secret=secret, uri=uri, svg=totp.qr_svg(uri))

    def pending_enrolment(self, username: str) -> Enrolment | None:
        """The enrolment still waiting for its first code (to show the QR again)."""
        doc = self.records.get(username).doc
        pending = doc.totp_pending
        if pending is None or self._expired(pending):
            return None
        secret = self.box.open(pending.secret, doc.username)
        uri = totp.provisioning_uri(secret, doc.username)
        return Enrolment(secret=secret, uri=uri, svg=totp.qr_svg(uri))

    def confirm_enrolment(self, username: str, code: str) -> list[str] | None:
        """Activate the pending secret with a code from it; the ten recovery codes, or None."""
        now = self.clock.now()
        fresh = [codes.new_recovery_code() for _ in range(codes.RECOVERY_CODES)]
        accepted: list[bool] = []

        def apply(doc: UserDoc) -> UserDoc | None:
            accepted.clear()
            pending = doc.totp_pending
            if doc.totp is not None:
                raise UserError("a second factor is already set up")
            if pending is None or self._expired(pending):
                raise UserError("no enrolment is waiting (or it expired); start it again")
            step = totp.matching_step(self.box.open(pending.secret, doc.username), code, now)
            if step is None:
                return None
            doc.totp = Totp(secret=pending.secret, enrolled=now, last_step=step)
            doc.totp_pending = None
            doc.recovery = [RecoveryCode(digest=codes.digest(c)) for c in fresh]
            accepted.append(True)
            return doc

        self.records.change(username, apply)
        return fresh if accepted else None

    def verify(self, username: str, code: str) -> bool:
        """True once for a right code; False for a wrong one, an old one or one already used."""
        now = self.clock.now()
        accepted: list[bool] = []

        def apply(doc: UserDoc) -> UserDoc | None:
            accepted.clear()
            if doc.totp is None:
                return None
            step = totp.matching_step(self.box.open(doc.totp.secret, doc.username), code, now)
            if step is None or step <= doc.totp.last_step:
                return None
            doc.totp.last_step = step
            accepted.append(True)
            return doc

        self.records.change(username, apply)
        return bool(accepted)

    def use_recovery_code(self, username: str, code: str) -> int | None:
        """Spend one recovery code; how many are left, or None when it is wrong or spent."""
        wanted = codes.digest(codes.normalise_recovery_code(code))
        left: list[int] = []

        def apply(doc: UserDoc) -> UserDoc | None:
            left.clear()
            for rc in doc.recovery:
                if rc.used is None and codes.same_digest(wanted, rc.digest):
                    rc.used = self.clock.now()
                    left.append(sum(1 for c in doc.recovery if c.used is None))
                    return doc
            return None

        self.records.change(username, apply)
        return left[0] if left else None

    def new_recovery_codes(self, username: str) -> list[str]:
        """Ten fresh codes replacing all earlier ones (for someone who used most of theirs)."""
        fresh = [codes.new_recovery_code() for _ in range(codes.RECOVERY_CODES)]

        def apply(doc: UserDoc) -> UserDoc:
            if doc.totp is None:
                raise UserError("set up a second factor first")
            doc.recovery = [RecoveryCode(digest=codes.digest(c)) for c in fresh]
            return doc

        self.records.change(username, apply)
        return fresh

    def _expired(self, pending: PendingTotp) -> bool:
        return self.clock.now() - pending.started > self.settings.enrolment_window
