"""The local list past its count's limit: the same page as reading every listing within the radius, a count
that says "more than", and only the distance bands the page needs read.

A wide radius around a city may hold tens of thousands of listings; the search counts them up to a limit and
reads outwards from the nearest. This checks that shortcut against the whole list on data with every kind of
ordering in it: distance bands, keywords, listings held in Spanish, hybrid listings beside the online list.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from directory.geo.services import locate
from directory.listings.search import FEW_RESULTS, SearchParams, search
from directory.listings.search import local as local_list
from directory.listings.search import results as search_results
from directory.listings.search.statements import Within
from directory.timeutil import utcnow
from tests.test_search import point_at
from tests.test_search_answers import text_of

WORDS = ["grief", "grief and loss", "fathers", "quiet evening"]


@pytest.fixture
def crowded(geo, make_listing):
    """Sixty listings around 10001, most within five miles, some far out to 120: a city in miniature."""
    chooser = random.Random(20241207)  # noqa: S311 - test data
    origin = locate("10001").location
    for number in range(60):
        miles = chooser.choice([chooser.uniform(0, 1), chooser.uniform(0, 5), chooser.uniform(0, 5),
                                chooser.uniform(5, 30), chooser.uniform(30, 120)])
        latitude, longitude = point_at(origin.latitude, origin.longitude, miles, chooser.uniform(0, 360))
        make_listing(
            name=f"Listing {number:02d}",
            slug=f"crowded-{number}",
            summary=chooser.choice(WORDS),
            format=chooser.choice(["in_person", "in_person", "hybrid", "online"]),
            latitude=latitude,
            longitude=longitude,
            location_precision=chooser.choice(["exact", "approximate"]),
            languages=tuple(chooser.sample(["en", "es"], chooser.randint(1, 2))),
            topics=(chooser.choice(["grief", "anger"]),),
        )
    return origin


def limit_local_count(patch, limit: int, pages_ahead: int = 0) -> None:
    """The local count's limit as `limit`, stretched only `pages_ahead` pages past the page."""
    patch.setattr(search_results, "LOCAL_COUNT_LIMIT", limit)
    patch.setattr(search_results, "PAGES_AHEAD", pages_ahead)


def test_past_the_limit_the_page_is_the_one_reading_everything_gives(crowded, monkeypatch):
    now = utcnow()
    capped_searches = []

    @settings(max_examples=120, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        radius=st.sampled_from(["5", "10", "25", "50", "100"]),
        q=st.sampled_from(["", "grief", "fathers or quiet"]),
        topic=st.sampled_from(["", "grief"]),
        listing_format=st.sampled_from(["", "hybrid"]),
        page=st.integers(1, 4),
        per_page=st.integers(1, 6),
        preview=st.integers(0, 5),
        language=st.sampled_from(["en", "es"]),
        limit=st.integers(1, 12),
    )
    def check(radius, q, topic, listing_format, page, per_page, preview, language, limit):
        args = MultiDict({key: value for key, value in {
            "near": "10001", "radius": radius, "q": q, "topic": topic, "format": listing_format,
            "page": str(page)}.items() if value})
        params = SearchParams.parse(args, per_page=per_page)
        whole = search(params, now=now, online_preview=preview, language=language)
        assert whole.local_total_exact  # sixty listings are far under the real limit
        with monkeypatch.context() as patch:
            limit_local_count(patch, limit)
            capped = search(params, now=now, online_preview=preview, language=language)

        def page_of(results):
            return [(hit.listing.id, hit.distance_miles, hit.rank) for hit in results.local]

        assert page_of(capped) == page_of(whole)
        assert [hit.listing.id for hit in capped.online] == [hit.listing.id for hit in whole.online]
        assert capped.wider == whole.wider
        assert min(capped.near_total, FEW_RESULTS) == min(whole.near_total, FEW_RESULTS)
        if capped.local_total_exact:
            assert capped.local_total == whole.local_total
            assert capped.online_total_exact == whole.online_total_exact
            assert capped.online_all == whole.online_all
        else:
            capped_searches.append(args)
            # "More than": a lower bound, with the page and as many more pages as were asked for.
            assert capped.pages >= page and capped.local_total < whole.local_total
            assert not capped.total_exact and not capped.online_total_exact
            assert capped.online_all <= whole.online_all

    check()
    assert len(capped_searches) > 30  # the shortcut was taken often enough to mean something


def test_past_the_limit_only_the_bands_the_page_needs_are_read(crowded, monkeypatch):
    """The whole radius is only counted, up to the limit; rows are read out to the nearest band edge that
    holds the page (and enough to know whether few are near)."""
    reads = []
    real_within = local_list.within

    def spy(section, origin, miles, variant, **options):
        rows = real_within(section, origin, miles, variant, **options)
        if variant is Within.LOCAL:
            reads.append((miles, options.get("limit"), len(rows)))
        return rows

    monkeypatch.setattr(local_list, "within", spy)
    limit_local_count(monkeypatch, 4)
    params = SearchParams.parse(MultiDict({"near": "10001", "radius": "100"}), per_page=3)
    results = search(params, now=utcnow())
    assert not results.local_total_exact and results.local_total == 4
    counted, *banded = reads
    assert counted == (100, 5, 5)
    assert banded and all(miles < 100 and limit is None for miles, limit, _ in banded)
    # Outwards band by band, stopping at the first that holds the page and FEW_RESULTS.
    needed = max(3, FEW_RESULTS)
    assert [miles for miles, _, _ in banded] == [1, 5, 10, 25, 50][:len(banded)]
    assert banded[-1][2] >= needed and all(found < needed for *_, found in banded[:-1])


def test_the_page_and_the_api_say_more_than(app, crowded, client, monkeypatch):
    limit_local_count(monkeypatch, 4, pages_ahead=1)
    monkeypatch.setitem(app.config, "SEARCH_PER_PAGE", 2)
    # Counted to the page's end and one page more: six, on three pages, and more beyond.
    english = text_of(client.get("/search?near=10001&radius=100&page=2"))
    assert "More than 6 listings within 100 miles of" in english, english
    assert "Page 2 of more than 3" in english
    assert "Next" in english
    spanish = text_of(client.get("/search?near=10001&radius=100&lang=es"))
    assert "Más de 4 anuncios a menos de 100 millas de" in spanish, spanish
    answer = client.get("/api/v1/listings?near=10001&radius=100&per_page=2").get_json()
    assert answer["section"] == "local" and answer["total"] == 4 and answer["total_exact"] is False
    assert answer["online"]["total_exact"] is False
    exact = client.get("/api/v1/listings?near=10001&radius=1&per_page=2").get_json()
    assert exact["total_exact"] is True
