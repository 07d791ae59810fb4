"""Sending the outbox over SMTP, with retries.

Mail is sent after the transaction that queued it has committed, by
`tauschring mail send` (for cron) or the worker thread `tauschring serve`
starts. Each mail is claimed for a few minutes before it is sent, so two
senders never send the same mail at once; a failure is retried later with a
growing pause, and a mail that fails MAX_ATTEMPTS times is parked. A mail
server that is down delays mail, and a mail that cannot be sent delays no
other mail.
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
from tauschring.office.models import attachments_of
from tauschring.text import printable

# The pause after the 1st, 2nd, ... failed try. The 8th and last try comes about
# two days after the first: a mail server down for a weekend delays mail, while a
# mail that can never be sent stops being tried (it is "parked") and leaves the
# rest of the outbox alone.
RETRY_PAUSES = [timedelta(minutes=m) for m in (1, 5, 30, 120, 360, 720, 1440)]
MAX_ATTEMPTS = 8
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
    for attachment in attachments_of(db.session, mail.id):  # e.g. a statement as PDF
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                               filename=attachment.filename)
    return message


class Outcome(tuple):
    """What one run of `send_due` did: (sent, failed), and how many of the failed
    were parked by it (tried MAX_ATTEMPTS times: no further tries)."""

    def __new__(cls, sent: int = 0, failed: int = 0, parked: int = 0):
        outcome = super().__new__(cls, (sent, failed))
        outcome.parked = parked
        return outcome

    @property
    def sent(self) -> int:
        return self[0]

    @property
    def failed(self) -> int:
        return self[1]

    def line(self) -> str:
        """One line for people: the command line and the log."""
        return (f"sent {self.sent}, failed {self.failed}, parked {self.parked} "
                f"(failed mail is tried again later; parked mail, after {MAX_ATTEMPTS} "
                "tries, is not)")


def send_due(settings: MailSettings, *, batch: int = 100) -> Outcome:
    """Send what is due; return the Outcome, (sent, failed). Needs an app context.

    Each mail on its own: whatever goes wrong with one (a header it cannot
    have, a refused recipient, a dropped connection) is recorded on that
    mail, which is tried again after a growing pause and parked after
    MAX_ATTEMPTS tries, and the next mail is sent on a fresh connection. Only
    a server that cannot be reached at all ends the run early: the mail not
    yet tried waits for the next run, untouched.
    """
    if not settings.host:
        return Outcome()
    due = db.session.scalars(
        select(OutgoingMail.id).where(OutgoingMail.sent_at.is_(None),
                                      OutgoingMail.attempts < MAX_ATTEMPTS,
                                      OutgoingMail.next_attempt_at <= utcnow())
        .order_by(OutgoingMail.id).limit(batch)).all()
    db.session.rollback()
    sent = failed = parked = 0
    smtp = None

    def fail(mail_id: int, error: Exception) -> None:
        nonlocal failed, parked
        failed += 1
        parked += atomic(_failed, mail_id, f"{type(error).__name__}: {error}")

    try:
        for mail_id in due:
            mail = atomic(_claim, mail_id)
            if mail is None:
                continue
            try:
                message = _message(mail, settings)
            except Exception as error:  # e.g. ValueError: a line break in a header
                fail(mail_id, error)
                continue
            if smtp is None:
                try:
                    smtp = _connect(settings)
                except Exception as error:  # the server cannot be reached
                    fail(mail_id, error)
                    break
            try:
                smtp.send_message(message)
            except Exception as error:  # this mail only; the next gets a new connection
                fail(mail_id, error)
                _close(smtp)
                smtp = None
            else:
                sent += 1
                atomic(_sent, mail_id)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except Exception:
                _close(smtp)
    return Outcome(sent, failed, parked)


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except Exception:  # closing a broken connection may fail again; it is gone either way
        pass


def _sent(session, mail_id: int) -> None:
    mail = session.get(OutgoingMail, mail_id)
    mail.sent_at = utcnow()
    mail.attempts += 1
    mail.last_error = None


def _failed(session, mail_id: int, error: str) -> bool:
    """Record a failed try; True when it was the last one (the mail is parked)."""
    mail = session.get(OutgoingMail, mail_id)
    pause = RETRY_PAUSES[min(mail.attempts, len(RETRY_PAUSES) - 1)]
    mail.attempts += 1
    # The error's text comes from anywhere (a mail server, a header): keep it storable.
    mail.last_error = printable(error)[:2000]
    mail.next_attempt_at = utcnow() + pause
    return mail.attempts >= MAX_ATTEMPTS


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
                    outcome = send_due(settings)
                    if outcome.failed:
                        self.app.logger.warning("mail: %s", outcome.line())
                except Exception:  # keep the worker alive; the next round retries
                    self.app.logger.exception("sending mail failed")
                finally:
                    db.session.remove()
