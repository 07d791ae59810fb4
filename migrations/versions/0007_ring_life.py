"""Ring life: feedback, news, events, documents, the digest, away mode, search.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:20:00
"""
import re

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ["feedback", "event_attendance", "reminders_sent", "news", "mail_preferences",
          "events", "documents", "digests_sent", "calendar_feeds", "away", "inactivity_rules"]
WORD = re.compile(r"\w+")


def _stemmed(text):
    """As tauschring/search/german.py stems a talent's words (a copy: a migration
    stays as it was written)."""
    import snowballstemmer

    stemmer = snowballstemmer.stemmer("german")
    return " ".join(stemmer.stemWords(WORD.findall((text or "").lower())))


def _search_index():
    """SQLite: the talents' German full-text index (FTS5, stemmed words);
    PostgreSQL: trigram similarity for misspelt words (its full-text search
    with the german configuration needs nothing to be installed)."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return
    op.execute("CREATE VIRTUAL TABLE talent_search USING fts5("
               "title, body, tokenize = 'unicode61 remove_diacritics 2')")
    op.execute("CREATE VIRTUAL TABLE talent_search_vocab USING fts5vocab("
               "'talent_search', 'row')")
    rows = bind.execute(sa.text("SELECT id, title, description FROM talents")).all()
    for talent_id, title, description in rows:
        bind.execute(sa.text("INSERT INTO talent_search (rowid, title, body) "
                             "VALUES (:id, :title, :body)"),
                     {"id": talent_id, "title": _stemmed(title), "body": _stemmed(description)})


def upgrade():

    op.create_table('inactivity_rules',
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_inactivity_rules_ring_id_rings')),
    sa.PrimaryKeyConstraint('ring_id', name=op.f('pk_inactivity_rules'))
    )
    op.create_table('away',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_away_member_id_members')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_away'))
    )
    op.create_table('calendar_feeds',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_calendar_feeds_member_id_members')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feeds_token'))
    )
    op.create_table('digests_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_digests_sent_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digests_sent')),
    sa.UniqueConstraint('member_id', 'week', name='uq_digests_sent_member_week')
    )
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_documents_ring_id_rings')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['members.id'], name=op.f('fk_documents_uploaded_by_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_documents_stored_name'))
    )
    op.create_index(op.f('ix_documents_ring_id'), 'documents', ['ring_id'], unique=False)
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['members.id'], name=op.f('fk_events_created_by_members')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_events_ring_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    op.create_index(op.f('ix_events_ring_id'), 'events', ['ring_id'], unique=False)
    op.create_index(op.f('ix_events_starts_at'), 'events', ['starts_at'], unique=False)
    op.create_table('mail_preferences',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('weekly_digest', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('news_by_mail', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_mail_preferences_member_id_members')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_mail_preferences'))
    )
    op.create_table('news',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('mailed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_news_author_id_members')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_news_ring_id_rings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_news'))
    )
    op.create_index(op.f('ix_news_created_at'), 'news', ['created_at'], unique=False)
    op.create_index(op.f('ix_news_ring_id'), 'news', ['ring_id'], unique=False)
    op.create_table('reminders_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_reminders_sent_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders_sent'))
    )
    op.create_index(op.f('ix_reminders_sent_member_id'), 'reminders_sent', ['member_id'], unique=False)
    op.create_table('event_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_attendance_event_id_events')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_event_attendance_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_attendance')),
    sa.UniqueConstraint('event_id', 'member_id', name='uq_event_attendance_event_member')
    )
    op.create_index(op.f('ix_event_attendance_event_id'), 'event_attendance', ['event_id'], unique=False)
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ring_id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("rating IN ('positive', 'neutral', 'negative')", name=op.f('ck_feedback_rating_known')),
    sa.CheckConstraint('author_id <> subject_id', name=op.f('ck_feedback_not_about_oneself')),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_feedback_author_id_members')),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchanges.id'], name=op.f('fk_feedback_exchange_id_exchanges')),
    sa.ForeignKeyConstraint(['ring_id'], ['rings.id'], name=op.f('fk_feedback_ring_id_rings')),
    sa.ForeignKeyConstraint(['subject_id'], ['members.id'], name=op.f('fk_feedback_subject_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    sa.UniqueConstraint('exchange_id', 'author_id', name='uq_feedback_exchange_author')
    )
    op.create_index(op.f('ix_feedback_ring_id'), 'feedback', ['ring_id'], unique=False)
    op.create_index(op.f('ix_feedback_subject_id'), 'feedback', ['subject_id'], unique=False)

    _search_index()


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS talent_search_vocab")
        op.execute("DROP TABLE IF EXISTS talent_search")
    # pg_trgm stays: other databases' objects may use it, and it holds no data.
    for table in TABLES:
        op.drop_table(table)
