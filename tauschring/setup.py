"""Creating and upgrading an instance's database."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import select

from tauschring.app import MIGRATIONS
from tauschring.db import atomic, db
from tauschring.rings.models import Ring
from tauschring.rings.service import create_ring


def upgrade_schema() -> None:
    """Bring the schema to the newest migration (creating it if need be)."""
    upgrade(directory=str(MIGRATIONS))
    db.session.remove()


def initialise(*, ring_name: str, ring_slug: str) -> tuple[Ring, bool]:
    upgrade_schema()

    def first_ring(session):
        existing = session.scalars(select(Ring).order_by(Ring.id).limit(1)).first()
        if existing is not None:
            return existing, False
        return create_ring(session, name=ring_name, slug=ring_slug), True

    return atomic(first_ring)
