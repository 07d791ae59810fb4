from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tauschring.db import Base, UtcDateTime, utcnow

KINDS = ("awaiting_confirmation", "confirmed", "declined", "cancelled", "disputed",
         "resolved", "message")


class Notification(Base):
    """An entry in a member's in-app list of what happened."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    exchange_id: Mapped[int | None] = mapped_column(ForeignKey("exchanges.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
