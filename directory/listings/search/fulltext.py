"""Full-text search through each database's own index: SQLite FTS5, PostgreSQL a stored tsvector.

The index is kept in step with the listings table by the database itself (SQLite triggers, a
PostgreSQL generated column, both built by the migrations), so no code path can forget to update it.

On PostgreSQL the words are indexed with each list's points (see indexes), and for the
online list's count with its topic facets too, so one index scan finds the listings that match the
words and the place or the filters.

The index decides which listings match. How well each match fits is scored here, in Python, for
the few listings a search actually orders (those near the visitor): asking either database to rank
every match of a common word costs more than the rest of the search put together, and one scoring
function orders results alike on both databases.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Integer, TextClause, and_, bindparam, literal_column, text
from sqlalchemy.orm import Session, scoped_session

from ...database import rows_matched
from ..models import FORMAT_HYBRID, FORMAT_IN_PERSON, FORMAT_ONLINE, Listing
from . import topic_bits

FTS_TABLE = "listing_fts"
# The words each listing is indexed by, in this order in SQLite's FTS5 table.
FTS_COLUMNS = ("name", "summary", "description", "experience", "city")
# PostgreSQL: each listing's document (a stored tsvector column), and its facets (an integer array column
# computed from the listing's format and topic_bits) that the online list's full-text index also holds.
PG_COLUMN = "search_vector"
PG_FACETS = "search_facets"
# A listing's facets: each list it is in, and each of its topics within each of those lists (one
# integer for both, so a topic filter asks the index for one short posting list, not the long one
# of a whole list intersected with a topic's). The migration that computes them spells these out too.
FACET_IN_PERSON = 100  # met in person: in person or hybrid
FACET_ONLINE = 101  # joinable online: online or hybrid
LIST_FACETS = {FORMAT_IN_PERSON: (FACET_IN_PERSON,), FORMAT_ONLINE: (FACET_ONLINE,),
               FORMAT_HYBRID: (FACET_IN_PERSON, FACET_ONLINE)}
TOPIC_FACETS = {FACET_IN_PERSON: 1000, FACET_ONLINE: 2000}  # plus the topic's bit (see topic_bits)
# SQLite: the temporary table (one per connection) that holds a search's matches, see prepare_keyword_search.
SQLITE_HITS = "keyword_hits"
# Every SQL string in this module is built from the constants here only (the visitor's words are bound
# parameters), which is why the scanners' string-built-SQL warnings are silenced on them.

# Longest keyword text taken from a visitor, and most terms turned into a query: bounds the work.
MAX_QUERY_CHARS = 200
MAX_TERMS = 12
# How much a word found in each of FTS_COLUMNS counts towards relevance: the name most.
COLUMN_WEIGHTS = (10.0, 4.0, 1.0, 1.0, 2.0)
# Repeating a word helps a listing's relevance up to this many times, no more.
MAX_COUNTED = 3
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
# PostgreSQL stores each listing's document in its own language's text-search configuration (a column the
# migrations keep from the listing's languages: English, Spanish, or 'simple' for any other), with one
# lexeme naming that configuration ('language spanish': no typed words parse to a lexeme with a space).
# The words are read in each configuration, each reading joined to its lexeme, so a listing matches when
# they match in its own: "divorcio" finds the Spanish "divorciados", "-divorcio" excludes them. A reading
# left empty (only that language's stop words) matches nothing rather than every listing in it.
PG_CONFIGURATIONS = ("english", "spanish", "simple")
# A text query of one lexeme no document holds (as text, and as SQL): it matches nothing.
PG_NO_LEXEME = "'language none'"
PG_NOTHING = "'" + PG_NO_LEXEME.replace("'", "''") + "'::tsquery"
PG_QUERY = "(" + " || ".join(
    f"(CASE WHEN numnode(websearch_to_tsquery('{name}', :keywords)) = 0 THEN {PG_NOTHING} "
    f"ELSE websearch_to_tsquery('{name}', :keywords) && '''language {name}'''::tsquery END)"
    for name in PG_CONFIGURATIONS) + ")"
# The same words read in every configuration, without the language lexemes: a superset of PG_QUERY's
# matches that an index answers cheaply. Every listing holds one language lexeme, so an index asked for
# PG_QUERY itself walks a posting list of nearly every listing (a common word's online count: 23 ms that way,
# 1.4 ms with PG_WORDS asked of the index and PG_QUERY checked on the rows it finds).
PG_WORDS = "(" + " || ".join(f"websearch_to_tsquery('{name}', :keywords)" for name in PG_CONFIGURATIONS) + ")"
# Each listing's document also holds one lexeme for each of its topic bits ('topic 7', migration 0019), so
# the lists' GiST indexes check a topic filter on their entries with the words: any of the topics' lexemes,
# bound as :topic_words (see facet_values), is asked for with the words.
PG_TOPIC_WORDS = "CAST(:topic_words AS tsquery)"
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


def keyword_value(user_text: str, dialect_name: str) -> str | None:
    """What `keyword_clause` binds as :keywords for the visitor's words; None when nothing is searchable.

    SQLite gets the safe FTS5 query built here; PostgreSQL the words themselves, which its
    websearch_to_tsquery reads in the same little language.
    """
    query = fts5_query(user_text)
    if query is None or dialect_name != "postgresql":
        return query
    return (user_text or "")[:MAX_QUERY_CHARS].replace("\x00", " ")  # PostgreSQL refuses NUL in text


# SQLite: up to this many matches, a search's statements start from the matches; beyond, from the
# place or the filters, with the matches only checked (see keyword_clause).
FEW_MATCHES = 1000
# SQLite: the full-text table is keyed by listings.fulltext_key (migration 0018 spells the same out):
# the half-degree cell of the listing's point (numbered row by row from the south-west, CELL_COLUMNS to
# a row, from 1; 0 without a point) above its id, in the low ID_BITS bits.
KEY_COLUMN = "fulltext_key"
CELLS_PER_DEGREE = 2
CELL_COLUMNS = 360 * CELLS_PER_DEGREE + 1
ID_BITS = 32
ID_MASK = (1 << ID_BITS) - 1
# A box taller than this many rows of cells has every match copied instead: so large an area holds
# most of them anyway.
MAX_BOX_ROWS = 40


def box_key_ranges(min_lat: float, max_lat: float, min_lon: float, max_lon: float,
                   covered: frozenset[int] | set[int] = frozenset()) -> list[tuple[int, int]] | None:
    """The ranges of keys (see KEY_COLUMN) that hold every listing whose point lies in a box, one for each
    run of its cells not `covered` already (cell numbers), west to east, row by row from the south; None
    for a box too tall or across the antimeridian. The cells are computed as the database computes them,
    so a point on the box's edge is in one of them."""
    if min_lon > max_lon:
        return None
    rows = range(_cell(min_lat + 90), _cell(max_lat + 90) + 1)
    if len(rows) > MAX_BOX_ROWS:
        return None
    west, east = _cell(min_lon + 180), _cell(max_lon + 180)
    ranges: list[tuple[int, int]] = []
    for row in rows:
        cells = range(row * CELL_COLUMNS + west + 1, row * CELL_COLUMNS + east + 2)
        for wanted, run in itertools.groupby(cells, key=lambda cell: cell not in covered):
            if wanted:
                run_cells = list(run)
                ranges.append((run_cells[0] << ID_BITS, (run_cells[-1] << ID_BITS) | ID_MASK))
    return ranges


