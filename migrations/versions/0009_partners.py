"""Partner rings: partnerships, clearing accounts, exchanges across rings,
talents published to partners.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 03:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_accounts_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_accounts_kind_known'),
                                         "kind IN ('member', 'association', 'clearing')")
    op.create_table('partnerships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_a_id', sa.Integer(), nullable=False),
    sa.Column('ring_b_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('credit_line', sa.BigInteger(), nullable=False),
    sa.Column('proposed_credit_line', sa.BigInteger(), nullable=True),
    sa.Column('proposed_by_ring_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('a_account_id', sa.Integer(), nullable=False),
    sa.Column('b_account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('credit_line > 0', name=op.f('ck_partnerships_credit_line_positive')),
    sa.CheckConstraint('proposed_credit_line IS NULL OR proposed_credit_line > 0', name=op.f('ck_partnerships_proposed_credit_line_positive')),
    sa.CheckConstraint('ring_a_id < ring_b_id', name=op.f('ck_partnerships_rings_ordered')),
    sa.CheckConstraint("status IN ('proposed', 'active', 'paused', 'ended')", name=op.f('ck_partnerships_status_known')),
    sa.ForeignKeyConstraint(['a_account_id'], ['accounts.id'], name=op.f('fk_partnerships_a_account_id_accounts')),
    sa.ForeignKeyConstraint(['b_account_id'], ['accounts.id'], name=op.f('fk_partnerships_b_account_id_accounts')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['members.id'], name=op.f('fk_partnerships_proposed_by_id_members')),
    sa.ForeignKeyConstraint(['proposed_by_ring_id'], ['rings.id'], name=op.f('fk_partnerships_proposed_by_ring_id_rings')),
    sa.ForeignKeyConstraint(['ring_a_id'], ['rings.id'], name=op.f('fk_partnerships_ring_a_id_rings')),
    sa.ForeignKeyConstraint(['ring_b_id'], ['rings.id'], name=op.f('fk_partnerships_ring_b_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnerships')),
    sa.UniqueConstraint('ring_a_id', 'ring_b_id', name='uq_partnerships_rings')
    )
    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnerships_ring_a_id'), ['ring_a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partnerships_ring_b_id'), ['ring_b_id'], unique=False)
    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_ring_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('partner_transfer_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_exchanges_partner_ring_id'), ['partner_ring_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_exchanges_partner_ring_id_rings'), 'rings', ['partner_ring_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_exchanges_partner_transfer_id_transfers'), 'transfers', ['partner_transfer_id'], ['id'])
    with op.batch_alter_table('talents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_talents_visibility_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_talents_visibility_known'),
                                         "visibility IN ('ring', 'partners', 'region')")


def downgrade():
    with op.batch_alter_table('talents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_talents_visibility_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_talents_visibility_known'),
                                         "visibility IN ('ring', 'region')")
    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_exchanges_partner_transfer_id_transfers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_exchanges_partner_ring_id_rings'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_exchanges_partner_ring_id'))
        batch_op.drop_column('partner_transfer_id')
        batch_op.drop_column('partner_ring_id')
    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partnerships_ring_b_id'))
        batch_op.drop_index(batch_op.f('ix_partnerships_ring_a_id'))
    op.drop_table('partnerships')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_accounts_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_accounts_kind_known'),
                                         "kind IN ('member', 'association')")
