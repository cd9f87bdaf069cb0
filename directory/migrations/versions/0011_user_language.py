"""The language an account reads the site and its e-mails in

Revision ID: 0011_user_language
Revises: 0010_outbox
Create Date: 2026-12-05 21:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_user_language'
down_revision = '0010_outbox'
branch_labels = None
depends_on = None


def upgrade():
    # Empty for accounts made before: they read the site in their browser's language and get mail in English.
    # Plain ALTER TABLE, not batch mode: SQLite adds and drops a column in place, never rebuilding users.
    op.add_column('users', sa.Column('language', sa.String(length=10), nullable=True))


def downgrade():
    op.drop_column('users', 'language')
