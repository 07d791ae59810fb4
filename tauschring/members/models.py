from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tauschring.db import Base, UtcDateTime, utcnow

ROLES = ("member", "coordinator", "admin")
# Who may act on whom: a role acts on members of its rank or below, never above.
RANKS = {"member": 1, "coordinator": 2, "admin": 3}
# A region's contact point (tauschring/regions): a log-in without ring or account,
# never a role within a ring (so not in ROLES), with no power over members.
CONTACT_ROLE = "contact"
RANKS[CONTACT_ROLE] = 1


STATUSES = ("pending", "active", "suspended", "left")
# Who may see a contact field: the ring's coordinators only, or every member.
VISIBILITIES = ("coordinators", "members")
CONTACT_FIELDS = ("email", "phone", "address")


class Member(UserMixin, Base):
    """A person in one ring. Several members of a household share one account."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'coordinator', 'admin', 'contact')",
                        name="role_known"),
        CheckConstraint(
            "status IN ('pending', 'active', 'suspended', 'left')", name="status_known"
        ),
        CheckConstraint("language IN ('de', 'en')", name="language_known"),
        *(CheckConstraint(f"{field}_visibility IN ('coordinators', 'members')",
                          name=f"{field}_visibility_known") for field in CONTACT_FIELDS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None only for a region's contact point (role `contact`), who is in no ring.
    ring_id: Mapped[int | None] = mapped_column(ForeignKey("rings.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
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

    # The key of the web session this member was loaded for (auth/sessions.py);
    # not a column.
    session_key = None

    def get_id(self) -> str:
        """What the session cookie stores: the id and the server-side session key."""
        return f"{self.id}:{self.session_key}"

    @property
    def is_coordinator(self) -> bool:
        """Coordinator powers need the role and an active membership."""
        return self.role in ("coordinator", "admin") and self.status == "active"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin" and self.status == "active"
