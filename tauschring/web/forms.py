"""The one place where domain errors become messages on a page's form.

The service's message is translated here, in the reader's language."""

from __future__ import annotations

from flask_wtf import FlaskForm

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
