"""The office: member numbers, trading slips, acting for someone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 00:20:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
