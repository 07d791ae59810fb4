"""The audit log: who did what to whom, when and why.

Every coordinator and admin action that is not itself a transfer (limit
changes, admissions, role changes, ...) is recorded here. Transfers need no
entry: they are their own record.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from tauschring.db import Base, UtcDateTime, utcnow


class LoggedAction(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("rings.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(60))  # e.g. "account:12"
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


def record(session: Session, *, ring_id: int, actor_id: int | None, action: str,
           subject: str, reason: str | None = None, **detail) -> LoggedAction:
    entry = LoggedAction(ring_id=ring_id, actor_id=actor_id, action=action, subject=subject,
                         reason=reason, detail=json.dumps(detail, sort_keys=True, default=str))
    session.add(entry)
    return entry
