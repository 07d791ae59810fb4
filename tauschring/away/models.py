"""Away mode: a member is away until a day; their talents are hidden meanwhile."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from tauschring.db import Base


class Away(Base):
    __tablename__ = "away"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    # The last day away; from the day after, the talents are listed again.
    until: Mapped[date] = mapped_column(Date)
