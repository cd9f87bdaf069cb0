"""Where groups are needed: daily search counters by coarse cell, topic filter and outcome

Revision ID: 0012_demand_counts
Revises: 0011_user_language
Create Date: 2026-12-05 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_demand_counts'
down_revision = '0011_user_language'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'demand_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('cell_row', sa.Integer(), nullable=False),
        sa.Column('cell_col', sa.Integer(), nullable=False),
        sa.Column('topics', sa.String(length=200), nullable=False),
        sa.Column('outcome', sa.SmallInteger(), nullable=False),
        sa.Column('searches', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day', 'cell_row', 'cell_col', 'topics', 'outcome', name='uq_demand_counts_key'),
    )


def downgrade():
    op.drop_table('demand_counts')
