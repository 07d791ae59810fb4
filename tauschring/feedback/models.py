"""Feedback after an exchange: each party rates the other once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tauschring.db import Base, UtcDateTime, utcnow

RATINGS = ("positive", "neutral", "negative")


class Feedback(Base):
    """One party's rating of the other party of a booked exchange."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("rating IN ('positive', 'neutral', 'negative')", name="rating_known"),
        CheckConstraint("author_id <> subject_id", name="not_about_oneself"),
        UniqueConstraint("exchange_id", "author_id", name="uq_feedback_exchange_author"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # The member the feedback is about: the other party.
    subject_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    rating: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    author = relationship("Member", foreign_keys=[author_id], lazy="joined")
    subject = relationship("Member", foreign_keys=[subject_id], lazy="joined")
