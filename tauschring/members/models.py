from __future__ import annotations

import hashlib
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tauschring.db import Base, UtcDateTime, utcnow

ROLES = ("member", "coordinator", "admin")


def session_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


STATUSES = ("pending", "active", "suspended", "left")
# Who may see a contact field: the ring's coordinators only, or every member.
VISIBILITIES = ("coordinators", "members")
CONTACT_FIELDS = ("email", "phone", "address")


class Member(UserMixin, Base):
    """A person in one ring. Several members of a household share one account."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'coordinator', 'admin')", name="role_known"),
        CheckConstraint(
            "status IN ('pending', 'active', 'suspended', 'left')", name="status_known"
        ),
        CheckConstraint("language IN ('de', 'en')", name="language_known"),
        *(CheckConstraint(f"{field}_visibility IN ('coordinators', 'members')",
                          name=f"{field}_visibility_known") for field in CONTACT_FIELDS),
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
    left_on: Mapped[date | None] = mapped_column(Date)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # Profile: contact details with their visibility, and about the person.
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    district: Mapped[str] = mapped_column(String(80), default="", server_default="")
    about: Mapped[str] = mapped_column(Text, default="", server_default="")
    skills: Mapped[str] = mapped_column(Text, default="", server_default="")
    availability: Mapped[str] = mapped_column(Text, default="", server_default="")
    email_visibility: Mapped[str] = mapped_column(String(20), default="members",
                                                  server_default="members")
    phone_visibility: Mapped[str] = mapped_column(String(20), default="members",
                                                  server_default="members")
    address_visibility: Mapped[str] = mapped_column(String(20), default="coordinators",
                                                    server_default="coordinators")
    # Which notifications also come by e-mail: space-separated kinds switched off.
    mail_off: Mapped[str] = mapped_column(String(300), default="", server_default="")

    ring = relationship("Ring", lazy="joined")
    account = relationship("Account", lazy="select")

    def get_id(self) -> str:
        """The session's key: the id and a fingerprint of the password hash, so a
        password change or reset logs out every other session (see security.py)."""
        return f"{self.id}:{session_fingerprint(self.password_hash)}"

    @property
    def is_coordinator(self) -> bool:
        return self.role in ("coordinator", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
