"""The family of domain errors.

Services raise these with a precise `code` (the refusal's name, as in
TigerBeetle: `exceeds_min_balance`, `already_reversed`, ...) and a message
for people, written with `tauschring.i18n._l` so that it is translated when it
is shown: in the reader's language on pages and in the API, in English at the
command line. The API, the pages and the CLI each map them in one place and
render the message with str().
"""

from __future__ import annotations

from flask_babel.speaklater import LazyString


class DomainError(Exception):
    """A request the domain refuses. Nothing has changed when it is raised."""

    status = 422
    code = "invalid"

    def __init__(self, message: str | LazyString, *, code: str | None = None,
                 field: str | None = None, **details):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.details = details

    def __str__(self) -> str:
        """The message in the current language (English outside a request)."""
        return str(self.message)


class Invalid(DomainError):
    """Well-formed but not acceptable (422): a limit, an amount, a closed account."""


class NotFound(DomainError):
    """Unknown, or not visible to the caller (404)."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """Known and visible, but the caller may not do this (403)."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """Conflicts with the current state (409): already reversed, key reused."""

    status = 409
    code = "conflict"


class Unauthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Throttled(DomainError):
    status = 429
    code = "throttled"

    def __init__(self, message: str | LazyString, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
