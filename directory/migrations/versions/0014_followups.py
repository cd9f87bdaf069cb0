"""Check-ins: "Did they answer you?", the answers counted per listing, and owners' reminders

Revision ID: 0014_followups
Revises: 0013_alerts
Create Date: 2026-12-05 21:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_followups'
down_revision = '0013_alerts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'checkins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['contact_messages.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('checkins') as batch_op:
        batch_op.create_index(batch_op.f('ix_checkins_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkins_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkins_due_at'), ['due_at'], unique=False)
    op.create_table(
        'followup_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('answer', sa.String(length=10), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('followup_answers') as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_answers_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_answers_answered_at'), ['answered_at'], unique=False)
    op.create_table(
        'followup_nudges',
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('no_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('listing_id'),
    )


def downgrade():
    op.drop_table('followup_nudges')
    with op.batch_alter_table('followup_answers') as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_answers_answered_at'))
        batch_op.drop_index(batch_op.f('ix_followup_answers_listing_id'))
    op.drop_table('followup_answers')
    with op.batch_alter_table('checkins') as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkins_due_at'))
        batch_op.drop_index(batch_op.f('ix_checkins_listing_id'))
        batch_op.drop_index(batch_op.f('ix_checkins_message_id'))
    op.drop_table('checkins')
