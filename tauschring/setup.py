"""Creating and upgrading an instance's database."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import select

from tauschring.app import MIGRATIONS
from tauschring.db import atomic, db
from tauschring.rings.models import Ring
from tauschring.rings.service import create_ring


@dataclass
class Initialised:
    """What `tauschring init` found and did."""

    ring: Ring
    ring_created: bool
    revision_before: str | None  # None: there was no schema
    revision_after: str | None

    def schema_sentence(self) -> str:
        before, after = self.revision_before, self.revision_after
        if before is None:
            return f"created the schema (revision {after})"
        if before != after:
            return f"upgraded the schema from {before} to {after}"
        return f"the schema is current (revision {after})"


def schema_revision() -> str | None:
    """The database's Alembic revision; None without a schema."""
    with db.engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    db.session.remove()
    return revision


def upgrade_schema() -> None:
    """Bring the schema to the newest migration (creating it if need be)."""
    upgrade(directory=str(MIGRATIONS))
    db.session.remove()


def initialise(*, ring_name: str, ring_slug: str) -> Initialised:
    before = schema_revision()
    upgrade_schema()
    after = schema_revision()

    def first_ring(session):
        existing = session.scalars(select(Ring).order_by(Ring.id).limit(1)).first()
        if existing is not None:
            return existing, False
        return create_ring(session, name=ring_name, slug=ring_slug), True

    ring, created = atomic(first_ring)
    return Initialised(ring=ring, ring_created=created, revision_before=before,
                       revision_after=after)
