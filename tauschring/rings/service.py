"""Creating rings and finding them."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from tauschring.errors import Conflict, Invalid, NotFound
from tauschring.ledger.service import open_account
from tauschring.rings.models import Ring

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


def create_ring(session: Session, *, name: str, slug: str, unit_name: str = "Talente",
                default_min_balance: int | None = None,
                default_max_balance: int | None = None) -> Ring:
    """A new ring with its association account (the ring's own account)."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise Invalid("A ring needs a name of at most 120 characters.", code="name_invalid",
                      field="name")
    if not SLUG.match(slug or ""):
        raise Invalid("The slug may hold lower-case letters, digits and dashes only.",
                      code="slug_invalid", field="slug")
    if (default_min_balance is not None and default_max_balance is not None
            and default_min_balance > default_max_balance):
        raise Invalid("The minimum balance must not be above the maximum.",
                      code="limits_crossed", field="default_min_balance")
    if session.scalar(select(Ring.id).where(Ring.slug == slug)) is not None:
        raise Conflict(f"A ring with the slug {slug!r} exists already.", code="slug_taken",
                       field="slug")
    ring = Ring(name=name, slug=slug, unit_name=unit_name or "Talente",
                default_min_balance=default_min_balance,
                default_max_balance=default_max_balance)
    session.add(ring)
    session.flush()
    open_account(session, ring_id=ring.id, kind="association")
    return ring


def ring_by_slug(session: Session, slug: str) -> Ring:
    ring = session.scalars(select(Ring).where(Ring.slug == slug)).first()
    if ring is None:
        raise NotFound(f"There is no ring with the slug {slug!r}.", code="ring_not_found",
                       field="ring")
    return ring


def all_rings(session: Session) -> list[Ring]:
    return list(session.scalars(select(Ring).order_by(Ring.id)))
