"""Regions: rings of neighbouring places with one public contact point.

A region groups rings; each ring says what it covers and how to reach it
(RingCoverage). The admin appoints a region's contact point (RegionContact):
a log-in of the role `contact` that belongs to no ring. The contact point
keeps the directory of the region's family-support services
(FamilyService) and passes requests for help (HelpRequest) on to a ring or
a service.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tauschring.db import Base, UtcDateTime, utcnow

SERVICE_KINDS = ("childcare", "house_garden", "shopping", "senior_care", "counselling",
                 "transport", "learning", "other")
COSTS = ("free", "tauschring", "paid")
HELP_STATES = ("new", "forwarded", "closed")


class Region(Base):
    """Neighbouring towns and villages whose rings share one contact point."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    # How people reach the contact point (public: the brochure prints it).
    contact_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    contact_address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contact_hours: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Days a help request's contact data are kept before they are deleted.
    retention_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RingCoverage(Base):
    """What a ring covers and how people find it: public, never a member's data."""

    __tablename__ = "ring_coverage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), unique=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    # Comma-separated postcodes; places separated by semicolons.
    postcodes: Mapped[str] = mapped_column(Text, default="", server_default="")
    places: Mapped[str] = mapped_column(Text, default="", server_default="")
    meeting_place: Mapped[str] = mapped_column(String(200), default="", server_default="")
    meeting_time: Mapped[str] = mapped_column(String(200), default="", server_default="")
    how_to_join: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The ring's public contact (the coordination's address, not a member's own).
    contact_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")

    ring = relationship("Ring", lazy="joined")

    @property
    def postcode_list(self) -> list[str]:
        return [p.strip() for p in self.postcodes.split(",") if p.strip()]

    @property
    def place_list(self) -> list[str]:
        return [p.strip() for p in self.places.split(";") if p.strip()]


class RegionContact(Base):
    """The appointment of a contact point (a member row of the role `contact`,
    without ring or account) to a region."""

    __tablename__ = "region_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    region = relationship("Region", lazy="joined")


class FamilyService(Base):
    """An entry of the region's directory of family-support services."""

    __tablename__ = "family_services"
    __table_args__ = (
        CheckConstraint("cost IN ('free', 'tauschring', 'paid')", name="cost_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    places: Mapped[str] = mapped_column(Text, default="", server_default="")
    postcodes: Mapped[str] = mapped_column(Text, default="", server_default="")
    contact: Mapped[str] = mapped_column(String(300), default="", server_default="")
    hours: Mapped[str] = mapped_column(String(300), default="", server_default="")
    cost: Mapped[str] = mapped_column(String(20), default="free")
    price_note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    accessibility: Mapped[str] = mapped_column(String(300), default="", server_default="")
    meets_quality: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The ring this entry stands for, when a ring of the region is the service.
    ring_id: Mapped[int | None] = mapped_column(ForeignKey("rings.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def postcode_list(self) -> list[str]:
        return [p.strip() for p in self.postcodes.split(",") if p.strip()]

    @property
    def place_list(self) -> list[str]:
        return [p.strip() for p in self.places.split(";") if p.strip()]


class HelpRequest(Base):
    """Somebody asks the contact point for help ("Lotsenfunktion").

    Name, e-mail and phone are kept until `retain_until`, then deleted
    (`tauschring region forget`); what was asked and what came of it stays
    for the figures.
    """

    __tablename__ = "help_requests"
    __table_args__ = (
        CheckConstraint("state IN ('new', 'forwarded', 'closed')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    need: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(120), default="", server_default="")
    postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # A keyed hash of the sender's network address (regions.client_key), not the
    # address: enough to limit requests per sender, forgotten with the contact data.
    sender: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)
    language: Mapped[str] = mapped_column(String(5), default="de", server_default="de")
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    retain_until: Mapped[date] = mapped_column(Date)
    contact_deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(20), default="new", server_default="new")
    ring_id: Mapped[int | None] = mapped_column(ForeignKey("rings.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("family_services.id"))
    forward_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    forwarded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(Text, default="", server_default="")
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    talent_id: Mapped[int | None] = mapped_column(ForeignKey("talents.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    ring = relationship("Ring", lazy="joined")
    service = relationship("FamilyService", lazy="joined")
