"""A record per sign-in (device session), and the last admin TOTP step accepted

Revision ID: 0009_device_sessions
Revises: 0008_import_sources
Create Date: 2026-12-05 17:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_device_sessions'
down_revision = '0008_import_sources'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'device_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key_digest', sa.String(length=64), nullable=False),
        sa.Column('device', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_digest'),
    )
    with op.batch_alter_table('device_sessions') as batch_op:
        batch_op.create_index(batch_op.f('ix_device_sessions_user_id'), ['user_id'], unique=False)
    # Plain ALTER TABLE, not batch mode: SQLite adds and drops a column in place (3.35 and later), so
    # the users table is never rebuilt.
    op.add_column('users', sa.Column('totp_last_step', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('users', 'totp_last_step')
    with op.batch_alter_table('device_sessions') as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_sessions_user_id'))
    op.drop_table('device_sessions')
