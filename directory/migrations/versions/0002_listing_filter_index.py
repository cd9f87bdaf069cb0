"""A covering index for counting the online list

Revision ID: 0002_listing_filter_index
Revises: 0001
Create Date: 2026-11-26 01:45:00

Every search counts the listings one can join online (about a third of all listings). With status,
format, kind, cost, last confirmation and owner in one index, that count reads the index alone
instead of every row; it replaces the (status, format) index, which is its prefix.
"""
from alembic import op

revision = '0002_listing_filter_index'
down_revision = '0001'
branch_labels = None
depends_on = None

COLUMNS = ['status', 'format', 'kind', 'cost', 'last_confirmed_at', 'owner_id']


def upgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index('ix_listings_status_format_cover', COLUMNS, unique=False)
        batch_op.drop_index('ix_listings_status_format')


def downgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index('ix_listings_status_format', ['status', 'format'], unique=False)
        batch_op.drop_index('ix_listings_status_format_cover')
