from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, String
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
