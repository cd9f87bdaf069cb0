"""An index for the area pages: a region's listings by country, region in any case, and town

Revision ID: 0017_area_index
Revises: 0016_data_versions
Create Date: 2026-12-07 02:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_area_index'
down_revision = '0016_data_versions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_listings_area', 'listings', ['country', sa.text('upper(region)'), 'city'])


def downgrade():
    op.drop_index('ix_listings_area', table_name='listings')
