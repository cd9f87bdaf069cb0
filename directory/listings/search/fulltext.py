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

import re
from collections.abc import Iterable, Sequence
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
PG_NOTHING = "'''language none'''::tsquery"
PG_QUERY = "(" + " || ".join(
    f"(CASE WHEN numnode(websearch_to_tsquery('{name}', :keywords)) = 0 THEN {PG_NOTHING} "
    f"ELSE websearch_to_tsquery('{name}', :keywords) && '''language {name}'''::tsquery END)"
    for name in PG_CONFIGURATIONS) + ")"
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


def prepare_keyword_search(session: Session | scoped_session[Any], value: str) -> str:
    """Look the words up once, before the statements that use `keyword_clause` run; returns the
    clause's kind for this search: the dialect's name, or 'sqlite-few' when SQLite found few matches.

    SQLite would otherwise read every match out of FTS5 again for each statement of a search (a
    common word matches thousands of listings); instead they go once into a temporary table of this
    connection, whose primary key the statements then probe. PostgreSQL checks the words on the
    entries of each list's index (see indexes) and needs no help.
    """
    dialect_name = session.get_bind().dialect.name
    if dialect_name != "sqlite":
        return dialect_name
    session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {SQLITE_HITS} (id INTEGER PRIMARY KEY)"))
    session.execute(text(f"DELETE FROM temp.{SQLITE_HITS}"))  # noqa: S608  # nosec B608
    found = rows_matched(session.execute(text(
        f"INSERT INTO temp.{SQLITE_HITS} (id) "  # noqa: S608  # nosec B608
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :keywords"
    ), {"keywords": value}))
    return "sqlite-few" if 0 <= found <= FEW_MATCHES else "sqlite"


def keyword_clause(kind: str, facets: bool = False) -> ColumnElement[bool] | TextClause:
    """SQL condition 'this listing matches the words', answered from the database's full-text index.

    `kind` is what `prepare_keyword_search` returned. PostgreSQL matches :keywords against the stored
    document (indexed with each list's points, and for the online list with its facets too, see
    indexes); `facets` asks that index for the topic facets `facet_values` binds
    (:topic_facets). They only speed the scan up: the statement's own topic condition still decides.
    SQLite reads the matches `prepare_keyword_search` took from its FTS5 table: when they are few,
    the statement may start from them; when many, `id + 0` keeps the planner from doing so (reading
    thousands of listings one by one), and the matches are only probed for the listings the place or
    the filters pick.
    Only this module's constants are spliced into the SQL; the words are a bound parameter.
    """
    if kind == "postgresql":
        words = text(f"listings.{PG_COLUMN} @@ {PG_QUERY}")
        if not facets:
            return words
        column = literal_column(f"listings.{PG_FACETS}", ARRAY(Integer))
        return and_(words, column.op("&&")(bindparam("topic_facets", type_=ARRAY(Integer))))
    matches = text(f"SELECT id FROM temp.{SQLITE_HITS}").columns(id=Integer)  # noqa: S608  # nosec B608
    return (Listing.id if kind == "sqlite-few" else Listing.id + 0).in_(matches)


def facet_values(kind: str, formats: Sequence[str], topic_ids: Iterable[int]) -> dict[str, list[int]]:
    """What `keyword_clause` binds for a list holding `formats` and a filter by any of `topic_ids` (none:
    no topic filter): facets only PostgreSQL's index has, so nothing for SQLite."""
    if kind != "postgresql":
        return {}
    # The lists every one of the formats is in: a section's own, or both for hybrid listings only.
    # Any of them will do: a hybrid listing has its topics' facets in both of its lists.
    lists = set.intersection(*(set(LIST_FACETS[listing_format]) for listing_format in formats))
    base = TOPIC_FACETS[min(lists)]
    # An id no topic has (see topic_bits.mask) adds no facet; an empty list matches nothing.
    return {"topic_facets": sorted({base + topic_id % topic_bits.BITS
                                    for topic_id in topic_ids if topic_id >= 0})}


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
