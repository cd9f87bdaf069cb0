"""Alerts: "tell me when a group starts near me", and the listings found for each

Revision ID: 0013_alerts
Revises: 0012_demand_counts
Create Date: 2026-12-05 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_alerts'
down_revision = '0012_demand_counts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('place_query', sa.String(length=200), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=False),
        sa.Column('longitude', sa.Float(), nullable=False),
        sa.Column('radius', sa.Integer(), nullable=False),
        sa.Column('topics', sa.String(length=800), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('last_mailed_at', sa.DateTime(), nullable=True),
        sa.Column('renewal_noticed_at', sa.DateTime(), nullable=True),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('alerts') as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_latitude'), ['latitude'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_expires_at'), ['expires_at'], unique=False)
    op.create_table(
        'alert_matches',
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('found_at', sa.DateTime(), nullable=False),
        sa.Column('mailed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('alert_id', 'listing_id'),
    )
    with op.batch_alter_table('alert_matches') as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_matches_listing_id'), ['listing_id'], unique=False)


def downgrade():
    with op.batch_alter_table('alert_matches') as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_matches_listing_id'))
    op.drop_table('alert_matches')
    with op.batch_alter_table('alerts') as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_expires_at'))
        batch_op.drop_index(batch_op.f('ix_alerts_latitude'))
        batch_op.drop_index(batch_op.f('ix_alerts_email'))
    op.drop_table('alerts')
