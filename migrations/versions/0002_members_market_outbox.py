"""Profiles, ring settings, the market (categories, talents) and the mail outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 11:17:18.643281
"""
from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name_de', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_categories_ring_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('ring_id', 'slug', name='uq_categories_ring_slug')
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_ring_id'), ['ring_id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_outbox_member_id_members')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_outbox_ring_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_ring_id'), ['ring_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_sent_at'), ['sent_at'], unique=False)

    op.create_table('talents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('offer', 'request')", name=op.f('ck_talents_kind_known')),
    sa.CheckConstraint("status IN ('active', 'withdrawn')", name=op.f('ck_talents_status_known')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_talents_category_id_categories')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_talents_member_id_members')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_talents_ring_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talents'))
    )
    with op.batch_alter_table('talents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_talents_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_talents_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_talents_ring_id'), ['ring_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('address', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('postcode', sa.String(length=10), server_default='', nullable=False))
        batch_op.add_column(sa.Column('district', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('about', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('skills', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('availability', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('email_visibility', sa.String(length=20), server_default='members', nullable=False))
        batch_op.add_column(sa.Column('phone_visibility', sa.String(length=20), server_default='members', nullable=False))
        batch_op.add_column(sa.Column('address_visibility', sa.String(length=20), server_default='coordinators', nullable=False))

    with op.batch_alter_table('rings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('registration_open', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('starting_credit', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('household_size', sa.Integer(), server_default='4', nullable=False))
        batch_op.add_column(sa.Column('talent_lifetime_days', sa.Integer(), server_default='180', nullable=False))



def downgrade():
    with op.batch_alter_table('rings', schema=None) as batch_op:
        batch_op.drop_column('talent_lifetime_days')
        batch_op.drop_column('household_size')
        batch_op.drop_column('starting_credit')
        batch_op.drop_column('registration_open')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('description')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('address_visibility')
        batch_op.drop_column('phone_visibility')
        batch_op.drop_column('email_visibility')
        batch_op.drop_column('availability')
        batch_op.drop_column('skills')
        batch_op.drop_column('about')
        batch_op.drop_column('district')
        batch_op.drop_column('postcode')
        batch_op.drop_column('address')
        batch_op.drop_column('phone')
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('left_on')

    with op.batch_alter_table('talents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_talents_ring_id'))
        batch_op.drop_index(batch_op.f('ix_talents_member_id'))
        batch_op.drop_index(batch_op.f('ix_talents_category_id'))

    op.drop_table('talents')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_sent_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_ring_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_next_attempt_at'))

    op.drop_table('outbox')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_categories_ring_id'))

    op.drop_table('categories')
