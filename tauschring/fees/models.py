from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tauschring.db import Base, UtcDateTime, utcnow


class FeeCharge(Base):
    """One account's fee for one period: the unique key makes a second run book nothing."""

    __tablename__ = "fee_charges"
    __table_args__ = (
        UniqueConstraint("ring_id", "period", "account_id", name="uq_fee_charges_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"))
    period: Mapped[str] = mapped_column(String(7))  # "2026-11" or "2026"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"))
    charged_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
