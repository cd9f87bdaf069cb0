"""The online list's shortcuts (count in SQL, limits, growing boxes, ties) give what sorting everything gives.

The search reads only the online listings a page shows. This checks it against the obvious way:
read every online candidate, sort them all, slice the page, on data full of ties.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from directory.extensions import db
from directory.geo.distance import distance_miles
from directory.listings.models import FORMAT_HYBRID, FORMAT_ONLINE, Listing
from directory.listings.privacy import public_coordinates
from directory.listings.search import SearchParams, fulltext, indexes, search
from directory.listings.search import online as online_list
from directory.listings.search.fulltext import keyword_clause, keyword_value, prepare_keyword_search
from directory.timeutil import utcnow
from tests.support import statements_run

# Places near and very far from the searches below, so every reach (and the fallback) is needed.
POINTS = [(40.7506, -73.9972), (40.7128, -74.0060), (40.80, -73.95), (41.3, -72.9), (42.36, -71.06),
          (34.05, -118.24), (51.5072, -0.1276), (-33.8688, 151.2093), (None, None),
          # Near the corner of a 25-mile box around 10001 (35 miles away), and outside it but nearer (27).
          (41.113, -73.520), (41.142, -73.9972)]
NAMES = ["Evening group", "evening group", "Morning circle", "Zeta", "Älter werden", "zeta"]
WORDS = ["grief", "grief and loss", "fathers", "quiet"]


@pytest.fixture
def dataset(app, gazetteer, make_listing, make_user):
    chooser = random.Random(20240607)  # noqa: S311 - test data
    suspended = make_user(suspended_at=utcnow())
    now = utcnow().replace(microsecond=0)
    confirmations = [now - timedelta(days=1), now - timedelta(days=1), now - timedelta(days=40), None,
                     now - timedelta(days=400)]
    for number in range(70):
        latitude, longitude = chooser.choice(POINTS)
        listing_format = chooser.choice(["online", "hybrid", "hybrid", "in_person"])
        if listing_format != "online" and latitude is None:
            latitude, longitude = POINTS[0]
        make_listing(
            name=f"{chooser.choice(NAMES)}",
            slug=f"online-{number}",
            summary=chooser.choice(WORDS),
            description="",
            format=listing_format,
            latitude=latitude,
            longitude=longitude,
            location_precision=chooser.choice(["exact", "approximate"]),
            last_confirmed_at=chooser.choice(confirmations),
            topics=(chooser.choice(["grief", "anger"]),),
            owner=suspended if number % 13 == 0 else None,
            status="published" if number % 17 else "paused",
        )
    return now


def everything_online(params: SearchParams, results) -> list[tuple]:
    """Every online candidate, sorted the slow, obvious way: each listing read and checked in Python.

    Only the keyword match is the database's (its full-text index decides what the words find).
    """
    cutoff = utcnow() - timedelta(days=int(current_app.config["EXPIRE_AFTER_DAYS"]))
    matching = None
    if params.q:
        value = keyword_value(params.q, db.engine.dialect.name)
        if value is not None:
            clause = keyword_clause(prepare_keyword_search(db.session, value).kind)
            matching = set(db.session.scalars(select(Listing.id).where(clause), {"keywords": value}))
    excluded = set()
    if results.paginated == "local":
        everything_near = search(params.with_changes(per_page=10_000), online_preview=0)
        excluded = {hit.listing.id for hit in everything_near.local if hit.listing.format == FORMAT_HYBRID}
    formats = {FORMAT_HYBRID} if params.format == FORMAT_HYBRID else {FORMAT_ONLINE, FORMAT_HYBRID}
    rows = []
    for listing in db.session.scalars(select(Listing)):
        if (listing.status != "published" or listing.format not in formats or listing.id in excluded
                or (listing.owner is not None and listing.owner.suspended_at is not None)
                or (listing.last_confirmed_at is not None and listing.last_confirmed_at < cutoff)
                or (params.topics and not {topic.slug for topic in listing.topics} & set(params.topics))
                or (matching is not None and listing.id not in matching)):
            continue
        miles = None
        point = public_coordinates(listing.latitude, listing.longitude, listing.location_precision)
        if results.origin is not None and point is not None:
            miles = distance_miles(results.origin.latitude, results.origin.longitude, *point)
        rows.append((listing.id, miles, listing.name.lower(), listing.last_confirmed_at))
    rows.sort(key=lambda row: (row[2], row[0]))
    if results.origin is not None:
        rows.sort(key=lambda row: (row[1] is None, row[1] or 0.0))
    else:
        rows.sort(key=lambda row: row[3] or datetime.min, reverse=True)
    return rows


# The online list is read whole when it is no longer than the count's limit, and through growing boxes
# (or the freshest first) when it is longer: a limit of 1 sends every search down the second way.
SMALL_AND_LARGE = pytest.mark.parametrize("count_limit", [online_list.ONLINE_COUNT_LIMIT, 1],
                                          ids=["read-whole", "boxes"])


@SMALL_AND_LARGE
def test_the_online_list_matches_sorting_everything(dataset, count_limit, monkeypatch):
    monkeypatch.setattr(online_list, "ONLINE_COUNT_LIMIT", count_limit)
    monkeypatch.setattr(online_list, "PAGES_AHEAD", 0 if count_limit == 1 else online_list.PAGES_AHEAD)

    @settings(max_examples=80, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        near=st.sampled_from(["", "10001", "02108", "90012", "SW1A 1AA"]),
        radius=st.sampled_from(["1", "5", "25", "100"]),
        listing_format=st.sampled_from(["", "online", "hybrid"]),
        q=st.sampled_from(["", "grief", "quiet", "grief or fathers"]),
        topic=st.sampled_from(["", "grief"]),
        page=st.integers(1, 5),
        per_page=st.integers(1, 7),
        preview=st.integers(0, 6),
    )
    def check(near, radius, listing_format, q, topic, page, per_page, preview):
        args = MultiDict({key: value for key, value in {
            "near": near, "radius": radius, "format": listing_format, "q": q, "topic": topic,
            "page": str(page),
        }.items() if value})
        params = SearchParams.parse(args, per_page=per_page)
        results = search(params, online_preview=preview)
        expected = everything_online(params, results)
        if results.online_total_exact:
            assert results.online_total == len(expected)
        else:
            assert results.online_total < len(expected)
        if results.paginated == "local":
            wanted = expected[:preview]
        else:
            start = (page - 1) * per_page
            wanted = expected[start:start + per_page]
        assert [hit.listing.id for hit in results.online] == [row[0] for row in wanted]
        # The database measures with the same formula; only the last bits of a double may differ.
        assert [hit.distance_miles for hit in results.online] == [pytest.approx(row[1]) for row in wanted]

    check()


def test_ties_at_the_page_boundary_are_broken_by_name(dataset):
    """Many listings confirmed at the same moment: the page still shows them by name, as a full sort would."""
    same = dataset - timedelta(hours=5)
    for number, name in enumerate(["Delta", "alpha", "Charlie", "bravo", "Echo"]):
        listing = db.session.get(Listing, number + 1)
        listing.name, listing.last_confirmed_at, listing.status = name, same, "published"
        listing.format, listing.owner = FORMAT_ONLINE, None
    db.session.commit()
    first = search(SearchParams.parse(MultiDict({"format": "online"}), per_page=2))
    ordered = [hit.listing.name for hit in first.online]
    assert ordered == ["alpha", "bravo"]


@SMALL_AND_LARGE
def test_a_box_corner_never_jumps_ahead_of_a_nearer_listing_outside_the_box(app, gazetteer, make_listing,
                                                                            count_limit, monkeypatch):
    """The growing boxes keep only what lies within each reach: a corner is farther than it looks."""
    monkeypatch.setattr(online_list, "ONLINE_COUNT_LIMIT", count_limit)
    monkeypatch.setattr(online_list, "PAGES_AHEAD", 0 if count_limit == 1 else online_list.PAGES_AHEAD)
    for number in range(3):
        make_listing(name=f"Centre {number}", format="online", latitude=40.7506, longitude=-73.9972,
                     location_precision="exact")
    for name, latitude, longitude in (("Corner", 41.113, -73.520), ("North", 41.142, -73.9972)):
        make_listing(name=name, format="online", latitude=latitude, longitude=longitude,
                     location_precision="exact")
    results = search(SearchParams.parse(MultiDict({"near": "10001", "format": "online"}), per_page=4))
    assert [hit.listing.name for hit in results.online] == ["Centre 0", "Centre 1", "Centre 2", "North"]
    assert results.online_total == (5 if count_limit > 1 else 4)
    assert results.online_total_exact == (count_limit > 1)


def test_a_short_online_list_is_read_whole_without_boxes(app, gazetteer, make_listing):
    """No more online listings than the count's limit: the whole list is read at once, no box is read."""
    for tenths in range(4):
        make_listing(format="online", latitude=40.75 + tenths / 10, longitude=-73.99,
                     location_precision="exact")
    with statements_run() as run_statements:
        results = search(SearchParams.parse(MultiDict({"near": "10001", "format": "online"})))
    statements = [statement for statement, _ in run_statements]
    assert results.online_total == 4 and results.online_total_exact
    distances = [hit.distance_miles for hit in results.online]
    assert distances == sorted(distances) and len(distances) == 4
    assert not [statement for statement in statements if "latitude_band" in statement]
    # The count's own ids are the list: its filters are read once, the rows then by id.
    assert len([statement for statement in statements if "listings.status =" in statement]) == 1


