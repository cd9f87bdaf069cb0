"""PostgreSQL indexes each listing's list and topics with its words

Revision ID: 0006_search_facets
Revises: 0005_topic_bits
Create Date: 2026-11-26 10:30:00

A keyword search asked the full-text index for every listing with the words, then dropped most of
them for their format or topics, one by one: for a common word, several milliseconds in each of the
search's statements. listings.search_facets (PostgreSQL only, a stored column computed from the
row's format and topic bits) goes into one GIN index with the document, so the index hands back
only the listings a statement wants.

A listing's facets are integers: 100 when it is met in person (in person or hybrid), 101 when it can
be joined online (online or hybrid), and for each of its topic bits, 1000 + bit within the first list
and 2000 + bit within the second (one integer for list and topic, so a topic filter reads one short
posting list instead of intersecting a whole list's with a topic's).
"""
from alembic import op

revision = '0006_search_facets'
down_revision = '0005_topic_bits'
branch_labels = None
depends_on = None

FACETS_FUNCTION = (
    'CREATE FUNCTION listing_search_facets(listing_format text, bits bigint) RETURNS integer[] '
    'LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ '
    "WITH lists AS (SELECT unnest(CASE listing_format WHEN 'in_person' THEN ARRAY[100] "
    "WHEN 'online' THEN ARRAY[101] WHEN 'hybrid' THEN ARRAY[100, 101] ELSE '{}'::integer[] END) AS facet) "
    'SELECT ARRAY(SELECT facet FROM lists) || ARRAY('
    'SELECT (CASE facet WHEN 100 THEN 1000 WHEN 101 THEN 2000 END) + bit '
    'FROM lists, generate_series(0, 62) AS bit WHERE bits & (1::bigint << bit) <> 0) $$'
)
UPGRADE = [
    FACETS_FUNCTION,
    'ALTER TABLE listings ADD COLUMN search_facets integer[] '
    'GENERATED ALWAYS AS (listing_search_facets(format, topic_bits)) STORED',
    'CREATE INDEX ix_listings_search_words_facets ON listings USING GIN (search_vector, search_facets)',
    'DROP INDEX ix_listings_search_vector',
]
DOWNGRADE = [
    'CREATE INDEX ix_listings_search_vector ON listings USING GIN (search_vector)',
    'DROP INDEX ix_listings_search_words_facets',
    'ALTER TABLE listings DROP COLUMN search_facets',
    'DROP FUNCTION listing_search_facets(text, bigint)',
]


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for statement in UPGRADE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for statement in DOWNGRADE:
            op.execute(statement)
