"""SQLite's keyword matches copied by area: the same results as copying every match, and only the area copied.

A common word matches a sixth of the directory. SQLite's full-text table is keyed by each listing's cell
(migration 0018), so a search copies the matches of the boxes it reads, a range of keys per row of cells,
and counts the online list from the matches themselves. These tests check that shortcut against copying
every match (the way the other search tests check against reading everything), that the keys the
database computes fall in the ranges Python asks for, and that the index follows a listing that moves.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from directory.extensions import db
from directory.geo.distance import bounding_box
from directory.listings.models import Listing
from directory.listings.search import SearchParams, fulltext, search
from directory.listings.search import online as online_list
from directory.listings.search.fulltext import ID_BITS, ID_MASK, box_key_ranges

# Around New York (some on the edges of half-degree cells), Boston, Los Angeles, London, and nowhere.
POINTS = [(40.7506, -73.9972), (40.5, -74.0), (41.0, -73.5), (40.75, -74.5), (40.9999999, -73.0000001),
          (41.3, -72.9), (42.36, -71.06), (34.05, -118.24), (51.5072, -0.1276), (None, None)]
WORDS = ["grief", "grief and loss", "fathers", "quiet evening", "fathers and grief"]


@pytest.fixture
def sqlite_only(app_context):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's full-text table; PostgreSQL checks words on its lists' index entries")


@pytest.fixture
def spread(sqlite_only, geo, make_listing):
    chooser = random.Random(20261207)  # noqa: S311 - test data
    for number in range(80):
        latitude, longitude = chooser.choice(POINTS)
        listing_format = chooser.choice(["online", "hybrid", "in_person", "in_person"])
        if latitude is None and listing_format != "online":
            latitude, longitude = POINTS[0]
        if latitude is not None and chooser.random() < 0.5:  # scattered around the point, up to 60 miles
            latitude += chooser.uniform(-0.8, 0.8)
            longitude += chooser.uniform(-0.8, 0.8)
        make_listing(name=f"Listing {number:02d}", slug=f"spread-{number}", summary=chooser.choice(WORDS),
                     format=listing_format, latitude=latitude, longitude=longitude,
                     location_precision=chooser.choice(["exact", "approximate"]),
                     topics=(chooser.choice(["grief", "anger"]),))


def outcome(args: dict, preview: int, per_page: int) -> tuple:
    results = search(SearchParams.parse(MultiDict(args), per_page=per_page), online_preview=preview)
    return ([(hit.listing.id, hit.distance) for hit in results.local], results.local_total,
            results.local_total_exact, [hit.listing.id for hit in results.online], results.online_total,
            results.online_total_exact, results.near_total, results.wider)


def test_copying_by_area_gives_what_copying_every_match_gives(spread, monkeypatch):
    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        near=st.sampled_from(["10001", "02108", "90012", "SW1A 1AA", ""]),
        radius=st.sampled_from(["1", "5", "10", "25", "50", "100"]),
        q=st.sampled_from(["grief", "grief or fathers", "evening -grief", "fathers grief",
                           '"grief and loss"']),
        topic=st.sampled_from(["", "anger"]),
        listing_format=st.sampled_from(["", "online", "hybrid", "in_person"]),
        page=st.integers(1, 4),
        per_page=st.integers(1, 8),
        preview=st.integers(0, 6),
        scan=st.sampled_from([1, 3, online_list.MATCHES_READ_TO_COUNT]),
        # Up to 200 rows, even the widest box is copied by area.
        rows=st.sampled_from([1, 2, fulltext.MAX_BOX_ROWS, 200]),
        # A small limit sends the online list past its count: read by boxes, or the freshest first.
        count_limit=st.sampled_from([1, 3, online_list.ONLINE_COUNT_LIMIT]),
    )
    def check(near, radius, q, topic, listing_format, page, per_page, preview, scan, rows, count_limit):
        args = {key: value for key, value in {"near": near, "radius": radius, "q": q, "topic": topic,
                                              "format": listing_format, "page": str(page)}.items() if value}
        monkeypatch.setattr(online_list, "ONLINE_COUNT_LIMIT", count_limit)
        monkeypatch.setattr(online_list, "PAGES_AHEAD", online_list.PAGES_AHEAD if count_limit > 3 else 0)
        monkeypatch.setattr(fulltext, "FEW_MATCHES", 10_000)  # every match copied at once
        expected = outcome(args, preview, per_page)
        db.session.remove()
        monkeypatch.setattr(fulltext, "FEW_MATCHES", 0)  # copied by area
        monkeypatch.setattr(fulltext, "MAX_BOX_ROWS", rows)
        monkeypatch.setattr(online_list, "MATCHES_READ_TO_COUNT", scan)
        assert outcome(args, preview, per_page) == expected
        db.session.remove()

    check()


def test_a_search_copies_only_the_matches_of_the_boxes_it_reads(spread, monkeypatch):
    monkeypatch.setattr(fulltext, "FEW_MATCHES", 0)
    results = search(SearchParams.parse(MultiDict({"near": "10001", "radius": "5", "q": "grief"})))
    assert results.local  # the search found some: the table was read
    copied = set(db.session.scalars(text(f"SELECT key & {ID_MASK} FROM temp.keyword_hits")))  # noqa: S608
    everywhere = set(db.session.scalars(text(f"SELECT rowid & {ID_MASK} FROM listing_fts "  # noqa: S608
                                             "WHERE listing_fts MATCH :words"), {"words": '"grief"'}))
    far = set(db.session.scalars(select(Listing.id).where(Listing.id.in_(everywhere),
                                                          Listing.latitude < 39)))
    assert far and copied  # matches in Los Angeles and London exist, and were not needed
    assert copied < everywhere and not copied & far


def test_the_keys_sqlite_computes_fall_in_the_ranges_of_their_box(sqlite_only, make_listing):
    chooser = random.Random(7)  # noqa: S311 - test data
    boxes = [bounding_box(40.75, -74.0, miles) for miles in (0.5, 5, 26, 101)] + [(40.5, 41.0, -74.0, -73.5)]
    points = [(40.5, -74.0), (41.0, -73.5), (40.5, -73.5), (41.0, -74.0)]
    for box in boxes:
        points += [(chooser.uniform(box[0], box[1]), chooser.uniform(box[2], box[3])) for _ in range(15)]
    for number, (latitude, longitude) in enumerate(points):
        make_listing(slug=f"keyed-{number}", latitude=latitude, longitude=longitude)
    keys = db.session.execute(text("SELECT latitude, longitude, fulltext_key, id FROM listings")).all()
    assert all(key & ID_MASK == listing_id for *_, key, listing_id in keys)
    for box in boxes:
        whole = box_key_ranges(*box)
        assert whole is not None
        covered = {low >> ID_BITS for low, _ in whole[::2]}  # some cells copied already
        for ranges, skipped in ((whole, set()), (box_key_ranges(*box, covered=covered), covered)):
            inside = [key for latitude, longitude, key, _ in keys
                      if box[0] <= latitude <= box[1] and box[2] <= longitude <= box[3]]
            assert inside
            for key in inside:
                assert (key >> ID_BITS) in skipped or any(low <= key <= high for low, high in ranges), key
            assert not any(low <= (cell << ID_BITS) <= high for cell in skipped for low, high in ranges)


def test_boxes_too_tall_or_across_the_antimeridian_copy_every_match():
    assert box_key_ranges(*bounding_box(40.0, -100.0, 1600)) is None
    assert box_key_ranges(-17.0, -16.0, 179.5, -179.5) is None


def test_the_index_follows_a_listing_that_moves_changes_its_words_or_goes(spread, make_listing, monkeypatch):
    monkeypatch.setattr(fulltext, "FEW_MATCHES", 0)

    def found(near: str, words: str) -> bool:
        args = MultiDict({"near": near, "radius": "10", "q": words})
        results = search(SearchParams.parse(args, per_page=200))
        db.session.remove()
        return listing_id in {hit.listing.id for hit in results.local}

    listing = make_listing(slug="moving", summary="lighthouse keepers", format="in_person",
                           latitude=42.3601, longitude=-71.0589)
    listing_id = listing.id
    assert found("02108", "lighthouse") and not found("90012", "lighthouse")
    moved = db.session.get(Listing, listing_id)
    moved.latitude, moved.longitude = 34.05, -118.24
    db.session.commit()
    assert found("90012", "lighthouse") and not found("02108", "lighthouse")
    db.session.get(Listing, listing_id).summary = "harbour pilots"
    db.session.commit()
    assert found("90012", "harbour") and not found("90012", "lighthouse")
    db.session.delete(db.session.get(Listing, listing_id))
    db.session.commit()
    assert not found("90012", "harbour")
    db.session.execute(text("INSERT INTO listing_fts(listing_fts) VALUES ('integrity-check')"))
