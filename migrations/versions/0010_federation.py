"""Federation: partner rings on other instances (peers), transfers between
instances, the signed messages received.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 03:25:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('federation_peers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('remote_ring', sa.String(length=100), nullable=False),
    sa.Column('public_key', sa.String(length=100), nullable=False),
    sa.Column('credit_line', sa.BigInteger(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('credit_line > 0', name=op.f('ck_federation_peers_credit_line_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_federation_peers_account_id_accounts')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_federation_peers_ring_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_peers')),
    sa.UniqueConstraint('ring_id', 'remote_ring', 'public_key', name='uq_federation_peers_remote')
    )
    with op.batch_alter_table('federation_peers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_federation_peers_ring_id'), ['ring_id'], unique=False)
    op.create_table('federation_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('remote_member', sa.String(length=40), nullable=False),
    sa.Column('minutes', sa.BigInteger(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.Column('delivered', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction IN ('out', 'in')", name=op.f('ck_federation_transfers_direction_known')),
    sa.CheckConstraint("state IN ('preparing', 'prepared', 'committed', 'aborted')", name=op.f('ck_federation_transfers_state_known')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_federation_transfers_minutes_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_federation_transfers_account_id_accounts')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_federation_transfers_member_id_members')),
    sa.ForeignKeyConstraint(['peer_id'], ['federation_peers.id'], name=op.f('fk_federation_transfers_peer_id_federation_peers')),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id'], name=op.f('fk_federation_transfers_transfer_id_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_transfers')),
    sa.UniqueConstraint('peer_id', 'direction', 'uuid', name='uq_federation_transfers_uuid')
    )
    with op.batch_alter_table('federation_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_federation_transfers_peer_id'), ['peer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_federation_transfers_uuid'), ['uuid'], unique=False)
    op.create_table('federation_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['peer_id'], ['federation_peers.id'], name=op.f('fk_federation_messages_peer_id_federation_peers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_messages')),
    sa.UniqueConstraint('peer_id', 'message_id', name='uq_federation_messages_id')
    )
    with op.batch_alter_table('federation_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_federation_messages_peer_id'), ['peer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('federation_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_federation_messages_peer_id'))
    op.drop_table('federation_messages')
    with op.batch_alter_table('federation_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_federation_transfers_uuid'))
        batch_op.drop_index(batch_op.f('ix_federation_transfers_peer_id'))
    op.drop_table('federation_transfers')
    with op.batch_alter_table('federation_peers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_federation_peers_ring_id'))
    op.drop_table('federation_peers')
