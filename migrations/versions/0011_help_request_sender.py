"""Help requests keep a keyed hash of the sender's address (a limit per sender).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 03:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender', sa.String(length=64), server_default='',
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_help_requests_sender'), ['sender'], unique=False)


def downgrade():
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_requests_sender'))
        batch_op.drop_column('sender')
