"""PostgreSQL: the online count's covering index also carries the listing id

Revision ID: 0003_filter_index_includes_id
Revises: 0002_listing_filter_index
Create Date: 2026-11-26 02:56:00

A topic or audience filter joins the count to listing_topics on the listing id. SQLite keeps the
row id in every index; PostgreSQL needs it included, or it reads the whole table instead of the
index (about 90 ms instead of 10 ms at 100,000 listings).
"""
from alembic import op

revision = '0003_filter_index_includes_id'
down_revision = '0002_listing_filter_index'
branch_labels = None
depends_on = None

NAME = 'ix_listings_status_format_cover'
COLUMNS = ['status', 'format', 'kind', 'cost', 'last_confirmed_at', 'owner_id']


def upgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index(NAME)
        batch_op.create_index(NAME, COLUMNS, unique=False, postgresql_include=['id'])


def downgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index(NAME)
        batch_op.create_index(NAME, COLUMNS, unique=False)
