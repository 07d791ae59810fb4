"""The office: member numbers, trading slips, acting for someone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 00:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_numbers',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.CheckConstraint('number > 0', name=op.f('ck_member_numbers_number_positive')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_numbers_member_id_members')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_member_numbers_ring_id_rings')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_member_numbers')),
    sa.UniqueConstraint('ring_id', 'number', name='uq_member_numbers_ring_number')
    )
    op.create_table('office_counters',
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('last_member_number', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_slip_serial', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_office_counters_ring_id_rings')),
    sa.PrimaryKeyConstraint('ring_id', name=op.f('pk_office_counters'))
    )
    op.create_table('office_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('slips', 'split', 'api')", name=op.f('ck_office_batches_kind_known')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['members.id'], name=op.f('fk_office_batches_booked_by_id_members')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_office_batches_ring_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_batches'))
    )
    with op.batch_alter_table('office_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_batches_ring_id'), ['ring_id'], unique=False)
    op.create_table('office_batch_transfers',
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('slip', sa.Integer(), nullable=True),
    sa.Column('slip_date', sa.Date(), nullable=True),
    sa.CheckConstraint('slip IS NULL OR slip > 0', name=op.f('ck_office_batch_transfers_slip_positive')),
    sa.ForeignKeyConstraint(['batch_id'], ['office_batches.id'], name=op.f('fk_office_batch_transfers_batch_id_office_batches')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_office_batch_transfers_ring_id_rings')),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id'], name=op.f('fk_office_batch_transfers_transfer_id_transfers')),
    sa.PrimaryKeyConstraint('transfer_id', name=op.f('pk_office_batch_transfers')),
    sa.UniqueConstraint('ring_id', 'slip', name='uq_office_batch_transfers_ring_slip')
    )
    with op.batch_alter_table('office_batch_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_batch_transfers_batch_id'), ['batch_id'], unique=False)
    op.create_table('authorisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('helper_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ended_by_id'], ['members.id'], name=op.f('fk_authorisations_ended_by_id_members')),
    sa.ForeignKeyConstraint(['helper_id'], ['members.id'], name=op.f('fk_authorisations_helper_id_members')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_authorisations_member_id_members')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_authorisations_ring_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorisations'))
    )
    with op.batch_alter_table('authorisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authorisations_helper_id'), ['helper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorisations_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorisations_ring_id'), ['ring_id'], unique=False)
    op.create_table('proxy_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('authorisation_id', sa.Integer(), nullable=False),
    sa.Column('helper_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=60), nullable=False),
    sa.Column('exchange_event_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['authorisation_id'], ['authorisations.id'], name=op.f('fk_proxy_actions_authorisation_id_authorisations')),
    sa.ForeignKeyConstraint(['exchange_event_id'], ['exchange_events.id'], name=op.f('fk_proxy_actions_exchange_event_id_exchange_events')),
    sa.ForeignKeyConstraint(['helper_id'], ['members.id'], name=op.f('fk_proxy_actions_helper_id_members')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_proxy_actions_member_id_members')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_proxy_actions_ring_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proxy_actions')),
    sa.UniqueConstraint('exchange_event_id', name=op.f('uq_proxy_actions_exchange_event_id'))
    )
    with op.batch_alter_table('proxy_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_actions_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxy_actions_ring_id'), ['ring_id'], unique=False)
    op.create_table('postal_choices',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('by_post', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('address', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_postal_choices_member_id_members')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_postal_choices'))
    )
    op.create_table('mail_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['mail_id'], ['outbox.id'], name=op.f('fk_mail_attachments_mail_id_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_attachments'))
    )
    with op.batch_alter_table('mail_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_attachments_mail_id'), ['mail_id'], unique=False)
    # Members who joined before numbers existed are numbered in the order they joined.
    op.execute(
        "INSERT INTO member_numbers (member_id, ring_id, number) "
        "SELECT id, ring_id, ROW_NUMBER() OVER (PARTITION BY ring_id ORDER BY id) "
        "FROM members")
    op.execute(
        "INSERT INTO office_counters (ring_id, last_member_number, last_slip_serial) "
        "SELECT rings.id, COALESCE((SELECT MAX(number) FROM member_numbers "
        "WHERE member_numbers.ring_id = rings.id), 0), 0 FROM rings")


def downgrade():
    with op.batch_alter_table('mail_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_attachments_mail_id'))
    op.drop_table('mail_attachments')
    op.drop_table('postal_choices')
    with op.batch_alter_table('proxy_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proxy_actions_ring_id'))
        batch_op.drop_index(batch_op.f('ix_proxy_actions_member_id'))
    op.drop_table('proxy_actions')
    with op.batch_alter_table('authorisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorisations_ring_id'))
        batch_op.drop_index(batch_op.f('ix_authorisations_member_id'))
        batch_op.drop_index(batch_op.f('ix_authorisations_helper_id'))
    op.drop_table('authorisations')
    with op.batch_alter_table('office_batch_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_batch_transfers_batch_id'))
    op.drop_table('office_batch_transfers')
    with op.batch_alter_table('office_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_batches_ring_id'))
    op.drop_table('office_batches')
    op.drop_table('office_counters')
    op.drop_table('member_numbers')
