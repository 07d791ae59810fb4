"""The market: talents (offers and requests) sorted into categories."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tauschring.db import Base, UtcDateTime, utcnow

KINDS = ("offer", "request")
# Who sees a talent: the ring's members; also the members of the active partner
# rings (tauschring/partners); or the partner rings and the region's public pages
# (tauschring/regions), there with the ring's contact instead of the member's.
VISIBILITIES = ("ring", "partners", "region")
# The visibilities the partner rings' members see (the partner market).
SHARED_WITH_PARTNERS = ("partners", "region")


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("ring_id", "slug", name="uq_categories_ring_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    slug: Mapped[str] = mapped_column(String(60))
    name_de: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    def name(self, language: str) -> str:
        return self.name_en if str(language) == "en" else self.name_de


class Talent(Base):
    """An offer ("I can…") or a request ("I need…") of one member."""

    __tablename__ = "talents"
    __table_args__ = (
        CheckConstraint("kind IN ('offer', 'request')", name="kind_known"),
        CheckConstraint("status IN ('active', 'withdrawn')", name="status_known"),
        CheckConstraint("visibility IN ('ring', 'partners', 'region')", name="visibility_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    visibility: Mapped[str] = mapped_column(String(10), default="ring", server_default="ring")
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    category = relationship("Category", lazy="joined")
    member = relationship("Member", lazy="joined")
