"""What an e-mail address is: one rule for the pages, the API, the command
line and the import, so an address accepted anywhere can log in everywhere."""

from __future__ import annotations

import re

from tauschring.errors import Invalid
from tauschring.i18n import _l

MAX_LENGTH = 254
# Deliberately plain: a local part, "@", and a domain with a dot; no spaces or
# control characters. Deliverability is the mail server's business, and
# special-use domains (.local, .example, .test) are real in some associations.
ADDRESS = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def is_email(email: str) -> bool:
    return len(email) <= MAX_LENGTH and ADDRESS.fullmatch(email) is not None


def checked_email(email: str | None, field: str = "email") -> str:
    """The normalised address, or Invalid naming `field`."""
    email = normalise_email(email)
    if not is_email(email):
        raise Invalid(_l("This is not an e-mail address."), code="email_invalid", field=field)
    return email


class EmailAddress:
    """The same rule as a WTForms validator."""

    def __call__(self, form, field) -> None:
        from wtforms.validators import ValidationError

        if field.data and not is_email(normalise_email(field.data)):
            raise ValidationError(_l("This is not an e-mail address."))
