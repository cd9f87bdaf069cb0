"""What the migrations build beside the models: the search's full-text tables, triggers, generated columns,
functions and indexes that SQLAlchemy's metadata cannot describe.

The models and this declaration together are the whole schema at head. Alembic's comparison of models and
database ignores these names (migrations/env.py), and a test upgrades an empty database and checks that it
holds exactly the models plus these, on SQLite and PostgreSQL. A migration that adds or drops one of these
objects updates this file in the same commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExtraIndex:
    table: str
    method: str  # PostgreSQL's access method (gin, gist, btree); "" on SQLite, which names none
    columns: tuple[str, ...]
    partial: bool = False


@dataclass(frozen=True)
class Extras:
    """One database's extras. Columns and triggers are named by table."""

    tables: frozenset[str] = frozenset()
    # Generated columns (stored on PostgreSQL, virtual on SQLite): table -> column -> type.
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Columns the database keeps itself, not computed from their row (a trigger writes them).
    kept_columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # table -> column -> type
    indexes: Mapping[str, ExtraIndex] = field(default_factory=dict)
    triggers: Mapping[str, str] = field(default_factory=dict)  # trigger -> table
    functions: frozenset[str] = frozenset()
    extensions: frozenset[str] = frozenset()

    def names(self) -> frozenset[str]:
        columns = {name for table in (*self.columns.values(), *self.kept_columns.values()) for name in table}
        return frozenset({*self.tables, *columns, *self.indexes, *self.triggers, *self.functions})


_POINT_WORDS = ("search_point", "search_vector")
# An area page asks for a region's listings by country and region in any case (listings/areas.py), and
# groups or sorts them by town: without this index it read every published listing. An index on an
# expression, which SQLAlchemy cannot reflect from SQLite.
AREA_INDEX = "ix_listings_area"
_WORDS_FACETS = ("search_vector", "search_facets")

EXTRAS: Mapping[str, Extras] = {
    # FTS5's external-content table over listings (and the shadow tables FTS5 keeps for it), its triggers,
    # the virtual generated column that keys it by each listing's area, and the triggers that keep
    # listings.topic_bits in step with listing_topics.
    "sqlite": Extras(
        columns={"listings": {"fulltext_key": "INTEGER"}},
        indexes={AREA_INDEX: ExtraIndex("listings", "", ("country", "upper(region)", "city"))},
        tables=frozenset({"listing_fts", "listing_fts_data", "listing_fts_idx", "listing_fts_docsize",
                          "listing_fts_config"}),
        triggers={
            "listing_fts_insert": "listings",
            "listing_fts_delete": "listings",
            "listing_fts_update": "listings",
            "listing_topics_bits_insert": "listing_topics",
            "listing_topics_bits_delete": "listing_topics",
            "listing_topics_bits_update": "listing_topics",
        },
    ),
    # Each listing's text-search configuration (kept in step with its languages by a trigger), stored
    # generated columns (each listing's document, facets and public point) and the indexes the
    # search reads them through; the trigger that keeps listings.topic_bits in step; the functions the
    # generated columns and the trigger call; the `cube` extension the point's type comes from.
    "postgresql": Extras(
        columns={
            "listings": {"search_vector": "tsvector", "search_facets": "integer[]", "search_point": "cube"},
        },
        kept_columns={"listings": {"search_config": "regconfig"}},
        indexes={
            # Partial: published listings of each list's formats.
            "ix_listings_in_person_point_words": ExtraIndex("listings", "gist", _POINT_WORDS, partial=True),
            "ix_listings_online_point_words": ExtraIndex("listings", "gist", _POINT_WORDS, partial=True),
            "ix_listings_online_words": ExtraIndex("listings", "gin", _WORDS_FACETS, partial=True),
            AREA_INDEX: ExtraIndex("listings", "btree", ("country", "upper((region)::text)", "city")),
        },
        triggers={"listing_topics_bits": "listing_topics", "listing_languages_config": "listing_languages"},
        functions=frozenset({"listing_topics_refresh_bits", "listing_search_facets", "listing_search_point",
                             "listing_topic_words", "listing_search_config",
                             "listing_languages_refresh_config"}),
        extensions=frozenset({"cube"}),
    ),
}


def is_extra(name: str | None) -> bool:
    """Whether Alembic's comparison of models and database must leave this object alone."""
    return bool(name) and any(name in extras.names() for extras in EXTRAS.values())
