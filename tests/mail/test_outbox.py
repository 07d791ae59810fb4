"""Mail goes through the outbox: a mail server that is down never blocks a booking."""

import email
import email.policy
import socket
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from tauschring.db import atomic, db, utcnow
from tauschring.exchanges import service as exchanges
from tauschring.mail.models import OutgoingMail
from tauschring.mail.sender import MailSettings, send_due


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port():
    return free_port()


def settings(port):
    return MailSettings(host="127.0.0.1", port=port, security="none",
                        sender="Tauschring <ring@example.org>", timeout=5)


def outbox():
    db.session.rollback()
    return db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()


def test_booking_succeeds_while_mail_server_is_down_and_mail_follows_later(world, smtp_port):
    ring = world.ring()
    anna, bernd = world.member(ring, "Anna"), world.member(ring, "Bernd")
    exchange = atomic(exchanges.propose, anna.actor, provider_id=anna.id,
                      recipient_id=bernd.id, minutes=60, description="Einkauf",
                      performed_on=date.today())
    # Nobody listens on the port: sending fails, the booking does not.
    assert send_due(settings(smtp_port)) == (0, 1)
    booked = atomic(exchanges.confirm, bernd.actor, exchange.id)
    assert booked.state == "booked"
    assert send_due(settings(smtp_port)) == (0, 1)
    waiting = outbox()
    assert [m.to_address for m in waiting] == [bernd.email, anna.email]
    assert all(m.attempts == 1 and m.last_error and m.sent_at is None for m in waiting)
    assert all(m.next_attempt_at > utcnow() for m in waiting)

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        # Nothing is due before the retry pause ends ...
        assert send_due(settings(smtp_port)) == (0, 0)
        atomic(lambda s: s.execute(update(OutgoingMail).values(
            next_attempt_at=utcnow() - timedelta(seconds=1))))
        # ... then every waiting mail is delivered exactly once.
        assert send_due(settings(smtp_port)) == (2, 0)
        assert send_due(settings(smtp_port)) == (0, 0)
    finally:
        controller.stop()
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == sorted([anna.email, bernd.email])
    assert all(m.sent_at is not None for m in outbox())
    subjects = sorted(str(email.message_from_bytes(m.content, policy=email.policy.default)
                          ["Subject"]) for m in sink.messages)
    assert all("Einkauf" in subject for subject in subjects)


def test_switched_off_kind_is_listed_in_app_but_not_mailed(world):
    from tauschring.notifications.models import Notification
    from tauschring.notifications.service import set_mail_preferences

    ring = world.ring()
    anna, bernd = world.member(ring, "Anna"), world.member(ring, "Bernd")
    atomic(set_mail_preferences, bernd.id, {"awaiting_confirmation"})
    atomic(exchanges.propose, anna.actor, provider_id=anna.id, recipient_id=bernd.id,
           minutes=30, description="Vorlesen", performed_on=date.today())
    assert outbox() == []
    listed = db.session.scalars(select(Notification).where(
        Notification.member_id == bernd.id)).all()
    assert [n.kind for n in listed] == ["awaiting_confirmation"]