def _cell(shifted_degrees: float) -> int:
    return int(shifted_degrees * CELLS_PER_DEGREE)  # truncated, as SQLite's CAST(... AS INTEGER)


@dataclass(eq=False)
class KeywordMatches:
    """A search's words as its statements match them: `kind` (see keyword_clause) and, on SQLite, which
    of the matches the temporary table holds so far.

    A common word matches a sixth of the directory, and copying every match into the table cost more
    than the rest of the search at a million listings (30 ms of 55). So when the matches are many,
    only those in the cells a statement's box covers are copied, as the statements come (`cover_box`):
    a range of keys for each row of cells, which FTS5 reads without the rest of the word's matches.
    All of them are copied only for a statement bound to no area (`cover_all`).
    """

    kind: str
    session: Session | scoped_session[Any] | None = None
    value: str = ""
    complete: bool = True
    cells: set[int] = field(default_factory=set)

    def cover_box(self, min_lat: float, max_lat: float, min_lon: float, max_lon: float) -> None:
        """Make sure the table holds every match whose point lies in this box."""
        if self.complete:
            return
        ranges = box_key_ranges(min_lat, max_lat, min_lon, max_lon, self.cells)
        if ranges is None:
            self.cover_all()
            return
        if ranges:
            _copy_matches(self._session(), [{"keywords": self.value, "low": low, "high": high}
                                            for low, high in ranges], " AND rowid BETWEEN :low AND :high")
            self.cells.update(cell for low, high in ranges
                              for cell in range(low >> ID_BITS, (high >> ID_BITS) + 1))

    def count_up_to(self, limit: int) -> int:
        """How many listings match the words, counted up to `limit` (the index alone: cheap)."""
        return _count_matches(self._session(), self.value, limit)

    def cover_all(self) -> None:
        """Make sure the table holds every match."""
        if not self.complete:
            _copy_matches(self._session(), {"keywords": self.value})
            self.complete = True

    def _session(self) -> Session | scoped_session[Any]:
        assert self.session is not None  # noqa: S101  # nosec B101 - SQLite's matches only
        return self.session


