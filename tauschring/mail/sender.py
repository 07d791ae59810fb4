"""Sending the outbox over SMTP, with retries.

Mail is sent after the transaction that queued it has committed, by
`tauschring mail send` (for cron) or the worker thread `tauschring serve`
starts. Each mail is claimed for a few minutes before it is sent, so two
senders never send the same mail at once; a failure is retried later with a
growing pause. A mail server that is down delays mail, nothing else.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask
from sqlalchemy import select, update

from tauschring.config import ConfigError
from tauschring.db import atomic, db, utcnow
from tauschring.mail.models import OutgoingMail

RETRY_PAUSES = [timedelta(minutes=m) for m in (1, 5, 15, 60, 240, 720)]
MAX_ATTEMPTS = 20
CLAIM = timedelta(minutes=5)


@dataclass(frozen=True)
class MailSettings:
    host: str = ""  # empty: mail stays in the outbox
    port: int = 25
    username: str = ""
    password: str = ""
    security: str = "starttls"  # "starttls", "ssl" or "none"
    sender: str = "Tauschring <tauschring@localhost>"
    timeout: int = 20

    @classmethod
    def from_config(cls, extra: dict) -> MailSettings:
        values = {}
        for key, kind in (("host", str), ("port", int), ("username", str),
                          ("password", str), ("security", str), ("sender", str),
                          ("timeout", int)):
            if f"mail.{key}" in extra:
                value = extra[f"mail.{key}"]
                if not isinstance(value, kind) or isinstance(value, bool):
                    raise ConfigError(f"mail.{key} must be a {kind.__name__}")
                values[key] = value
        if values.get("security", "starttls") not in ("starttls", "ssl", "none"):
            raise ConfigError('mail.security must be "starttls", "ssl" or "none"')
        return cls(**values)


def settings_of(app: Flask) -> MailSettings:
    return MailSettings.from_config(app.config["TAUSCHRING"].extra)


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if settings.username:
        smtp.login(settings.username, settings.password)
    return smtp


def _claim(session, mail_id: int) -> OutgoingMail | None:
    now = utcnow()
    claimed = session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.sent_at.is_(None),
               OutgoingMail.next_attempt_at <= now)
        .values(next_attempt_at=now + CLAIM)).rowcount
    return session.get(OutgoingMail, mail_id) if claimed else None


def _message(mail: OutgoingMail, settings: MailSettings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="tauschring")
    message.set_content(mail.body)
    return message


def send_due(settings: MailSettings, *, batch: int = 100) -> tuple[int, int]:
    """Send what is due; return (sent, failed). Needs an app context."""
    if not settings.host:
        return 0, 0
    due = db.session.scalars(
        select(OutgoingMail.id).where(OutgoingMail.sent_at.is_(None),
                                      OutgoingMail.attempts < MAX_ATTEMPTS,
                                      OutgoingMail.next_attempt_at <= utcnow())
        .order_by(OutgoingMail.id).limit(batch)).all()
    db.session.rollback()
    sent = failed = 0
    smtp = None
    try:
        for mail_id in due:
            mail = atomic(_claim, mail_id)
            if mail is None:
                continue
            try:
                smtp = smtp or _connect(settings)
                smtp.send_message(_message(mail, settings))
            except (OSError, smtplib.SMTPException) as error:
                failed += 1
                atomic(_failed, mail_id, f"{type(error).__name__}: {error}")
                if smtp is not None:
                    smtp.close()
                smtp = None
            else:
                sent += 1
                atomic(_sent, mail_id)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return sent, failed


def _sent(session, mail_id: int) -> None:
    mail = session.get(OutgoingMail, mail_id)
    mail.sent_at = utcnow()
    mail.attempts += 1
    mail.last_error = None


def _failed(session, mail_id: int, error: str) -> None:
    mail = session.get(OutgoingMail, mail_id)
    pause = RETRY_PAUSES[min(mail.attempts, len(RETRY_PAUSES) - 1)]
    mail.attempts += 1
    mail.last_error = error[:2000]
    mail.next_attempt_at = utcnow() + pause


class MailWorker(threading.Thread):
    """Sends the outbox every `interval` seconds while the server runs."""

    def __init__(self, app: Flask, interval: float = 15.0):
        super().__init__(name="tauschring-mail", daemon=True)
        self.app, self.interval = app, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        settings = settings_of(self.app)
        while not self.stopped.wait(self.interval):
            with self.app.app_context():
                try:
                    send_due(settings)
                except Exception:  # keep the worker alive; the next round retries
                    self.app.logger.exception("sending mail failed")
                finally:
                    db.session.remove()
