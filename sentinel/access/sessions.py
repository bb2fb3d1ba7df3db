"""Server-side sessions: the cookie holds a random secret, the store only its digest.

A session ends when it has been idle too long, when it reaches its absolute age,
when its user signs out (here or everywhere), and at once when the user's role
changes or the user is disabled (the user's ``epoch`` moved past the session's).
Its id changes whenever it gains rights: at sign-in and when the second factor is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sentinel.access import codes
from sentinel.access.model import SESSION_KIND, SessionDoc, Stage, UserDoc
from sentinel.clock import Clock
from sentinel.config import AccessSettings
from sentinel.store.base import ConflictError, Store

HANDLE = 16
"""Characters of the digest shown as a session's handle (in "my sessions")."""
_TOUCH_EVERY = timedelta(seconds=30)


class SessionInvalid(Exception):
    """The cookie names no live session; the reason is for the audit trail, not the client."""

    def __init__(self, reason: str, user: str | None = None, handle: str | None = None) -> None:
        super().__init__(reason)
        self.user = user
        self.handle = handle


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    """Digest of the cookie secret (the record id)."""
    doc: SessionDoc
    version: str

    @property
    def handle(self) -> str:
        return self.id[:HANDLE]


class Sessions:
    def __init__(self, store: Store, clock: Clock, settings: AccessSettings) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings

    def create(
        self,
        user: UserDoc,
        stage: Stage,
        *,
        second_factor_at: datetime | None = None,
        client: str = "",
        agent: str = "",
    ) -> tuple[str, Session]:
        """A new session; returns the secret for the cookie (shown nowhere else)."""
        now = self.clock.now()
        secret = codes.random_token()
        doc = SessionDoc(
            user=user.username,
            stage=stage,
            created=now,
            last_seen=now,
            second_factor_at=second_factor_at,
            csrf=codes.random_token(),
            epoch=user.epoch,
            client=client[:64],
            agent=agent[:200],
        )
        sid = codes.digest(secret)
        rec = self.store.create_record(SESSION_KIND, sid, doc.dump())
        return secret, Session(sid, doc, rec.version)

    def expired(self, doc: SessionDoc) -> str | None:
        """Why a session has ended by time (absolute or idle), or None while it lives."""
        now = self.clock.now()
        if now - doc.created >= self.settings.session_absolute:
            return "session reached its absolute timeout"
        if now - doc.last_seen >= self.settings.session_idle:
            return "session idle too long"
        return None

    def end_expired(self, username: str) -> int:
        """Delete a user's sessions that have timed out (left behind by closed browsers)."""
        gone = [s for s in self.of_user(username) if self.expired(s.doc)]
        return sum(1 for s in gone if self.delete(s.id))

    def end_all_expired(self) -> int:
        """Delete every timed-out session in the store (the daily housekeeping)."""
        ended = 0
        after: str | None = None
        while True:
            records = self.store.find_records(SESSION_KIND, after=after)
            for r in records:
                doc = SessionDoc.load(SESSION_KIND, r.id[:HANDLE], r.data)
                if self.expired(doc) and self.delete(r.id):
                    ended += 1
            if len(records) < 1000:
                return ended
            after = records[-1].id

    def resolve(self, secret: str) -> Session:
        """The live session for a cookie; SessionInvalid (and the record gone) otherwise."""
        sid = codes.digest(secret)
        rec = self.store.get_record(SESSION_KIND, sid)
        if rec is None:
            raise SessionInvalid("no such session")
        doc: SessionDoc = SessionDoc.load(SESSION_KIND, sid[:HANDLE], rec.data)
        if why := self.expired(doc):
            self.store.delete_record(SESSION_KIND, sid)
            raise SessionInvalid(why, doc.user, sid[:HANDLE])
        return Session(sid, doc, rec.version)

    def touch(self, session: Session) -> Session:
        """Note activity (at most every 30 s, so reads do not all turn into writes)."""
        now = self.clock.now()
        if now - session.doc.last_seen < _TOUCH_EVERY:
            return session
        doc = session.doc.model_copy(update={"last_seen": now})
        try:
            rec = self.store.update_record(SESSION_KIND, session.id, doc.dump(), session.version)
        except ConflictError:
            return session  # another request of the same session touched it first
        return Session(session.id, doc, rec.version)

    def set_second_factor(self, session: Session, at: datetime) -> Session:
        """Remember a fresh second factor (step-up); re-read if a touch got in between."""
        for _attempt in range(5):
            rec = self.store.get_record(SESSION_KIND, session.id)
            if rec is None:
                raise SessionInvalid("session ended meanwhile")
            doc = SessionDoc.load(SESSION_KIND, session.handle, rec.data)
            doc = doc.model_copy(update={"second_factor_at": at, "last_seen": at})
            try:
                rec = self.store.update_record(SESSION_KIND, session.id, doc.dump(), rec.version)
            except ConflictError:
                continue
            return Session(session.id, doc, rec.version)
        raise SessionInvalid("session kept changing")

    def delete(self, session_id: str) -> bool:
        return self.store.delete_record(SESSION_KIND, session_id)

    def of_user(self, username: str) -> list[Session]:
        found: list[Session] = []
        after: str | None = None
        while True:
            records = self.store.find_records(SESSION_KIND, {"user": username}, after=after)
            found += [
                Session(r.id, SessionDoc.load(SESSION_KIND, r.id[:HANDLE], r.data), r.version)
                for r in records
            ]
            if len(records) < 1000:
                return found
            after = records[-1].id

    def delete_user(self, username: str, *, keep: str | None = None) -> int:
        """End every session of a user (but ``keep``); how many were ended."""
        ended = 0
        for s in self.of_user(username):
            if s.id != keep and self.delete(s.id):
                ended += 1
        return ended

    def by_handle(self, username: str, handle: str) -> Session | None:
        return next((s for s in self.of_user(username) if s.handle == handle), None)
