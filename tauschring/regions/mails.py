"""Mails to the person who asked for help, one at each step, in their language."""

from __future__ import annotations

from flask import has_app_context, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from tauschring.mail import service as mail


def help_step(session: Session, request, region, template: str) -> None:
    """Queue templates/regions/mail/<template>.txt to the asker, if they left an e-mail
    address (and it was not deleted after the retention period)."""
    if not request.email or not has_app_context():
        return
    with force_locale(request.language or "de"):
        text = render_template(f"regions/mail/{template}.txt", request=request, region=region,
                               base_url=mail.base_url())
    subject, _, body = text.strip().partition("\n")
    mail.queue(session, to_address=request.email, subject=subject.strip(),
               body=body.strip() + "\n")
