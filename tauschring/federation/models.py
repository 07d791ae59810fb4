"""Partner rings on other instances (peers), transfers between instances, and
the signed messages received from peers (for idempotent answers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tauschring.db import Base, UtcDateTime, utcnow

TRANSFER_STATES = ("preparing", "prepared", "committed", "aborted")


class Peer(Base):
    """A ring on another instance that a ring of this one trades with.

    `account_id` is the local clearing account for it (kind 'clearing', its
    own limits -credit_line .. +credit_line). Its balance is always the
    negative of the peer's clearing account for us (`tauschring federation
    reconcile` compares them).
    """

    __tablename__ = "federation_peers"
    __table_args__ = (
        CheckConstraint("credit_line > 0", name="credit_line_positive"),
        # One peer per remote ring and key: a message names both, so it finds
        # exactly one peer (a new address is `peer set-url`, not a second peer).
        UniqueConstraint("ring_id", "remote_ring", "public_key",
                         name="uq_federation_peers_remote"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    remote_ring: Mapped[str] = mapped_column(String(100))
    public_key: Mapped[str] = mapped_column(String(100))
    credit_line: Mapped[int] = mapped_column(BigInteger)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class FederatedTransfer(Base):
    """One transfer between instances, as this side keeps it.

    direction 'out': a local member pays a member of the peer (this side
    coordinates: preparing -> committed | aborted). direction 'in': a member
    of the peer pays a local member (prepared -> committed | aborted).
    `transfer_id` is the local half once booked; `delivered` says the peer
    acknowledged the decision (out) — retries go on until it is true.
    """

    __tablename__ = "federation_transfers"
    __table_args__ = (
        CheckConstraint("state IN ('preparing', 'prepared', 'committed', 'aborted')",
                        name="state_known"),
        CheckConstraint("direction IN ('out', 'in')", name="direction_known"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        UniqueConstraint("peer_id", "direction", "uuid", name="uq_federation_transfers_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), index=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peers.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(10))
    # The local member's account (the payer of 'out', the payee of 'in').
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # The member on the other side, by their member number in the peer's ring.
    remote_member: Mapped[str] = mapped_column(String(40))
    minutes: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(String(200), default="")
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    delivered: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReceivedMessage(Base):
    """A signed message a peer sent, with the answer given: the same message
    again gets the same answer; the same id with other content is refused."""

    __tablename__ = "federation_messages"
    __table_args__ = (
        UniqueConstraint("peer_id", "message_id", name="uq_federation_messages_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peers.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
