"""The office's tables: member numbers, batches of bookings with their slip
numbers, authorisations to act for someone, and the choice of letters by post."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from tauschring.db import Base, UtcDateTime, utcnow
from tauschring.members.models import Member

BATCH_KINDS = ("slips", "split", "api")


class MemberNumber(Base):
    """A member's short number, printed on slips, statements and the newsletter."""

    __tablename__ = "member_numbers"
    __table_args__ = (
        UniqueConstraint("ring_id", "number", name="uq_member_numbers_ring_number"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"))
    number: Mapped[int] = mapped_column(Integer)

    member = relationship(Member, lazy="select")


class OfficeCounter(Base):
    """Per ring: the last member number given and the last slip serial printed."""

    __tablename__ = "office_counters"

    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), primary_key=True)
    last_member_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_slip_serial: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Batch(Base):
    """Transfers booked together, all or nothing: a stack of slips, a split."""

    __tablename__ = "office_batches"
    __table_args__ = (
        CheckConstraint("kind IN ('slips', 'split', 'api')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    booked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BatchTransfer(Base):
    """One transfer of a batch, with the paper slip it was typed from.

    A slip number is booked once in its ring, ever: the unique constraint
    holds it against two offices typing the same slip at the same moment."""

    __tablename__ = "office_batch_transfers"
    __table_args__ = (
        UniqueConstraint("ring_id", "slip", name="uq_office_batch_transfers_ring_slip"),
        CheckConstraint("slip IS NULL OR slip > 0", name="slip_positive"),
    )

    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("office_batches.id"), index=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"))
    position: Mapped[int] = mapped_column(Integer)
    slip: Mapped[int | None] = mapped_column(Integer)
    slip_date: Mapped[date | None] = mapped_column(Date)


class Authorisation(Base):
    """A member lets another member (helper_id) or the office (helper_id None:
    any coordinator of the ring) act for them until the authorisation ends."""

    __tablename__ = "authorisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class ProxyAction(Base):
    """What a helper did for a member: "by X for Y", shown in the histories."""

    __tablename__ = "proxy_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    authorisation_id: Mapped[int] = mapped_column(ForeignKey("authorisations.id"))
    helper_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(60))
    exchange_event_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_events.id"),
                                                          unique=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PostalChoice(Base):
    """A member's choice to get statements, the newsletter and notices by letter."""

    __tablename__ = "postal_choices"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    by_post: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The lines of the postal address as they go into the envelope's window.
    address: Mapped[str] = mapped_column(Text, default="", server_default="")


class MailAttachment(Base):
    """A file sent with a mail of the outbox (a statement, the newsletter) to the
    members who get their mail by e-mail; the sender attaches it."""

    __tablename__ = "mail_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    content: Mapped[bytes] = mapped_column(LargeBinary)


def attachments_of(session: Session, mail_id: int) -> list[MailAttachment]:
    return list(session.scalars(select(MailAttachment).where(MailAttachment.mail_id == mail_id)
                                .order_by(MailAttachment.id)))


# --- numbers for every new member, whatever door created it ----------------------

COUNTERS = OfficeCounter.__table__


def take_numbers(session: Session, ring_id: int, column: str, count: int = 1) -> int:
    """Reserve `count` numbers from the ring's counter `column` (last_member_number,
    last_slip_serial); returns the first. The UPDATE holds the counter's row until
    the transaction ends (SQLite has one writer at a time anyway)."""
    connection = session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(insert(COUNTERS).values(ring_id=ring_id, last_member_number=0,
                                               last_slip_serial=0)
                       .on_conflict_do_nothing(index_elements=["ring_id"]))
    counter = COUNTERS.c[column]
    last = connection.execute(
        update(COUNTERS).where(COUNTERS.c.ring_id == ring_id)
        .values({column: counter + count}).returning(counter)).scalar_one()
    return last - count + 1


def _number_new_members(session: Session, _context, _instances) -> None:
    """A new member (any door: registration, coordinator, command line, demo)
    gets the next number of its ring in the same flush."""
    for member in [obj for obj in session.new if isinstance(obj, Member)]:
        if member.ring_id is not None:
            number = take_numbers(session, member.ring_id, "last_member_number")
            session.add(MemberNumber(member=member, ring_id=member.ring_id, number=number))


event.listen(Session, "before_flush", _number_new_members)