def test_growing_boxes_skip_ahead_at_most_fourfold(app, gazetteer, make_listing, monkeypatch):
    """With nothing near, each box reaches at most four times as far as the last: an empty box says
    little about how far the nearest are, and a box costs as its area (SQLite; PostgreSQL reads the
    nearest from its index instead)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's growing boxes; PostgreSQL reads the nearest first from an index")
    monkeypatch.setattr(online_list, "ONLINE_COUNT_LIMIT", 1)
    monkeypatch.setattr(online_list, "PAGES_AHEAD", 0)
    for tenths in range(6):  # from Pittsburgh westwards, 315 miles from 10001 and more
        make_listing(name=f"Far {tenths}", format="online", latitude=40.44, longitude=-79.99 - tenths / 10,
                     location_precision="exact")
    reaches = []
    within = online_list.within

    def recorded(section, origin, miles, variant, **extra):
        reaches.append(miles)
        return within(section, origin, miles, variant, **extra)

    monkeypatch.setattr(online_list, "within", recorded)
    results = search(SearchParams.parse(MultiDict({"near": "10001", "format": "online"}), per_page=5))
    assert reaches == [25, 100, 400]
    assert [hit.listing.name for hit in results.online] == [f"Far {tenths}" for tenths in range(5)]
    assert not results.online_total_exact


def test_never_confirmed_listings_follow_the_confirmed_ones_by_name(app, make_listing):
    now = utcnow()
    for name, confirmed in (("Old", now - timedelta(days=9)), ("New", now - timedelta(days=1)), ("Zed", None),
                            ("Abe", None)):
        make_listing(name=name, format="online", latitude=None, longitude=None, last_confirmed_at=confirmed)
    for per_page, expected in ((3, ["New", "Old", "Abe"]), (4, ["New", "Old", "Abe", "Zed"])):
        results = search(SearchParams.parse(MultiDict({"format": "online"}), per_page=per_page))
        assert [hit.listing.name for hit in results.online] == expected
        assert results.online_total == 4


def test_the_online_count_stops_at_its_limit_and_pages_still_reach_every_listing(app, make_listing,
                                                                                   monkeypatch):
    monkeypatch.setattr(online_list, "ONLINE_COUNT_LIMIT", 3)
    monkeypatch.setattr(online_list, "PAGES_AHEAD", 1)
    for number in range(9):
        make_listing(name=f"Online {number}", format="online", latitude=None, longitude=None,
                     last_confirmed_at=utcnow() - timedelta(hours=number))
    first = search(SearchParams.parse(MultiDict({"format": "online"}), per_page=2))
    # Page 1 needs 2 and looks one page further: 4 are counted, and there are more.
    assert (first.online_total, first.online_total_exact, first.pages, first.has_next) == (4, False, 2, True)
    seen, page = [], first
    while True:
        seen += [hit.listing.name for hit in page.online]
        if not page.has_next:
            break
        args = MultiDict({"format": "online", "page": str(page.next_num)})
        page = search(SearchParams.parse(args, per_page=2))
    assert seen == [f"Online {number}" for number in range(9)]
    assert (page.online_total, page.online_total_exact, page.pages) == (9, True, 5)


def test_a_count_past_the_limit_reads_more_than_on_the_page_and_in_the_api(client, gazetteer, make_listing,
                                                                            monkeypatch):
    monkeypatch.setattr(online_list, "ONLINE_COUNT_LIMIT", 3)  # below the preview's 5, so 5 are counted
    for number in range(8):
        make_listing(name=f"Online {number}", format="online", latitude=None, longitude=None)
    page = client.get("/search", query_string={"near": "10001"}).get_data(as_text=True)
    assert "More than 5 options online" in page
    assert "See all online options (more than 5)" in page
    data = client.get("/api/v1/listings", query_string={"near": "10001"}).get_json()
    online = data["online"]
    assert (online["total"], online["total_exact"], len(online["results"])) == (5, False, 5)
    everything = client.get("/api/v1/listings", query_string={"format": "online", "per_page": 10}).get_json()
    assert (everything["total"], everything["total_exact"], len(everything["results"])) == (8, True, 8)
    paged = client.get("/search", query_string={"format": "online"}).get_data(as_text=True)
    assert "8 options online" in paged


def test_keyword_results_are_the_same_whichever_side_sqlite_starts_from(dataset, monkeypatch):
    """Few matches: statements start from them; many: from the place or filters, probing the matches."""
    searches = [{"near": "10001", "radius": "100", "q": "grief"}, {"q": "grief or fathers"},
                {"near": "02108", "radius": "25", "q": "quiet", "topic": "grief"},
                {"near": "10001", "q": "-grief fathers", "format": "online"}]

    def outcome(args):
        results = search(SearchParams.parse(MultiDict(args), per_page=50), online_preview=50)
        return ([hit.listing.id for hit in results.local], results.local_total,
                [hit.listing.id for hit in results.online], results.online_total)

    few = [outcome(args) for args in searches]
    monkeypatch.setattr(fulltext, "FEW_MATCHES", 0)
    assert [outcome(args) for args in searches] == few
    assert any(local or online for local, _, online, _ in few)


def _postgresql_only() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner: SQLite counts a common word's online list from its matches")


@SMALL_AND_LARGE
def test_common_words_alone_are_counted_in_index_order_with_the_same_answers(dataset, count_limit,
                                                                             monkeypatch):
    _postgresql_only()
    monkeypatch.setattr(online_list, "ONLINE_COUNT_LIMIT", count_limit)
    words_alone = [{"near": "10001", "radius": "25", "q": "grief"}, {"q": "grief or fathers"},
                   {"near": "02108", "q": "quiet", "format": "hybrid"},
                   {"q": "quiet -grief", "format": "online"}]
    other_filters = [{"near": "10001", "q": "grief", "topic": "grief"}, {"q": "fathers", "kind": "mentor"}]

    def outcome(args):
        results = search(SearchParams.parse(MultiDict(args), per_page=50), online_preview=50)
        return ([hit.listing.id for hit in results.local], results.local_total,
                [hit.listing.id for hit in results.online], results.online_total, results.online_total_exact)

    monkeypatch.setattr(indexes, "COMMON_WORDS_LISTINGS", 10**12)
    through_bitmaps = [outcome(args) for args in words_alone + other_filters]
    monkeypatch.setattr(indexes, "COMMON_WORDS_LISTINGS", -1)
    with statements_run() as seen:
        in_index_order = [outcome(args) for args in words_alone + other_filters]
    assert in_index_order == through_bitmaps
    assert any(online for _, _, online, _, _ in through_bitmaps)
    sent = [" ".join(statement.split()) for statement, _ in seen]
    turned_off = [number for number, statement in enumerate(sent) if "enable_bitmapscan = off" in statement]
    # Once per search of words alone: around its count, the one statement between the two settings.
    assert len(turned_off) == len(words_alone)
    for number in turned_off:
        assert sent[number + 1].startswith("SELECT listings.id FROM listings WHERE")
        assert sent[number + 2] == "SET LOCAL enable_bitmapscan TO DEFAULT"
    assert db.session.execute(text("SHOW enable_bitmapscan")).scalar_one() == "on"


def test_the_planner_s_estimate_tells_common_words_from_rare_ones(app, make_listing, monkeypatch):
    _postgresql_only()
    for number in range(120):
        make_listing(name=f"Group {number}", slug=f"group-{number}",
                     summary="grief" if number % 2 else "quiet")
    db.session.commit()
    db.session.execute(text("ANALYZE listings"))
    monkeypatch.setattr(indexes, "COMMON_WORDS_LISTINGS", 20)
    assert indexes.words_are_common("grief")
    assert indexes.words_are_common("quiet or calm")
    assert not indexes.words_are_common("xylophone")
    assert not indexes.words_are_common("grief xylophone")
