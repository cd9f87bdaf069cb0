"""Full-text search through each database's own index: SQLite FTS5, PostgreSQL tsvector + GIN.

The index is kept in step with the listings table by the database itself (SQLite triggers, a
PostgreSQL expression index), so no code path can forget to update it.
"""

from __future__ import annotations

import re

from sqlalchemy import Float, Integer, Subquery, text

FTS_TABLE = "listing_fts"
PG_INDEX = "ix_listings_fulltext"
# The PostgreSQL document; queries must use the very same expression so the GIN index applies.
PG_DOCUMENT = (
    "to_tsvector('english', coalesce(name, '') || ' ' || coalesce(summary, '') || ' ' || "
    "coalesce(description, '') || ' ' || coalesce(experience, '') || ' ' || coalesce(city, ''))"
)
FTS_COLUMNS = ("name", "summary", "description", "experience", "city")

# Every SQL string in this module is built from the constants above only (the visitor's words are bound
# parameters), which is why the scanners' string-built-SQL warnings are silenced on them.
_SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    + ", ".join(FTS_COLUMNS)
    + ", content='listings', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER IF NOT EXISTS listing_fts_insert AFTER INSERT ON listings BEGIN
        INSERT INTO {FTS_TABLE}(rowid, {", ".join(FTS_COLUMNS)})
        VALUES (new.id, {", ".join("new." + c for c in FTS_COLUMNS)});
    END""",  # noqa: S608  # nosec B608
    f"""CREATE TRIGGER IF NOT EXISTS listing_fts_delete AFTER DELETE ON listings BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {", ".join(FTS_COLUMNS)})
        VALUES ('delete', old.id, {", ".join("old." + c for c in FTS_COLUMNS)});
    END""",  # noqa: S608  # nosec B608
    f"""CREATE TRIGGER IF NOT EXISTS listing_fts_update
        AFTER UPDATE OF {", ".join(FTS_COLUMNS)} ON listings BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {", ".join(FTS_COLUMNS)})
        VALUES ('delete', old.id, {", ".join("old." + c for c in FTS_COLUMNS)});
        INSERT INTO {FTS_TABLE}(rowid, {", ".join(FTS_COLUMNS)})
        VALUES (new.id, {", ".join("new." + c for c in FTS_COLUMNS)});
    END""",  # noqa: S608  # nosec B608
]


def install_search_index(connection) -> None:
    """Create the full-text index for this connection's database (idempotent)."""
    if connection.dialect.name == "sqlite":
        for statement in _SQLITE_DDL:
            connection.execute(text(statement))
        rebuild = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"  # noqa: S608  # nosec B608
        connection.execute(text(rebuild))
    elif connection.dialect.name == "postgresql":
        index = f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON listings USING GIN ({PG_DOCUMENT})"
        connection.execute(text(index))


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


# The query side --------------------------------------------------------------------------------------

# Longest keyword text taken from a visitor, and most terms turned into a query: bounds the work.
MAX_QUERY_CHARS = 200
MAX_TERMS = 12
# Columns weigh in this order when SQLite ranks matches (name first), as FTS_COLUMNS lists them.
BM25_WEIGHTS = (10.0, 4.0, 1.0, 1.0, 2.0)
# PostgreSQL's 'english' configuration drops these words; SQLite's tokenizer keeps them, so drop them
# here too, or "groups for men" would find fewer listings on SQLite than on PostgreSQL.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such
    than that the their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with you your yours yourself
    yourselves""".split()
)
PG_QUERY = "websearch_to_tsquery('english', :q)"
_PIECE = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


def _terms(text_: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text_.replace("_", " "))]


def fts5_query(user_text: str) -> str | None:
    """Turn what a visitor typed into a safe FTS5 query, or None when nothing is left to match.

    It reads the same little language as PostgreSQL's websearch_to_tsquery, with the same
    precedence: words must all match, "quoted words" match as a phrase, -word excludes, and `or`
    separates alternatives ("anger men or grief" is (anger AND men) OR grief). Every term is
    emitted as a double-quoted FTS5 string built only from word characters, so no operator, column
    filter or stray quote typed by a visitor can reach FTS5's parser.
    """
    alternatives: list[tuple[list[str], list[str]]] = [([], [])]  # OR of (required, excluded)
    count = 0
    for match in _PIECE.finditer((user_text or "")[:MAX_QUERY_CHARS]):
        phrase, bare = match.group(1), match.group(2)
        negate = False
        if bare is not None:
            if bare.lower() == "or":
                if alternatives[-1][0] or alternatives[-1][1]:
                    alternatives.append(([], []))
                continue
            if bare.startswith("-") and len(bare) > 1:
                negate, bare = True, bare[1:]
            words = _terms(bare)
            # A lone stop word means nothing to PostgreSQL; a split word ("e-mail") stays a phrase.
            if len(words) == 1 and words[0] in STOP_WORDS:
                continue
        else:
            words = _terms(phrase)
        if not words:
            continue
        alternatives[-1][1 if negate else 0].append('"' + " ".join(words) + '"')
        count += 1
        if count >= MAX_TERMS:
            break
    # FTS5's NOT needs something on its left; an alternative of exclusions alone is dropped.
    parts = [" AND ".join(required) + "".join(f" NOT {term}" for term in excluded)
             for required, excluded in alternatives if required]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else " OR ".join(f"({part})" for part in parts)


def has_keywords(user_text: str | None) -> bool:
    """Whether the text holds anything to search for (stop words and punctuation alone do not)."""
    return fts5_query(user_text or "") is not None


def keyword_matches(user_text: str, dialect_name: str) -> Subquery | None:
    """A subquery of (listing_id, rank) for listings matching the visitor's words; higher rank is better.

    None when the text has nothing to search for. Each database answers from its own index:
    SQLite's FTS5 table (ranked by bm25, name weighted most) or PostgreSQL's GIN index over
    PG_DOCUMENT (the very same expression, or the planner cannot use it; ranked by ts_rank).
    """
    query = fts5_query(user_text)
    if query is None:
        return None
    if dialect_name == "postgresql":
        words = (user_text or "")[:MAX_QUERY_CHARS].replace("\x00", " ")  # PostgreSQL refuses NUL in text
        # Only constants are spliced in; the visitor's text is a bound parameter.
        statement = text(
            f"SELECT id AS listing_id, ts_rank({PG_DOCUMENT}, {PG_QUERY}) AS rank "  # noqa: S608  # nosec B608
            f"FROM listings WHERE {PG_DOCUMENT} @@ {PG_QUERY}"
        ).bindparams(q=words)
    else:
        weights = ", ".join(str(weight) for weight in BM25_WEIGHTS)
        statement = text(
            f"SELECT rowid AS listing_id, -bm25({FTS_TABLE}, {weights}) AS rank "  # noqa: S608  # nosec B608
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q"
        ).bindparams(q=query)
    return statement.columns(listing_id=Integer, rank=Float).subquery("keyword_matches")
