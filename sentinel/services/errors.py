"""What a service refuses, by kind, so each front end answers in its own terms.

The command line turns them into exit codes, the API into problem+json statuses.
"""

from __future__ import annotations


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
