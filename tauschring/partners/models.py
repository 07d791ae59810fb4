"""Partnerships between two rings of this instance, and their clearing accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tauschring.db import Base, UtcDateTime, utcnow

STATUSES = ("proposed", "active", "paused", "ended")


class Partnership(Base):
    """Two rings that trade with each other, one row per pair of rings for ever.

    The lower ring id is `ring_a`. Each ring has a clearing account for the
    other (`a_account_id` in ring A, `b_account_id` in ring B); A's balance is
    always the negative of B's, and the credit line bounds both. Ending and
    resuming a partnership keeps the row and its accounts (their balances stay).
    """

    __tablename__ = "partnerships"
    __table_args__ = (
        CheckConstraint("ring_a_id < ring_b_id", name="rings_ordered"),
        CheckConstraint("status IN ('proposed', 'active', 'paused', 'ended')",
                        name="status_known"),
        CheckConstraint("credit_line > 0", name="credit_line_positive"),
        CheckConstraint("proposed_credit_line IS NULL OR proposed_credit_line > 0",
                        name="proposed_credit_line_positive"),
        UniqueConstraint("ring_a_id", "ring_b_id", name="uq_partnerships_rings"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_a_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    ring_b_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    # The credit line in force (of a first proposal: the one proposed).
    credit_line: Mapped[int] = mapped_column(BigInteger)
    # An open proposal (a first one, a new credit line, resuming) that the other
    # ring has not answered yet; trading goes on as before meanwhile.
    proposed_credit_line: Mapped[int | None] = mapped_column(BigInteger)
    # The ring whose coordinators proposed last (the other ring's accept).
    proposed_by_ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    a_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    b_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    def other_ring_id(self, ring_id: int) -> int:
        return self.ring_b_id if ring_id == self.ring_a_id else self.ring_a_id

    def account_of(self, ring_id: int) -> int:
        """The clearing account that `ring_id` keeps for the other ring."""
        return self.a_account_id if ring_id == self.ring_a_id else self.b_account_id
