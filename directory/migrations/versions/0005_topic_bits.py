"""Listings carry their topics as bits, in the search's indexes

Revision ID: 0005_topic_bits
Revises: 0004_search_box_and_document
Create Date: 2026-11-26 07:20:00

A topic filter asked listing_topics about every listing in the search's box: one index lookup per
row, which cost more than reading the box itself (twice as long for a wide box). listings.topic_bits
holds a bit per topic (see directory/listings/topic_bits.py), triggers on listing_topics keep it in
step, and both search indexes carry it, so the filter is checked on the index entry.
"""
import sqlalchemy as sa
from alembic import op

from directory.listings import topic_bits

revision = '0005_topic_bits'
down_revision = '0004_search_box_and_document'
branch_labels = None
depends_on = None

# Frozen copies of the model's index columns as of this revision.
BOX = 'ix_listings_search_box'
BOX_BEFORE = ['status', 'latitude_band', 'longitude', 'latitude', 'format', 'location_precision',
              'last_confirmed_at', 'owner_id', 'kind', 'cost']
COVER = 'ix_listings_status_format_cover'
COVER_BEFORE = ['status', 'format', 'kind', 'cost', 'last_confirmed_at', 'owner_id']


def _indexes(box, cover):
    for name, columns in ((BOX, box), (COVER, cover)):
        op.drop_index(name, table_name='listings')
        op.create_index(name, 'listings', columns, unique=False, postgresql_include=['id'])


def upgrade():
    # No batch mode: rebuilding the SQLite table would drop the full-text triggers on it.
    op.add_column('listings', sa.Column('topic_bits', sa.BigInteger(), server_default=sa.text('0'),
                                        nullable=False))
    topic_bits.install(op.get_bind())
    _indexes(BOX_BEFORE + ['topic_bits'], COVER_BEFORE + ['topic_bits'])


def downgrade():
    _indexes(BOX_BEFORE, COVER_BEFORE)
    topic_bits.drop(op.get_bind())
    op.drop_column('listings', 'topic_bits')
