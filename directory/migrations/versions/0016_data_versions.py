"""The public data's version, moved by every change a visitor could see: pages' ETags and the search cache

Revision ID: 0016_data_versions
Revises: 0015_search_language
Create Date: 2026-12-06 02:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_data_versions'
down_revision = '0015_search_language'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_versions',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade():
    op.drop_table('data_versions')
