"""The one search: where, how far, which filters, which words → nearest published listings first.

The HTML page, the JSON API and the exports all call `search()`. Its modules from the bottom up, each
using only those above it:
- `params`: query arguments → `SearchParams` (form only, no database); bad values left out, explained.
- `fulltext`, `topic_bits`, `indexes`: what the statements ask of each database's own search objects
  (built by the migrations): its full-text index, the topics' bits, PostgreSQL's indexes for each list.
- `statements`: the SQL, built once per shape of search and cached; the visibility rule comes from
  `listings.visibility`. `online_statements`: the online list's own, besides those within reach.
- `vocabulary`: the step after reading, topic and audience slugs → ids (an unknown slug is refused there).
- `local`: listings met in person within the radius, nearest first (relevance within distance bands),
  counted up to a limit past which only the bands a page needs are read.
- `online`: listings one can join online, wherever they are; a hybrid listing is in the local list
  when it is within the radius, and in the online list otherwise.
- `results`: `search()`, which runs the pipeline, and what it returns (`SearchResults`, `Hit`).

Pipeline: locate the place → a box around it, read from the covering search index by latitude band
and longitude → in SQL, the filters (topics from the index's topic bits), the full-text match through
the database's own index and each candidate's great-circle distance → sort (relevance within
distance bands, scored in Python for the page) → paginate → load the page's listings with their
topics and meetings in a fixed number of queries.
"""

from .local import FEW_RESULTS, LOCAL_COUNT_LIMIT, WiderRadius
from .online import ONLINE_COUNT_LIMIT, ONLINE_PREVIEW, PAGES_AHEAD
from .params import (
    DEFAULT_RADIUS,
    MAX_NEAR_CHARS,
    MAX_PAGE,
    MAX_PER_PAGE,
    MY_LOCATION,
    RADII,
    UNITS,
    InvalidSearch,
    SearchParams,
)
from .results import (
    NEAR_MILES,
    Hit,
    SearchResults,
    format_distance,
    public_point,
    radius_label,
    radius_short,
    search,
)
from .vocabulary import resolve as resolve_vocabulary

__all__ = [
    "DEFAULT_RADIUS",
    "FEW_RESULTS",
    "LOCAL_COUNT_LIMIT",
    "MY_LOCATION",
    "NEAR_MILES",
    "MAX_NEAR_CHARS",
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "ONLINE_COUNT_LIMIT",
    "ONLINE_PREVIEW",
    "PAGES_AHEAD",
    "RADII",
    "UNITS",
    "Hit",
    "InvalidSearch",
    "SearchParams",
    "SearchResults",
    "WiderRadius",
    "format_distance",
    "public_point",
    "radius_label",
    "radius_short",
    "resolve_vocabulary",
    "search",
]
