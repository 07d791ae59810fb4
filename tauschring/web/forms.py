"""The one place where domain errors become messages on a page's form.

The service's message is translated here, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_wtf import FlaskForm

from tauschring.db import atomic
from tauschring.errors import DomainError


def show_error(form: FlaskForm, error: DomainError, field_names: dict | None = None) -> None:
    """Put the refusal beside the field it concerns, or above the form.

    `field_names` maps a service's field name to the form's where they differ.
    """
    name = (field_names or {}).get(error.field, error.field)
    field = getattr(form, name, None) if name else None
    message = str(error.message)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


@dataclass(frozen=True)
class Outcome:
    """What `act` did: true if the service ran; else `status` is the refusal's."""

    result: Any = None
    status: int = 200
    refused: bool = False

    def __bool__(self) -> bool:
        return not self.refused


def act(form: FlaskForm, service, *args, field_map: dict | None = None, **kwargs) -> Outcome:
    """Run `service(session, *args, **kwargs)` in one transaction (`atomic`).

    A refusal (DomainError) is put on the form (show_error, with `field_map`)
    and the outcome is false, with the refusal's HTTP status; the page renders
    the form again. Otherwise the outcome holds the service's result."""
    try:
        result = atomic(service, *args, **kwargs)
    except DomainError as error:
        show_error(form, error, field_map)
        return Outcome(status=error.status, refused=True)
    return Outcome(result)
