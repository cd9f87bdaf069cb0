"""The search reads its bounding box from one covering index; PostgreSQL stores each listing's document

Revision ID: 0004_search_box_and_document
Revises: 0003_filter_index_includes_id
Create Date: 2026-11-26 04:30:00

The local search measures every listing in a box around the visitor. The old (status, latitude,
longitude) index read a box as a band of latitude across the whole continent and then looked each
row up in the table for its format, precision, owner and confirmation date. The new index leads with
a tenth-of-a-degree latitude band (a column the database computes), then longitude, so a box is a
few short runs, and it holds every column the search reads, so the table is not touched.

PostgreSQL's full-text index was an expression index, so every query recomputed to_tsvector for each
matching row it read. A stored generated column holds the document once, and the GIN index is on it.

Every search lists the suspended owners (whose listings it leaves out) and read all users for it; an
index on suspended_at makes that a short index scan.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_search_box_and_document'
down_revision = '0003_filter_index_includes_id'
branch_labels = None
depends_on = None

# This revision's own values: the models and the search may change later, this revision may not.
LATITUDE_BAND_SQL = 'CAST(trunc(latitude * 10 + 900) AS INTEGER)'
OLD_BOX = ('ix_listings_status_lat_lon', ['status', 'latitude', 'longitude'])
NEW_BOX = ('ix_listings_search_box', ['status', 'latitude_band', 'longitude', 'latitude', 'format',
                                      'location_precision', 'last_confirmed_at', 'owner_id', 'kind', 'cost'])
DOCUMENT = ("to_tsvector('english', coalesce(name, '') || ' ' || coalesce(summary, '') || ' ' || "
            "coalesce(description, '') || ' ' || coalesce(experience, '') || ' ' || coalesce(city, ''))")
# IF [NOT] EXISTS: a database may reach this revision with the column and its index already in place
# (0001 once borrowed them from the search code) instead of 0001's expression index.
STORED_DOCUMENT = [
    'DROP INDEX IF EXISTS ix_listings_fulltext',
    f'ALTER TABLE listings ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED',
    'CREATE INDEX IF NOT EXISTS ix_listings_search_vector ON listings USING GIN (search_vector)',
]
EXPRESSION_INDEX = [
    'DROP INDEX ix_listings_search_vector',
    'ALTER TABLE listings DROP COLUMN search_vector',
    f'CREATE INDEX ix_listings_fulltext ON listings USING GIN ({DOCUMENT})',
]


def upgrade():
    # No batch mode: SQLite adds a virtual generated column in place, and rebuilding the table would
    # drop the full-text triggers on it.
    # SQLite computes the column when read (it can only add such columns in place); PostgreSQL stores it,
    # as it must to index it.
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:  # the document first: every database built so far has it before the band
        for statement in STORED_DOCUMENT:
            op.execute(statement)
    stored = True if postgresql else None
    op.add_column('listings', sa.Column('latitude_band', sa.Integer(), sa.Computed(LATITUDE_BAND_SQL, persisted=stored)))
    op.drop_index(OLD_BOX[0], table_name='listings')
    op.create_index(NEW_BOX[0], 'listings', NEW_BOX[1], unique=False, postgresql_include=['id'])
    op.create_index('ix_users_suspended_at', 'users', ['suspended_at'], unique=False)


def downgrade():
    op.drop_index('ix_users_suspended_at', table_name='users')
    op.drop_index(NEW_BOX[0], table_name='listings')
    op.create_index(OLD_BOX[0], 'listings', OLD_BOX[1], unique=False)
    op.drop_column('listings', 'latitude_band')
    if op.get_bind().dialect.name == 'postgresql':
        for statement in EXPRESSION_INDEX:
            op.execute(statement)
