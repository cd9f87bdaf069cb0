"""Listings carry their topics as bits, in the search's indexes

Revision ID: 0005_topic_bits
Revises: 0004_search_box_and_document
Create Date: 2026-11-26 07:20:00

A topic filter asked listing_topics about every listing in the search's box: one index lookup per
row, which cost more than reading the box itself (twice as long for a wide box). listings.topic_bits
holds bit (topic id mod 63) for each of the listing's topics, triggers on listing_topics keep it in
step, and both search indexes carry it, so the filter is checked on the index entry.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_topic_bits'
down_revision = '0004_search_box_and_document'
branch_labels = None
depends_on = None

# This revision's own values: the models and the search may change later, this revision may not.
BOX = 'ix_listings_search_box'
BOX_BEFORE = ['status', 'latitude_band', 'longitude', 'latitude', 'format', 'location_precision',
              'last_confirmed_at', 'owner_id', 'kind', 'cost']
COVER = 'ix_listings_status_format_cover'
COVER_BEFORE = ['status', 'format', 'kind', 'cost', 'last_confirmed_at', 'owner_id']


# A listing's bits, from its rows in listing_topics (an OR of distinct bits is their sum).
SQLITE_TRIGGERS = [
    'CREATE TRIGGER listing_topics_bits_insert AFTER INSERT ON listing_topics BEGIN UPDATE listings SET topic_bits = (SELECT coalesce(sum(DISTINCT 1 << (topic_id % 63)), 0) FROM listing_topics WHERE listing_id = NEW.listing_id) WHERE id = NEW.listing_id; END',
    'CREATE TRIGGER listing_topics_bits_delete AFTER DELETE ON listing_topics BEGIN UPDATE listings SET topic_bits = (SELECT coalesce(sum(DISTINCT 1 << (topic_id % 63)), 0) FROM listing_topics WHERE listing_id = OLD.listing_id) WHERE id = OLD.listing_id; END',
    'CREATE TRIGGER listing_topics_bits_update AFTER UPDATE ON listing_topics BEGIN UPDATE listings SET topic_bits = (SELECT coalesce(sum(DISTINCT 1 << (topic_id % 63)), 0) FROM listing_topics WHERE listing_id = OLD.listing_id) WHERE id = OLD.listing_id; UPDATE listings SET topic_bits = (SELECT coalesce(sum(DISTINCT 1 << (topic_id % 63)), 0) FROM listing_topics WHERE listing_id = NEW.listing_id) WHERE id = NEW.listing_id; END',
    'UPDATE listings SET topic_bits = (SELECT coalesce(sum(DISTINCT 1 << (topic_id % 63)), 0) FROM listing_topics WHERE listing_id = listings.id) WHERE topic_bits != (SELECT coalesce(sum(DISTINCT 1 << (topic_id % 63)), 0) FROM listing_topics WHERE listing_id = listings.id)',
]
SQLITE_DROP = ['DROP TRIGGER listing_topics_bits_insert', 'DROP TRIGGER listing_topics_bits_delete',
               'DROP TRIGGER listing_topics_bits_update']
POSTGRESQL_TRIGGER = [
    "CREATE FUNCTION listing_topics_refresh_bits() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE listings SET topic_bits = (SELECT coalesce(bit_or(1::bigint << (topic_id % 63)), 0) FROM listing_topics WHERE listing_id = OLD.listing_id) WHERE id = OLD.listing_id; END IF; IF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE listings SET topic_bits = (SELECT coalesce(bit_or(1::bigint << (topic_id % 63)), 0) FROM listing_topics WHERE listing_id = NEW.listing_id) WHERE id = NEW.listing_id; END IF; RETURN NULL; END $$",
    'CREATE TRIGGER listing_topics_bits AFTER INSERT OR UPDATE OR DELETE ON listing_topics FOR EACH ROW EXECUTE FUNCTION listing_topics_refresh_bits()',
    'UPDATE listings SET topic_bits = (SELECT coalesce(bit_or(1::bigint << (topic_id % 63)), 0) FROM listing_topics WHERE listing_id = listings.id) WHERE topic_bits != (SELECT coalesce(bit_or(1::bigint << (topic_id % 63)), 0) FROM listing_topics WHERE listing_id = listings.id)',
]
POSTGRESQL_DROP = ['DROP TRIGGER listing_topics_bits ON listing_topics', 'DROP FUNCTION listing_topics_refresh_bits()']
TRIGGERS = {'sqlite': (SQLITE_TRIGGERS, SQLITE_DROP), 'postgresql': (POSTGRESQL_TRIGGER, POSTGRESQL_DROP)}


def _indexes(box, cover):
    for name, columns in ((BOX, box), (COVER, cover)):
        op.drop_index(name, table_name='listings')
        op.create_index(name, 'listings', columns, unique=False, postgresql_include=['id'])


def upgrade():
    # No batch mode: rebuilding the SQLite table would drop the full-text triggers on it.
    op.add_column('listings', sa.Column('topic_bits', sa.BigInteger(), server_default=sa.text('0'),
                                        nullable=False))
    for statement in TRIGGERS[op.get_bind().dialect.name][0]:
        op.execute(statement)
    _indexes(BOX_BEFORE + ['topic_bits'], COVER_BEFORE + ['topic_bits'])


def downgrade():
    _indexes(BOX_BEFORE, COVER_BEFORE)
    for statement in TRIGGERS[op.get_bind().dialect.name][1]:
        op.execute(statement)
    op.drop_column('listings', 'topic_bits')
