from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tauschring.db import Base, UtcDateTime, utcnow

ROLES = ("member", "coordinator", "admin")
STATUSES = ("pending", "active", "suspended", "left")


class Member(UserMixin, Base):
    """A person in one ring. Several members of a household share one account."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'coordinator', 'admin')", name="role_known"),
        CheckConstraint(
            "status IN ('pending', 'active', 'suspended', 'left')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="member")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    language: Mapped[str] = mapped_column(String(5), default="de")
    joined_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    ring = relationship("Ring", lazy="joined")
    account = relationship("Account", lazy="select")

    @property
    def is_coordinator(self) -> bool:
        return self.role in ("coordinator", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
