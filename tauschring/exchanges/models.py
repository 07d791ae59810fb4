"""Exchanges: an agreed piece of work between two members, from proposal to booking."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tauschring.db import Base, UtcDateTime, utcnow

STATES = ("proposed", "booked", "declined", "cancelled", "disputed", "reversed")


class Exchange(Base):
    __tablename__ = "exchanges"
    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("provider_id <> recipient_id", name="two_members"),
        CheckConstraint("state IN ('proposed', 'booked', 'declined', 'cancelled', "
                        "'disputed', 'reversed')", name="state_known"),
        CheckConstraint("disputed_from IS NULL OR disputed_from IN ('proposed', 'booked')",
                        name="disputed_from_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    # The provider did the work and is credited; the recipient is debited.
    provider_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    minutes: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    performed_on: Mapped[date] = mapped_column(Date)
    talent_id: Mapped[int | None] = mapped_column(ForeignKey("talents.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    # While disputed: the state it was disputed from (is a booking standing?).
    disputed_from: Mapped[str | None] = mapped_column(String(20))
    # The transfer that currently books it (after an adjustment, the last one).
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    # Across partner rings (tauschring.partners): `ring_id` is the proposer's ring,
    # `partner_ring_id` the other party's; `transfer_id` is the half booked in
    # `ring_id`, `partner_transfer_id` the half booked in the partner ring.
    partner_ring_id: Mapped[int | None] = mapped_column(ForeignKey("rings.id"), index=True)
    partner_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    booked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    provider = relationship("Member", foreign_keys=[provider_id], lazy="joined")
    recipient = relationship("Member", foreign_keys=[recipient_id], lazy="joined")
    events = relationship("ExchangeEvent", order_by="ExchangeEvent.id", lazy="select",
                          back_populates="exchange")


class ExchangeEvent(Base):
    """Who did what to an exchange, when and why."""

    __tablename__ = "exchange_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # None: system
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int | None] = mapped_column(Integer)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    exchange = relationship("Exchange", back_populates="events")
    actor = relationship("Member", lazy="joined")