# SQLite: the keys of the listings matching the words bound as :keywords, as every statement here reads them.
_MATCHED_KEYS = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :keywords"  # noqa: S608  # nosec B608


def _count_matches(session: Session | scoped_session[Any], query: str, limit: int) -> int:
    return int(session.execute(text(
        f"SELECT count(*) FROM ({_MATCHED_KEYS} LIMIT :limit)"  # noqa: S608  # nosec B608
    ), {"keywords": query, "limit": limit}).scalar_one())


def _copy_matches(session: Session | scoped_session[Any], values: dict[str, Any] | list[dict[str, Any]],
                  more: str = "") -> int:
    """Copy the keys of the matches (with `more` SQL after the MATCH, on `values`: one set, or several run
    one after another) into the temporary table; keys there already stay. How many were copied."""
    return rows_matched(session.execute(text(
        f"INSERT OR IGNORE INTO temp.{SQLITE_HITS} (key) {_MATCHED_KEYS}{more}"  # noqa: S608  # nosec B608
    ), values))


def prepare_keyword_search(session: Session | scoped_session[Any], value: str,
                           by_area: bool = False) -> KeywordMatches:
    """Look the words up before the statements that use `keyword_clause` run; returns how they match.

    SQLite would otherwise read every match out of FTS5 again for each statement of a search (a
    common word matches thousands of listings); instead their keys go into a temporary table of this
    connection, whose primary key the statements then probe: all at once, or with `by_area`, when
    they are more than FEW_MATCHES, box by box as the statements need them (see KeywordMatches).
    PostgreSQL checks the words on the entries of each list's index (see indexes) and needs no help.
    """
    dialect_name = session.get_bind().dialect.name
    if dialect_name != "sqlite":
        return KeywordMatches(dialect_name)
    session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {SQLITE_HITS} (key INTEGER PRIMARY KEY)"))
    session.execute(text(f"DELETE FROM temp.{SQLITE_HITS}"))  # noqa: S608  # nosec B608
    if not by_area:
        found = _copy_matches(session, {"keywords": value})
        return KeywordMatches("sqlite-few" if 0 <= found <= FEW_MATCHES else "sqlite", session, value)
    # At most one more than few: few are then all copied, in the one statement; many are copied by area.
    if _copy_matches(session, {"keywords": value, "limit": FEW_MATCHES + 1}, " LIMIT :limit") <= FEW_MATCHES:
        return KeywordMatches("sqlite-few", session, value)
    session.execute(text(f"DELETE FROM temp.{SQLITE_HITS}"))  # noqa: S608  # nosec B608
    return KeywordMatches("sqlite", session, value, complete=False)


