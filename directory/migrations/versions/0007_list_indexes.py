"""PostgreSQL: each list of a search gets indexes over points and words together

Revision ID: 0007_list_indexes
Revises: 0006_search_facets
Create Date: 2026-11-26 12:00:00

The online list's nearest entries came from boxes that grew until they held enough (two or three
statements for a remote place or a sparse filter), and with keywords every listing in a box had its
words checked in the table. Each list (met in person, joinable online) now has a GiST index over its
listings' public points on the unit sphere (the `cube` extension that ships with PostgreSQL) and
their words: the online list is read nearest first in one short scan, and a box's keyword matches
are found on the index entries. The online list's count gets a full-text index of online listings
alone, and the full-text index of every listing, which no statement asks any more, goes. See
directory/listings/search_indexes.py. SQLite is unchanged.
"""
from alembic import op

from directory.listings import search_indexes

revision = '0007_list_indexes'
down_revision = '0006_search_facets'
branch_labels = None
depends_on = None


def upgrade():
    search_indexes.install(op.get_bind())


def downgrade():
    search_indexes.drop(op.get_bind())
