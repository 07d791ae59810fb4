"""The demo's partner rings: the demo ring and its neighbour Talheim trade."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tauschring.partners import service
from tauschring.rings.models import Ring

PARTNER_SLUG = "demo-talheim"
CREDIT_LINE = 20 * 60  # minutes


def fill_demo_partners(session: Session, demo_ring) -> list[str]:
    """Make the demo ring and Talheim (a ring of the demo region) partners."""
    partner = session.scalars(select(Ring).where(Ring.slug == PARTNER_SLUG)).first()
    if partner is None:
        return []
    service.add(session, ring_id=demo_ring.id, partner_ring_id=partner.id,
                credit_line=CREDIT_LINE)
    return [f"partner rings: {demo_ring.slug!r} and {PARTNER_SLUG!r} trade with each other "
            f"(credit line {CREDIT_LINE // 60} hours; /partners, /coordination/partners)"]
