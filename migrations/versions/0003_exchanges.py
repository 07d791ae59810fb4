"""Exchanges with their events, notifications, fee charges; ring settings for them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 11:22:50.900580
"""
from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exchanges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('proposer_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('performed_on', sa.Date(), nullable=False),
    sa.Column('talent_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('disputed_from', sa.String(length=20), nullable=True),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("disputed_from IS NULL OR disputed_from IN ('proposed', 'booked')", name=op.f('ck_exchanges_disputed_from_known')),
    sa.CheckConstraint("state IN ('proposed', 'booked', 'declined', 'cancelled', 'disputed', 'reversed')", name=op.f('ck_exchanges_state_known')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_exchanges_minutes_positive')),
    sa.CheckConstraint('provider_id <> recipient_id', name=op.f('ck_exchanges_two_members')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_exchanges_category_id_categories')),
    sa.ForeignKeyConstraint(['proposer_id'], ['members.id'], name=op.f('fk_exchanges_proposer_id_members')),
    sa.ForeignKeyConstraint(['provider_id'], ['members.id'], name=op.f('fk_exchanges_provider_id_members')),
    sa.ForeignKeyConstraint(['recipient_id'], ['members.id'], name=op.f('fk_exchanges_recipient_id_members')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_exchanges_ring_id_rings')),
    sa.ForeignKeyConstraint(['talent_id'], ['talents.id'], name=op.f('fk_exchanges_talent_id_talents')),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id'], name=op.f('fk_exchanges_transfer_id_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchanges'))
    )
    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchanges_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchanges_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchanges_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchanges_ring_id'), ['ring_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchanges_state'), ['state'], unique=False)

    op.create_table('fee_charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('charged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_fee_charges_account_id_accounts')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_fee_charges_ring_id_rings')),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id'], name=op.f('fk_fee_charges_transfer_id_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_charges')),
    sa.UniqueConstraint('ring_id', 'period', 'account_id', name='uq_fee_charges_period')
    )
    op.create_table('exchange_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['members.id'], name=op.f('fk_exchange_events_actor_id_members')),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchanges.id'], name=op.f('fk_exchange_events_exchange_id_exchanges')),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id'], name=op.f('fk_exchange_events_transfer_id_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_events'))
    )
    with op.batch_alter_table('exchange_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_events_exchange_id'), ['exchange_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['members.id'], name=op.f('fk_notifications_actor_id_members')),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchanges.id'], name=op.f('fk_notifications_exchange_id_exchanges')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_notifications_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_off', sa.String(length=300), server_default='', nullable=False))

    with op.batch_alter_table('rings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dispute_window_days', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('auto_confirm_days', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('fee_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('fee_period', sa.String(length=10), server_default='month', nullable=False))



def downgrade():
    with op.batch_alter_table('rings', schema=None) as batch_op:
        batch_op.drop_column('fee_period')
        batch_op.drop_column('fee_minutes')
        batch_op.drop_column('auto_confirm_days')
        batch_op.drop_column('dispute_window_days')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('mail_off')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_member_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('exchange_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_events_exchange_id'))

    op.drop_table('exchange_events')
    op.drop_table('fee_charges')
    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchanges_state'))
        batch_op.drop_index(batch_op.f('ix_exchanges_ring_id'))
        batch_op.drop_index(batch_op.f('ix_exchanges_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_exchanges_provider_id'))
        batch_op.drop_index(batch_op.f('ix_exchanges_category_id'))

    op.drop_table('exchanges')
