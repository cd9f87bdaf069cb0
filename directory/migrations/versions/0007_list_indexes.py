"""PostgreSQL: each list of a search gets indexes over points and words together

Revision ID: 0007_list_indexes
Revises: 0006_search_facets
Create Date: 2026-11-26 12:00:00

The online list's nearest entries came from boxes that grew until they held enough (two or three
statements for a remote place or a sparse filter), and with keywords every listing in a box had its
words checked in the table. Each list (met in person, joinable online) now has a GiST index over its
listings' public points on the unit sphere (the `cube` extension that ships with PostgreSQL) and
their words: the online list is read nearest first in one short scan, and a box's keyword matches
are found on the index entries. The online list's count gets a full-text index of online listings
alone, and the full-text index of every listing, which no statement asks any more, goes. SQLite is
unchanged.

A listing's public point is its own when it chose the exact place, else rounded to the hundredth of a
degree the pages show (the arithmetic of directory/listings/privacy.py, copied here); listings.search_point
holds it as a unit vector.
"""
from alembic import op
from sqlalchemy import text

revision = '0007_list_indexes'
down_revision = '0006_search_facets'
branch_labels = None
depends_on = None


# {cube} is the extension's type named with its schema (see upgrade).
POINT_FUNCTION = (
    'CREATE FUNCTION listing_search_point(point_latitude float8, point_longitude float8, point_precision text) '
    'RETURNS {cube} LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ '
    'SELECT CASE WHEN lat IS NULL OR lon IS NULL THEN NULL ELSE {cube}(ARRAY[cos(radians(lat)) * cos(radians(lon)), cos(radians(lat)) * sin(radians(lon)), sin(radians(lat))]) END '
    "FROM (SELECT CASE WHEN point_precision = 'exact' THEN point_latitude ELSE (trunc(point_latitude * 100.0::float8 + 18000.5::float8) - 18000.0::float8) / 100.0::float8 END AS lat, "
    "CASE WHEN point_precision = 'exact' THEN point_longitude ELSE (trunc(point_longitude * 100.0::float8 + 18000.5::float8) - 18000.0::float8) / 100.0::float8 END AS lon) AS public_point $$"
)

IN_PERSON = "status = 'published' AND format IN ('in_person', 'hybrid')"
ONLINE = "status = 'published' AND format IN ('online', 'hybrid')"


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    # The extension may be there already (a database owner may have installed it), and it stays on downgrade.
    op.execute('CREATE EXTENSION IF NOT EXISTS cube')
    # The type is named with its schema: a stored column is computed again when a dump is restored, and a
    # restore runs with an empty search_path.
    schema = op.get_bind().scalar(text("SELECT extnamespace::regnamespace::text FROM pg_extension "
                                       "WHERE extname = 'cube'"))
    cube = f'{schema}.cube'
    op.execute(POINT_FUNCTION.format(cube=cube))
    op.execute(f'ALTER TABLE listings ADD COLUMN search_point {cube} '
               'GENERATED ALWAYS AS (listing_search_point(latitude, longitude, location_precision)) STORED')
    op.execute('CREATE INDEX ix_listings_in_person_point_words ON listings '
               f'USING GIST (search_point, search_vector) WHERE {IN_PERSON}')
    op.execute('CREATE INDEX ix_listings_online_point_words ON listings '
               f'USING GIST (search_point, search_vector) WHERE {ONLINE}')
    op.execute(f'CREATE INDEX ix_listings_online_words ON listings USING GIN (search_vector, search_facets) WHERE {ONLINE}')
    op.execute('DROP INDEX ix_listings_search_words_facets')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE INDEX ix_listings_search_words_facets ON listings USING GIN (search_vector, search_facets)')
    for index in ('ix_listings_in_person_point_words', 'ix_listings_online_point_words', 'ix_listings_online_words'):
        op.execute(f'DROP INDEX {index}')
    op.execute('ALTER TABLE listings DROP COLUMN search_point')
    op.execute('DROP FUNCTION listing_search_point(float8, float8, text)')
