"""PostgreSQL indexes each listing's list and topics with its words

Revision ID: 0006_search_facets
Revises: 0005_topic_bits
Create Date: 2026-11-26 10:30:00

A keyword search asked the full-text index for every listing with the words, then dropped most of
them for their format or topics, one by one: for a common word, several milliseconds in each of the
search's statements. listings.search_facets (PostgreSQL only, a stored column computed from the
row's format and topic bits) goes into one GIN index with the document, so the index hands back
only the listings a statement wants (see directory/listings/fulltext.py, install_search_facets).
"""
from alembic import op

from directory.listings.fulltext import drop_search_facets, install_search_facets

revision = '0006_search_facets'
down_revision = '0005_topic_bits'
branch_labels = None
depends_on = None


def upgrade():
    install_search_facets(op.get_bind())


def downgrade():
    drop_search_facets(op.get_bind())
