"""The store itself: create what is missing, say what is wrong, purge old events.

Run on the machine by whoever keeps Sentinel (``store:admin``). Purging takes events
and dead letters only; incidents, alerts, the audit trail and the breach register are
records and are never purged.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from pydantic import BaseModel

from sentinel.alerts import add_group_terms
from sentinel.config import parse_duration
from sentinel.incidents.facts import Time
from sentinel.services.actor import Actor, require
from sentinel.services.context import ServiceContext
from sentinel.services.errors import Invalid

MIN_AGE = timedelta(days=1)
"""Purging younger events would pull data from under detection's windows."""


def shown_url(url: str) -> str:
    """The store URL without any user name or password in it."""
    netloc = urlsplit(url).netloc
    if "@" not in netloc:
        return url
    return url.replace(netloc, netloc.rpartition("@")[2], 1)


class StoreInit(BaseModel):
    store: str
    """The store's URL, without credentials."""
    done: list[str]
    """What was created (nothing when all was in place)."""


class StoreCheck(BaseModel):
    store: str
    ok: bool
    problems: list[str]
    """What is missing or wrong, each with how to put it right."""


class Purged(BaseModel):
    before: Time
    events: int
    dead_letters: int
    indices: list[str]
    """Whole indices dropped (Elasticsearch)."""


class StoreService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @property
    def url(self) -> str:
        return shown_url(self.ctx.settings.store_url)

    def init(self, actor: Actor) -> StoreInit:
        """Create what is missing (tables, or index templates and indices); safe to repeat."""
        require(actor, "store:admin")
        done = self.ctx.store.init()
        if indexed := add_group_terms(self.ctx.store):
            done.append(f"indexed the groups of {indexed} alerts for the queue's filters")
        return StoreInit(store=self.url, done=done)

    def check(self, actor: Actor) -> StoreCheck:
        """What is missing or wrong in the store, changing nothing."""
        require(actor, "store:admin")
        problems = self.ctx.store.check()
        return StoreCheck(store=self.url, ok=not problems, problems=problems)

    def cutoff(self, older_than: str) -> datetime:
        """The time before which a purge of ``older_than`` ('180d', '26w') deletes."""
        try:
            age = parse_duration(older_than)
        except ValueError as exc:
            raise Invalid(f"--older-than: {exc}") from None
        if age < MIN_AGE:
            raise Invalid(
                f"--older-than {older_than} is less than a day; detection still reads those events"
            )
        return self.ctx.clock.now() - age

    def purge(self, actor: Actor, before: datetime) -> Purged:
        """Delete events and dead letters from before ``before`` (whole indices where possible)."""
        require(actor, "store:admin")
        if self.ctx.clock.now() - before < MIN_AGE:
            raise Invalid("events of the last day are never purged: detection still reads them")
        result = self.ctx.store.purge(before)
        return Purged(
            before=before,
            events=result.events,
            dead_letters=result.dead_letters,
            indices=result.indices,
        )
