"""Full-text search through each database's own index: SQLite FTS5, PostgreSQL tsvector + GIN.

The index is kept in step with the listings table by the database itself (SQLite triggers, a
PostgreSQL expression index), so no code path can forget to update it.
"""

from __future__ import annotations

from sqlalchemy import text

FTS_TABLE = "listing_fts"
PG_INDEX = "ix_listings_fulltext"
# The PostgreSQL document; queries must use the very same expression so the GIN index applies.
PG_DOCUMENT = (
    "to_tsvector('english', coalesce(name, '') || ' ' || coalesce(summary, '') || ' ' || "
    "coalesce(description, '') || ' ' || coalesce(experience, '') || ' ' || coalesce(city, ''))"
)
FTS_COLUMNS = ("name", "summary", "description", "experience", "city")

_SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    + ", ".join(FTS_COLUMNS)
    + ", content='listings', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER IF NOT EXISTS listing_fts_insert AFTER INSERT ON listings BEGIN
        INSERT INTO {FTS_TABLE}(rowid, {", ".join(FTS_COLUMNS)})
        VALUES (new.id, {", ".join("new." + c for c in FTS_COLUMNS)});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS listing_fts_delete AFTER DELETE ON listings BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {", ".join(FTS_COLUMNS)})
        VALUES ('delete', old.id, {", ".join("old." + c for c in FTS_COLUMNS)});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS listing_fts_update AFTER UPDATE OF {", ".join(FTS_COLUMNS)} ON listings BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {", ".join(FTS_COLUMNS)})
        VALUES ('delete', old.id, {", ".join("old." + c for c in FTS_COLUMNS)});
        INSERT INTO {FTS_TABLE}(rowid, {", ".join(FTS_COLUMNS)})
        VALUES (new.id, {", ".join("new." + c for c in FTS_COLUMNS)});
    END""",
]


def install_search_index(connection) -> None:
    """Create the full-text index for this connection's database (idempotent)."""
    if connection.dialect.name == "sqlite":
        for statement in _SQLITE_DDL:
            connection.execute(text(statement))
        connection.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))
    elif connection.dialect.name == "postgresql":
        connection.execute(text(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON listings USING GIN ({PG_DOCUMENT})"))


def drop_search_index(connection) -> None:
    if connection.dialect.name == "sqlite":
        for trigger in ("listing_fts_insert", "listing_fts_delete", "listing_fts_update"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
    elif connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP INDEX IF EXISTS {PG_INDEX}"))


def is_search_index_object(name: str | None) -> bool:
    """Objects the full-text index owns, which Alembic's model comparison must ignore."""
    return bool(name) and (name.startswith(FTS_TABLE) or name == PG_INDEX)
