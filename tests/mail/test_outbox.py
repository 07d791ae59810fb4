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


# --- one bad mail stops no other mail (security review "Trust", finding 6) ---------------

class PickySink(Sink):
    """Refuses one recipient, and drops the connection in the middle of another's mail."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if envelope.rcpt_tos[0].startswith("drop@"):
            server.transport.close()
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


def put_in_outbox(to_address, subject, body="Hallo\n"):
    """Straight into the table, as rows stored before texts were checked."""
    table = OutgoingMail.__table__
    return atomic(lambda s: s.execute(table.insert().values(
        to_address=to_address, subject=subject, body=body, attempts=0,
        created_at=utcnow(), next_attempt_at=utcnow()).returning(table.c.id)).scalar_one())


def make_all_due():
    atomic(lambda s: s.execute(update(OutgoingMail).where(OutgoingMail.sent_at.is_(None))
                               .values(next_attempt_at=utcnow() - timedelta(seconds=1))))


def test_a_mail_that_cannot_be_sent_delays_no_other_and_is_parked(app, smtp_port):
    from tauschring.mail.sender import MAX_ATTEMPTS

    good = [put_in_outbox(f"good{i}@example.org", f"Gut {i}") for i in range(3)]
    bad = {
        put_in_outbox("anna@example.org", "Neu:\rFritz"): "ValueError",
        put_in_outbox("x@example.org\r\nBcc: y@example.org", "Hallo"): "ValueError",
        put_in_outbox("refused@example.org", "Hallo"): "SMTPRecipientsRefused",
        put_in_outbox("drop@example.org", "Hallo"): "SMTP",
    }
    good.append(put_in_outbox("good3@example.org", "Gut 3"))  # after the dropped connection
    sink = PickySink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        first = send_due(settings(smtp_port))
        assert (first.sent, first.failed, first.parked) == (4, 4, 0)
        assert sorted(m.rcpt_tos[0] for m in sink.messages) == [
            f"good{i}@example.org" for i in range(4)]
        rows = {m.id: m for m in outbox()}
        assert all(rows[i].sent_at is not None and rows[i].attempts == 1 for i in good)
        for mail_id, error in bad.items():
            mail = rows[mail_id]
            assert mail.sent_at is None and mail.attempts == 1, mail.last_error
            assert mail.last_error.startswith(error), mail.last_error
            assert mail.next_attempt_at > utcnow()

        # Tried again after each pause, until the last try parks them.
        runs = [first]
        for _ in range(MAX_ATTEMPTS - 1):
            make_all_due()
            runs.append(send_due(settings(smtp_port)))
        assert [(r.sent, r.failed) for r in runs] == [(4, 4)] + [(0, 4)] * (MAX_ATTEMPTS - 1)
        assert [r.parked for r in runs] == [0] * (MAX_ATTEMPTS - 1) + [4]
        assert "parked 4" in runs[-1].line()
        make_all_due()
        assert send_due(settings(smtp_port)) == (0, 0)  # parked: not tried again
    finally:
        controller.stop()
    rows = {m.id: m for m in outbox()}
    assert all(rows[i].attempts == MAX_ATTEMPTS and rows[i].sent_at is None for i in bad)
    assert len(sink.messages) == 4  # each good mail once


def test_a_server_that_cannot_be_reached_ends_the_run_and_leaves_the_rest_untouched(
        app, smtp_port):
    ids = [put_in_outbox(f"m{i}@example.org", "Hallo") for i in range(3)]
    outcome = send_due(settings(smtp_port))  # nobody listens
    assert (outcome.sent, outcome.failed) == (0, 1)
    attempts = {m.id: m.attempts for m in outbox()}
    assert attempts == {ids[0]: 1, ids[1]: 0, ids[2]: 0}


def test_queued_subjects_are_one_line(world):
    from tauschring.mail.service import queue

    mail = atomic(lambda s: queue(s, to_address="anna@example.org",
                                  subject="Neu:\r\nFritz\tNeumann ", body="Hallo\r\nWelt\n"))
    stored, = outbox()
    assert (mail.id, stored.subject, stored.body) == (stored.id, "Neu: Fritz Neumann",
                                                      "Hallo\nWelt\n")
