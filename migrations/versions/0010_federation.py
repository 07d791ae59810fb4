"""Federation: partner rings on other instances (reserved; filled by the federation work).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 03:25:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
