"""Accounts, transfers and entries: the ledger's tables.

Transfers and entries are append-only: triggers in the database refuse
UPDATE and DELETE on both (see migrations). A mistake is fixed by a
reversing transfer that points at the original.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tauschring.db import Base, UtcDateTime, utcnow

# "clearing": a ring's account for one partner ring (tauschring.partners).
ACCOUNT_KINDS = ("member", "association", "clearing")
ACCOUNT_STATUSES = ("pending", "open", "closed")


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("kind IN ('member', 'association', 'clearing')", name="kind_known"),
        CheckConstraint("status IN ('pending', 'open', 'closed')", name="status_known"),
        CheckConstraint(
            "min_balance IS NULL OR max_balance IS NULL OR min_balance <= max_balance",
            name="limits_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="member")
    status: Mapped[str] = mapped_column(String(20), default="open")
    # Materialised: always the sum of this account's entries (the audit checks).
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # Own limits; None falls back to the ring's default (member accounts only).
    min_balance: Mapped[int | None] = mapped_column(BigInteger)
    max_balance: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Transfer(Base):
    """Moves `minutes` from the debit account to the credit account. Immutable."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
        UniqueConstraint("ring_id", "seq", name="uq_transfers_ring_seq"),
        # The chain head at a moment (year end) without walking the chain.
        Index("ix_transfers_ring_booked", "ring_id", "booked_at", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"))
    # Position in the ring's hash chain, 1, 2, 3, ... without gaps.
    seq: Mapped[int] = mapped_column(BigInteger)
    debit_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    credit_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    minutes: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(Text, default="")
    booked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    exchange_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"), unique=True)
    # Set when a coordinator booked past a limit; part of the hashed record.
    override_reason: Mapped[str | None] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))


class Entry(Base):
    """One side of a transfer on one account, with the balance it left behind."""

    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint("minutes <> 0", name="minutes_nonzero"),
        UniqueConstraint("transfer_id", "account_id", name="uq_entries_transfer_account"),
        Index("ix_entries_account_booked", "account_id", "booked_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    counterparty_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    minutes: Mapped[int] = mapped_column(BigInteger)  # + credit, - debit
    balance_after: Mapped[int] = mapped_column(BigInteger)
    booked_at: Mapped[datetime] = mapped_column(UtcDateTime)
