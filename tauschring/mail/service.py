"""Queueing mail in the outbox; sending it happens afterwards (see sender.py)."""

from __future__ import annotations

from flask import current_app, has_app_context, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from tauschring.mail.models import OutgoingMail
from tauschring.text import one_line


def queue(session: Session, *, to_address: str, subject: str, body: str,
          ring_id: int | None = None, member_id: int | None = None) -> OutgoingMail:
    # The subject is made from templates and stored texts (an exchange's
    # description): a header is one line, so line breaks become spaces.
    mail = OutgoingMail(to_address=to_address, subject=one_line(subject)[:200], body=body,
                        ring_id=ring_id, member_id=member_id)
    session.add(mail)
    session.flush()
    return mail


def queue_template(session: Session, member, template: str, **context) -> OutgoingMail | None:
    """Render templates/mail/<template>.txt in the member's language and queue it.

    The template's first line is the subject. Outside an app (unit tests of
    services without Flask) nothing is queued.
    """
    if not has_app_context():
        return None
    with force_locale(member.language or "de"):
        text = render_template(f"mail/{template}.txt", member=member,
                               base_url=base_url(), **context)
    subject, _, body = text.strip().partition("\n")
    return queue(session, to_address=member.email, subject=subject.strip(),
                 body=body.strip() + "\n", ring_id=member.ring_id, member_id=member.id)


def base_url() -> str:
    """Where links in mails point: the configured base URL (see tauschring.app),
    never the address a request names, which its sender chooses."""
    return current_app.config["BASE_URL"].rstrip("/")
