from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from tauschring.db import Base, UtcDateTime, utcnow

GENESIS_HASH = "0" * 64


class Ring(Base):
    """An exchange group with its own members, accounts, unit and limits."""

    __tablename__ = "rings"
    __table_args__ = (
        CheckConstraint(
            "default_min_balance IS NULL OR default_max_balance IS NULL "
            "OR default_min_balance <= default_max_balance",
            name="default_limits_ordered",
        ),
        CheckConstraint("starting_credit >= 0", name="starting_credit_not_negative"),
        CheckConstraint("household_size >= 1", name="household_size_positive"),
        CheckConstraint("talent_lifetime_days >= 0", name="talent_lifetime_not_negative"),
        CheckConstraint("dispute_window_days >= 0", name="dispute_window_not_negative"),
        CheckConstraint("auto_confirm_days >= 0", name="auto_confirm_not_negative"),
        CheckConstraint("fee_minutes >= 0", name="fee_not_negative"),
        CheckConstraint("fee_period IN ('month', 'year')", name="fee_period_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    unit_name: Mapped[str] = mapped_column(String(40), default="Talente")
    # None means no limit on that side.
    default_min_balance: Mapped[int | None] = mapped_column(BigInteger)
    default_max_balance: Mapped[int | None] = mapped_column(BigInteger)
    # The head of this ring's hash chain; locked by every booking in the ring.
    chain_length: Mapped[int] = mapped_column(BigInteger, default=0)
    chain_head: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    # Settings a coordinator keeps.
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    registration_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Booked from the association account when a member is admitted.
    starting_credit: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # How many people may share one household account.
    household_size: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    # New talents expire after this many days unless renewed; 0: never.
    talent_lifetime_days: Mapped[int] = mapped_column(Integer, default=180,
                                                      server_default="180")
    # A booked exchange may be disputed this many days after booking.
    dispute_window_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # Proposed exchanges are confirmed automatically after this many days; 0: never.
    auto_confirm_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The account fee: minutes per period from each active member's account; 0: none.
    fee_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fee_period: Mapped[str] = mapped_column(String(10), default="month",
                                            server_default="month")
