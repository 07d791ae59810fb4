"""Regions, their rings' coverage, the directory of family-support services and help requests.

A region's contact point logs in like a member but belongs to no ring: a
member row of the role `contact` without ring and account. Talents get a
visibility ("ring" or "region").

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 00:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('member', 'coordinator', 'admin')"
NEW_ROLES = "role IN ('member', 'coordinator', 'admin', 'contact')"


def upgrade():
    op.create_table('regions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('contact_email', sa.String(length=254), server_default='', nullable=False),
    sa.Column('contact_phone', sa.String(length=40), server_default='', nullable=False),
    sa.Column('contact_address', sa.String(length=200), server_default='', nullable=False),
    sa.Column('contact_hours', sa.String(length=200), server_default='', nullable=False),
    sa.Column('retention_days', sa.Integer(), server_default='90', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regions')),
    sa.UniqueConstraint('slug', name=op.f('uq_regions_slug'))
    )
    op.create_table('ring_coverage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('postcodes', sa.Text(), server_default='', nullable=False),
    sa.Column('places', sa.Text(), server_default='', nullable=False),
    sa.Column('meeting_place', sa.String(length=200), server_default='', nullable=False),
    sa.Column('meeting_time', sa.String(length=200), server_default='', nullable=False),
    sa.Column('how_to_join', sa.Text(), server_default='', nullable=False),
    sa.Column('contact_email', sa.String(length=254), server_default='', nullable=False),
    sa.Column('contact_phone', sa.String(length=40), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_ring_coverage_region_id_regions')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_ring_coverage_ring_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ring_coverage')),
    sa.UniqueConstraint('ring_id', name=op.f('uq_ring_coverage_ring_id'))
    )
    with op.batch_alter_table('ring_coverage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ring_coverage_region_id'), ['region_id'], unique=False)
    op.create_table('region_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_region_contacts_member_id_members')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_contacts_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_contacts')),
    sa.UniqueConstraint('member_id', name=op.f('uq_region_contacts_member_id'))
    )
    with op.batch_alter_table('region_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_contacts_region_id'), ['region_id'], unique=False)
    op.create_table('family_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('places', sa.Text(), server_default='', nullable=False),
    sa.Column('postcodes', sa.Text(), server_default='', nullable=False),
    sa.Column('contact', sa.String(length=300), server_default='', nullable=False),
    sa.Column('hours', sa.String(length=300), server_default='', nullable=False),
    sa.Column('cost', sa.String(length=20), nullable=False),
    sa.Column('price_note', sa.String(length=300), server_default='', nullable=False),
    sa.Column('accessibility', sa.String(length=300), server_default='', nullable=False),
    sa.Column('meets_quality', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("cost IN ('free', 'tauschring', 'paid')", name=op.f('ck_family_services_cost_known')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_family_services_region_id_regions')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_family_services_ring_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_services'))
    )
    with op.batch_alter_table('family_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_services_region_id'), ['region_id'], unique=False)
    op.create_table('help_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('need', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=120), server_default='', nullable=False),
    sa.Column('postcode', sa.String(length=10), server_default='', nullable=False),
    sa.Column('name', sa.String(length=120), server_default='', nullable=False),
    sa.Column('email', sa.String(length=254), server_default='', nullable=False),
    sa.Column('phone', sa.String(length=40), server_default='', nullable=False),
    sa.Column('language', sa.String(length=5), server_default='de', nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retain_until', sa.Date(), nullable=False),
    sa.Column('contact_deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=20), server_default='new', nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('forward_note', sa.Text(), server_default='', nullable=False),
    sa.Column('forwarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), server_default='', nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('talent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('new', 'forwarded', 'closed')", name=op.f('ck_help_requests_state_known')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_help_requests_region_id_regions')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_help_requests_ring_id_rings')),
    sa.ForeignKeyConstraint(['service_id'], ['family_services.id'], name=op.f('fk_help_requests_service_id_family_services')),
    sa.ForeignKeyConstraint(['talent_id'], ['talents.id'], name=op.f('fk_help_requests_talent_id_talents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_requests'))
    )
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_requests_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_requests_ring_id'), ['ring_id'], unique=False)

    with op.batch_alter_table('talents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visibility', sa.String(length=10), server_default='ring', nullable=False))
        batch_op.create_check_constraint(op.f('ck_talents_visibility_known'),
                                         "visibility IN ('ring', 'region')")

    # The contact point: a member row without ring and account, of the role `contact`.
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('ring_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('account_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(op.f('ck_members_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_members_role_known'), NEW_ROLES)


def downgrade():
    op.execute("DELETE FROM login_sessions WHERE member_id IN "
               "(SELECT id FROM members WHERE role = 'contact')")
    op.execute("DELETE FROM api_tokens WHERE member_id IN "
               "(SELECT id FROM members WHERE role = 'contact')")
    op.execute("DELETE FROM region_contacts")
    op.execute("DELETE FROM members WHERE role = 'contact'")
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_members_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_members_role_known'), OLD_ROLES)
        batch_op.alter_column('account_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('ring_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('talents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_talents_visibility_known'), type_='check')
        batch_op.drop_column('visibility')
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_requests_ring_id'))
        batch_op.drop_index(batch_op.f('ix_help_requests_region_id'))
    op.drop_table('help_requests')
    with op.batch_alter_table('family_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_services_region_id'))
    op.drop_table('family_services')
    with op.batch_alter_table('region_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_contacts_region_id'))
    op.drop_table('region_contacts')
    with op.batch_alter_table('ring_coverage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ring_coverage_region_id'))
    op.drop_table('ring_coverage')
    op.drop_table('regions')
