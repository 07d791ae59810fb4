"""Transfers by ring and time: the chain head at a year's end in one index seek.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:00:31.041406
"""
from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # A plain CREATE INDEX: SQLite's batch mode does not copy the table for it,
    # so the append-only triggers on transfers stay in place.
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index('ix_transfers_ring_booked', ['ring_id', 'booked_at', 'seq'], unique=False)


def downgrade():
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_transfers_ring_booked')
