"""What members want by mail, the weekly digests sent, the inactivity reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column

from tauschring.db import Base, UtcDateTime, utcnow


class MailPreference(Base):
    """A member's choices; without a row: the digest comes, news by mail does not."""

    __tablename__ = "mail_preferences"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    weekly_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    news_by_mail: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class DigestSent(Base):
    """One weekly digest per member and ISO week ("2026-W49"): the unique key
    makes the command safe to run any number of times."""

    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("member_id", "week", name="uq_digests_sent_member_week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    week: Mapped[str] = mapped_column(String(8))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class InactivityRule(Base):
    """A ring's reminder: after this many months without an exchange (0: never)."""

    __tablename__ = "inactivity_rules"

    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), primary_key=True)
    months: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ReminderSent(Base):
    __tablename__ = "reminders_sent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
