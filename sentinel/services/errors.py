"""What a service refuses, by kind, so each front end answers in its own terms.

The command line turns them into exit codes, the API into problem+json statuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sentinel.drafts.errors import DraftError, DraftNotFound
from sentinel.incidents.facts import FactsError
from sentinel.incidents.model import IncidentError, IncidentNotFound
from sentinel.store.base import ConflictError


class ServiceError(Exception):
    """Refused or failed; the message says why and, where it can, how to fix it."""


class NotFound(ServiceError):
    """No such thing, or one the actor may not know exists (a restricted incident)."""


class Invalid(ServiceError):
    """The request itself is wrong (a bad value, a missing reason): nothing was done."""


class Refused(ServiceError):
    """Not possible in the current state (an alert already closed): nothing was done."""


class Stale(ServiceError):
    """Changed by someone else since the version the actor holds: reload and try again."""


class Forbidden(ServiceError):
    """The actor lacks the permission this needs."""


@contextmanager
def domain_errors() -> Iterator[None]:
    """The domain's refusals in the services' terms (one place, so every service maps alike)."""
    try:
        yield
    except (IncidentNotFound, DraftNotFound) as exc:
        raise NotFound(str(exc)) from None
    except (IncidentError, FactsError, DraftError) as exc:
        raise Invalid(str(exc)) from None
    except ConflictError as exc:
        raise Stale(str(exc)) from None
