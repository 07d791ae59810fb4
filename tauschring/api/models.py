from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tauschring.db import Base, UtcDateTime, utcnow


class IdempotentResponse(Base):
    """The first successful answer to a POST sent with an Idempotency-Key.

    Written in the same transaction as the work it answers for, so a key is
    stored exactly when its effect is.
    """

    __tablename__ = "idempotent_responses"
    __table_args__ = (UniqueConstraint("member_id", "key", name="uq_idempotent_member_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
