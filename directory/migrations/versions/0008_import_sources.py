"""Sources that listings are imported from, one record per upstream group, and claims on imported listings

Revision ID: 0008_import_sources
Revises: 0007_list_indexes
Create Date: 2026-12-05 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_import_sources'
down_revision = '0007_list_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_sources',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('upload', sa.LargeBinary(), nullable=True),
        sa.Column('upload_name', sa.String(length=200), nullable=False),
        sa.Column('format', sa.String(length=20), nullable=False),
        sa.Column('all_types', sa.Boolean(), nullable=False),
        sa.Column('trusted', sa.Boolean(), nullable=False),
        sa.Column('sync_hours', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('checked_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('last_summary', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'source_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('upstream_key', sa.String(length=300), nullable=False),
        sa.Column('upstream_ids', sa.JSON(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('applied', sa.JSON(), nullable=False),
        sa.Column('emails', sa.JSON(), nullable=False),
        sa.Column('gone', sa.Boolean(), nullable=False),
        sa.Column('paused_by_sync', sa.Boolean(), nullable=False),
        sa.Column('following', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['source_id'], ['import_sources.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('listing_id'),
    )
    op.create_index('ix_source_records_source_key', 'source_records', ['source_id', 'upstream_key'], unique=True)
    op.create_table(
        'listing_claims',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('keep_following', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_listing_claims_listing_id', 'listing_claims', ['listing_id'])
    op.create_index('ix_listing_claims_user_id', 'listing_claims', ['user_id'])
    op.create_index('ix_listing_claims_status_created', 'listing_claims', ['status', 'created_at'])


def downgrade():
    op.drop_index('ix_listing_claims_status_created', table_name='listing_claims')
    op.drop_index('ix_listing_claims_user_id', table_name='listing_claims')
    op.drop_index('ix_listing_claims_listing_id', table_name='listing_claims')
    op.drop_table('listing_claims')
    op.drop_index('ix_source_records_source_key', table_name='source_records')
    op.drop_table('source_records')
    op.drop_table('import_sources')