def keyword_clause(kind: str, facets: bool = False, topics: bool = False) -> ColumnElement[bool] | TextClause:
    """SQL condition 'this listing matches the words', answered from the database's full-text index.

    `kind` is `KeywordMatches.kind`. PostgreSQL matches :keywords against the stored
    document (indexed with each list's points, and for the online list with its facets too, see
    indexes); `facets` asks that index for the topic facets `facet_values` binds
    (:topic_facets), `topics` (without `facets`) asks the document for the topics' lexemes
    (:topic_words) with the words. Both only speed the scan up: the statement's own topic condition
    still decides.
    SQLite reads the keys `prepare_keyword_search` took from its FTS5 table: when they are few, the
    statement may start from the ids in them; when many, each listing the place or the filters pick
    is probed by its search key (computed from the row, indexed nowhere, so the planner cannot start
    from the matches and read thousands of listings one by one).
    Only this module's constants are spliced into the SQL; the words are a bound parameter.
    """
    if kind == "postgresql":
        # ts_match_vq is the function behind @@: the same test, in a form no index answers, so the planner
        # checks it on the rows the index finds for PG_WORDS instead of asking the index for it.
        indexed = f"({PG_WORDS} && {PG_TOPIC_WORDS})" if topics and not facets else PG_WORDS
        words = text(f"listings.{PG_COLUMN} @@ {indexed} AND ts_match_vq(listings.{PG_COLUMN}, {PG_QUERY})")
        if not facets:
            return words
        column = literal_column(f"listings.{PG_FACETS}", ARRAY(Integer))
        return and_(words, column.op("&&")(bindparam("topic_facets", type_=ARRAY(Integer))))
    if kind == "sqlite-few":
        ids = text(f"SELECT key & {ID_MASK} AS id FROM temp.{SQLITE_HITS}")  # noqa: S608  # nosec B608
        return Listing.id.in_(ids.columns(id=Integer))
    keys = text(f"SELECT key FROM temp.{SQLITE_HITS}").columns(key=Integer)  # noqa: S608  # nosec B608
    return literal_column(f"listings.{KEY_COLUMN}", Integer).in_(keys)


def facet_values(kind: str, formats: Sequence[str], topic_ids: Iterable[int]) -> dict[str, Any]:
    """What `keyword_clause` binds for a list holding `formats` and a filter by any of `topic_ids` (none:
    no topic filter): facets and lexemes only PostgreSQL's indexes have, so nothing for SQLite."""
    if kind != "postgresql":
        return {}
    # The lists every one of the formats is in: a section's own, or both for hybrid listings only.
    # Any of them will do: a hybrid listing has its topics' facets in both of its lists.
    lists = set.intersection(*(set(LIST_FACETS[listing_format]) for listing_format in formats))
    base = TOPIC_FACETS[min(lists)]
    # An id no topic has (see topic_bits.mask) adds no facet or lexeme; none matches nothing.
    bits = sorted({topic_id % topic_bits.BITS for topic_id in topic_ids if topic_id >= 0})
    lexemes = " | ".join(f"'topic {bit}'" for bit in bits) or PG_NO_LEXEME
    return {"topic_facets": [base + bit for bit in bits], "topic_words": lexemes}


def keyword_terms(user_text: str) -> list[str]:
    """The words a visitor wants to find (excluded and stop words left out), for scoring matches."""
    terms: list[str] = []
    for match in _PIECE.finditer((user_text or "")[:MAX_QUERY_CHARS]):
        phrase, bare = match.group(1), match.group(2)
        if bare is not None and (bare.lower() == "or" or bare.startswith("-")):
            continue
        words = _terms(phrase if phrase is not None else bare)
        terms.extend(word for word in words if word not in STOP_WORDS)
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def _stem(word: str) -> str:
    """A crude stem ('fathers' → 'fath'), enough to see 'divorced' in 'divorce' when scoring."""
    for suffix in ("ing", "ers", "ies", "ed", "es", "er", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


class Relevance:
    """Scores how well a listing's text fits the visitor's words: weighted by column, saturating."""

    def __init__(self, user_text: str) -> None:
        self.patterns = [re.compile(r"\b" + re.escape(_stem(term)), re.IGNORECASE)
                         for term in keyword_terms(user_text)]

    def score(self, columns: Sequence[str | None]) -> float:
        """`columns` in the order of FTS_COLUMNS."""
        total = 0.0
        for pattern in self.patterns:
            for weight, value in zip(COLUMN_WEIGHTS, columns, strict=True):
                if value:
                    total += weight * min(len(pattern.findall(value)), MAX_COUNTED)
        return total
