"""Search by area: nearest first, true distances, filters only narrow, online beside local, never a 500."""

from __future__ import annotations

import html
import math
import re
from contextlib import contextmanager
from datetime import time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from directory.extensions import db
from directory.geo.models import Place
from directory.geo.services import locate
from directory.listings.models import Listing, Topic
from directory.listings.search import (
    InvalidSearch,
    SearchParams,
    SearchResults,
    public_point,
    resolve_vocabulary,
    search,
    topic_bits,
)
from directory.listings.search import indexes as search_indexes
from directory.listings.search import online as online_list
from directory.listings.search.fulltext import fts5_query
from directory.timeutil import utcnow
from tests.factories import make_audience, make_topic
from tests.support import statements_run

EARTH_RADIUS_MILES = 3958.7613
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def origin(geo):
    """The centroid of ZIP 10001 (Manhattan), where most tests search from."""
    return locate("10001").location


# Independent geometry: not the code under test ------------------------------------------------------


def vincenty_miles(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance by the Vincenty formula on a sphere (well conditioned at every distance)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    numerator = math.hypot(math.cos(p2) * math.sin(dl),
                           math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl))
    denominator = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH_RADIUS_MILES * math.atan2(numerator, denominator)


def point_at(lat, lon, miles, bearing) -> tuple[float, float]:
    """The point `miles` away from (lat, lon) on an initial bearing (degrees), on the same sphere."""
    d, b = miles / EARTH_RADIUS_MILES, math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


def run(**args):
    """Every result on one page, the online list in full, the parameters read as the page reads them."""
    return search(read(MultiDict(args), per_page=200), online_preview=200)


def read(args, **options) -> SearchParams:
    """Parameters as the search page reads them: their form, then their slugs' ids."""
    return resolve_vocabulary(SearchParams.from_args(args, **options))


def local_ids(results) -> list[int]:
    return [hit.listing.id for hit in results.local]


def online_ids(results) -> list[int]:
    return [hit.listing.id for hit in results.online]


def page_text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def nearby(make_listing, origin, miles, bearing=0.0, **fields):
    """A listing at an exact distance from the origin (exact precision, so no rounding moves it)."""
    lat, lon = point_at(origin.latitude, origin.longitude, miles, bearing)
    fields.setdefault("location_precision", "exact")
    return make_listing(latitude=lat, longitude=lon, **fields)


# Distances ------------------------------------------------------------------------------------------


def test_distance_between_two_zip_centroids_matches_an_independent_formula(geo, origin, make_listing):
    target = db.session.scalar(select(Place).where(Place.postal_code == "10013", Place.country == "US"))
    listing = make_listing(latitude=target.latitude, longitude=target.longitude, location_precision="exact")
    expected = vincenty_miles(origin.latitude, origin.longitude, target.latitude, target.longitude)
    assert 1.0 < expected < 3.0  # Chelsea to TriBeCa
    hit = run(near="10001").local[0]
    assert hit.listing.id == listing.id
    assert hit.distance_miles == pytest.approx(expected, abs=1e-6)
    assert hit.distance_label == f"{expected:.1f} mi"
    in_km = run(near="10001", units="km").local[0]
    assert in_km.distance_label == f"{expected * 1.609344:.1f} km"


def test_radius_is_a_circle_not_a_box(geo, origin, make_listing):
    inside = nearby(make_listing, origin, 4.9, bearing=45)
    outside = nearby(make_listing, origin, 5.1, bearing=45)  # a 5-mile box's corner would let this in
    edge_of_box = nearby(make_listing, origin, 6.5, bearing=45)
    assert local_ids(run(near="10001", radius="5")) == [inside.id]
    assert local_ids(run(near="10001", radius="10")) == [inside.id, outside.id, edge_of_box.id]


def test_approximate_listings_are_measured_to_the_point_the_public_sees(geo, origin, make_listing):
    listing = nearby(make_listing, origin, 3.0, bearing=10, location_precision="approximate")
    hit = run(near="10001").local[0]
    lat, lon = public_point(listing.latitude, listing.longitude, "approximate")
    assert (lat, lon) == (round(listing.latitude, 2), round(listing.longitude, 2))
    assert hit.distance_miles == pytest.approx(vincenty_miles(origin.latitude, origin.longitude, lat, lon))


# Properties -----------------------------------------------------------------------------------------


@pytest.fixture
def dataset(geo, origin, make_listing, make_user):
    """Thirty-odd listings of every kind scattered up to 120 miles around 10001, as plain data."""
    import random

    chooser = random.Random(20240605)  # noqa: S311 - test data, not secrets
    suspended = make_user(suspended_at=utcnow())
    topics = ["grief", "anger", "fatherhood"]
    rows = []
    for number in range(36):
        miles = chooser.uniform(0, 120)
        lat, lon = point_at(origin.latitude, origin.longitude, miles, chooser.uniform(0, 360))
        kind = chooser.choice(["group", "mentor"])
        status = chooser.choice(["published"] * 6 + ["pending", "paused"])
        meetings = [dict(weekday=chooser.randrange(7), start_time=time(19, 0), duration_minutes=60)
                    for _ in range(chooser.randint(1, 2))] if kind == "group" else []
        listing = make_listing(
            name=f"Listing {number}",
            kind=kind,
            status=status,
            owner=suspended if number % 11 == 0 else None,
            format=chooser.choice(["in_person", "in_person", "online", "hybrid"]),
            cost=chooser.choice(["free", "donation", "paid"]),
            topics=tuple(chooser.sample(topics, chooser.randint(1, 2))),
            languages=tuple(chooser.sample(["en", "es"], chooser.randint(1, 2))),
            latitude=lat,
            longitude=lon,
            location_precision=chooser.choice(["exact", "approximate"]),
            meetings=meetings,
        )
        point = public_point(lat, lon, listing.location_precision)
        rows.append({
            "id": listing.id,
            "public": status == "published" and number % 11 != 0,
            "kind": kind,
            "format": listing.format,
            "cost": listing.cost,
            "topics": {topic.slug for topic in listing.topics},
            "languages": set(listing.languages),
            "days": {WEEKDAYS[meeting.weekday] for meeting in listing.meetings},
            "miles": vincenty_miles(origin.latitude, origin.longitude, *point),
        })
    return rows


FILTERS = {
    "kind": st.sampled_from(["group", "mentor"]),
    "format": st.sampled_from(["in_person", "online", "hybrid"]),
    "cost": st.sampled_from(["free", "donation", "paid"]),
    "language": st.sampled_from(["en", "es", "fr"]),
    "topic": st.lists(st.sampled_from(["grief", "anger", "fatherhood"]), min_size=1, max_size=2, unique=True),
    "day": st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3, unique=True),
}


def expected_local(rows, args) -> set[int]:
    """The oracle: which listings a search should find nearby, worked out the slow, obvious way."""
    found = set()
    if args.get("format") == "online":
        return found
    for row in rows:
        if not row["public"] or row["format"] not in ("in_person", "hybrid"):
            continue
        if args.get("format") == "hybrid" and row["format"] != "hybrid":
            continue
        if row["miles"] > int(args.get("radius", 10)):
            continue
        if "kind" in args and row["kind"] != args["kind"]:
            continue
        if "cost" in args and row["cost"] != args["cost"]:
            continue
        if "language" in args and args["language"] not in row["languages"]:
            continue
        if "topic" in args and not row["topics"] & set(args["topic"]):
            continue
        if "day" in args and row["kind"] == "group" and not row["days"] & set(args["day"]):
            continue
        found.add(row["id"])
    return found


def test_search_properties(dataset, origin):
    """Every result within the radius, nearest first, exactly the oracle's set; a filter only removes."""

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        radius=st.sampled_from(["1", "5", "10", "25", "50", "100"]),
        chosen=st.fixed_dictionaries({}, optional=FILTERS),
        extra=st.sampled_from(sorted(FILTERS)),
        data=st.data(),
    )
    def check(radius, chosen, extra, data):
        args = {"near": "10001", "radius": radius, **chosen}
        results = run(**args)
        assert not results.errors
        distances = [hit.distance_miles for hit in results.local]
        assert all(miles <= int(radius) for miles in distances)
        assert distances == sorted(distances)
        assert set(local_ids(results)) == expected_local(dataset, args)
        rows = {row["id"]: row for row in dataset}
        for hit in results.local:
            assert hit.distance_miles == pytest.approx(rows[hit.listing.id]["miles"], abs=1e-6)
        for listing_id in online_ids(results):
            assert rows[listing_id]["format"] in ("online", "hybrid") and rows[listing_id]["public"]
        assert not set(local_ids(results)) & set(online_ids(results))

        if extra not in chosen:
            narrower = run(**args, **{extra: data.draw(FILTERS[extra], label=extra)})
            assert set(local_ids(narrower)) <= set(local_ids(results))
            # Hybrid listings may move from the online list to the local one; never appear from nowhere.
            assert set(online_ids(narrower)) <= set(online_ids(results)) | set(local_ids(results))
            assert narrower.local_total <= results.local_total

    check()


def _topic_bits(listing) -> int:
    return db.session.scalar(select(Listing.topic_bits).where(Listing.id == listing.id))


def test_topic_bits_follow_every_change_to_a_listings_topics(geo, make_listing):
    """The database keeps listings.topic_bits in step with listing_topics, however a row changes."""
    listing = make_listing(topics=("grief",))
    grief, fatherhood = make_topic("grief"), make_topic("fatherhood")
    assert _topic_bits(listing) == topic_bits.bit(grief.id)

    listing.topics = [grief, fatherhood]
    db.session.commit()
    assert _topic_bits(listing) == topic_bits.bit(grief.id) | topic_bits.bit(fatherhood.id)

    db.session.delete(grief)  # the link goes with the topic
    db.session.commit()
    assert _topic_bits(listing) == topic_bits.bit(fatherhood.id)

    listing.topics = []
    db.session.commit()
    assert _topic_bits(listing) == 0


def test_topics_that_share_a_bit_are_still_told_apart(geo, origin, make_listing):
    """Past 63 topics, ids share bits: the filter then asks listing_topics as well."""
    grief = make_topic("grief")
    db.session.add(Topic(id=grief.id + topic_bits.BITS, slug="late-topic", name="Late topic"))
    db.session.commit()
    assert topic_bits.bit(grief.id) == topic_bits.bit(grief.id + topic_bits.BITS)
    with_grief = nearby(make_listing, origin, 1, topics=("grief",))
    with_late = nearby(make_listing, origin, 2, topics=("late-topic",))
    online_late = nearby(make_listing, origin, 3, topics=("late-topic",), format="online")

    assert local_ids(run(near="10001", topic="grief")) == [with_grief.id]
    late = run(near="10001", topic="late-topic")
    assert local_ids(late) == [with_late.id]
    assert online_ids(late) == [online_late.id] and late.online_total == 1
    assert set(local_ids(run(near="10001", topic=["grief", "late-topic"]))) == {with_grief.id, with_late.id}


def test_a_topic_gone_between_reading_and_searching_finds_nothing(geo, origin, make_listing):
    """A topic deleted after the parameters were read leaves the search with no id: it must match no listing
    (not one whose topic happens to have the bit a stand-in id would)."""
    last_bit = topic_bits.BITS - 1
    db.session.add_all([Topic(id=last_bit, slug="last-bit", name="Last bit"),
                        Topic(id=1, slug="doomed", name="Doomed")])
    db.session.commit()
    nearby(make_listing, origin, 1, topics=("last-bit",))
    params = read(MultiDict({"near": "10001", "topic": "doomed"}))
    assert not params.errors
    db.session.delete(db.session.get(Topic, 1))
    db.session.commit()
    assert local_ids(search(params)) == []


# Sections -------------------------------------------------------------------------------------------


def test_hybrid_counts_as_in_person_and_as_online(geo, origin, make_listing):
    hybrid = nearby(make_listing, origin, 2, format="hybrid")
    far_hybrid = make_listing(format="hybrid", latitude=34.05, longitude=-118.24, city="Los Angeles",
                              region="CA")
    assert hybrid.id in local_ids(run(near="10001", format="in_person"))
    assert hybrid.id in online_ids(run(near="10001", format="online"))
    assert hybrid.id in local_ids(run(near="10001", format="hybrid"))
    both = run(near="10001")
    assert hybrid.id in local_ids(both) and hybrid.id not in online_ids(both)  # listed once
    assert far_hybrid.id in online_ids(both)  # joinable online from anywhere


def test_online_listings_form_their_own_section(geo, origin, make_listing):
    near_group = nearby(make_listing, origin, 1)
    online = make_listing(format="online", latitude=None, longitude=None, city="", region="")
    results = run(near="10001")
    assert local_ids(results) == [near_group.id]
    assert online_ids(results) == [online.id]
    alone = run(near="10001", format="online")
    assert alone.local == [] and alone.paginated == "online" and online_ids(alone) == [online.id]
    assert run(near="10001", format="in_person").online == []


def test_without_a_place_the_online_options_and_a_prompt(geo, client, origin, make_listing):
    nearby(make_listing, origin, 1, name="Local group")
    make_listing(format="online", name="Video circle", topics=("anger",))
    results = run()
    assert results.origin is None and [hit.listing.name for hit in results.online] == ["Video circle"]
    text = page_text(client.get("/search"))
    assert "Enter a ZIP code, postcode or town" in text
    assert "Video circle" in text and "Local group" not in text
    # Filters still work without a place.
    assert run(topic="grief").online == []


def test_keywords_use_the_full_text_index(geo, origin, make_listing):
    divorce = nearby(make_listing, origin, 1, name="Rebuilding after divorce",
                     description="Separated dads talk.")
    grief = nearby(make_listing, origin, 2, name="Men's grief circle", description="After a loss.")
    online = make_listing(format="online", name="Online divorce group")
    assert local_ids(run(near="10001", q="divorce")) == [divorce.id]
    assert local_ids(run(near="10001", q="divorced")) == [divorce.id]  # stemming, on both databases
    assert online_ids(run(near="10001", q="divorce")) == [online.id]
    assert set(local_ids(run(near="10001", q="divorce or grief"))) == {divorce.id, grief.id}
    assert local_ids(run(near="10001", q="circle -divorce")) == [grief.id]
    # `or` separates alternatives, as in websearch_to_tsquery: (separated AND dads) OR (grief NOT men).
    assert local_ids(run(near="10001", q="separated dads or grief -men")) == [divorce.id]
    assert local_ids(run(near="10001", q='"grief circle"')) == [grief.id]
    assert local_ids(run(near="10001", q="dads separated")) == [divorce.id]  # words in any order
    assert local_ids(run(near="10001", q="the")) == [divorce.id, grief.id]  # nothing to search for
    assert run(near="10001", q="the").keywords_ignored
    assert local_ids(run(near="10001", q="zebra")) == []


def test_keywords_with_filters_follow_changes_to_format_and_topics(geo, origin, make_listing):
    """PostgreSQL answers keywords with a list or topic from one index over the words and the listing's
    facets (its lists and topics, computed by the database): every change must reach that index."""
    listing = make_listing(format="online", name="Anchor circle", topics=("grief",))
    fatherhood = make_topic("fatherhood")

    def found(**args):
        results = run(near="10001", q="anchor", **args)
        return local_ids(results), online_ids(results)

    assert found() == ([], [listing.id])
    assert found(topic="grief") == ([], [listing.id])
    assert found(topic="fatherhood") == ([], [])

    listing.topics = [fatherhood]
    db.session.commit()
    assert found(topic="grief") == ([], [])
    assert found(topic="fatherhood") == ([], [listing.id])

    listing.format = "hybrid"
    listing.latitude, listing.longitude = point_at(origin.latitude, origin.longitude, 2, 0.0)
    db.session.commit()
    # Near the visitor, a hybrid listing is met in person (and not offered again online) ...
    assert found(topic="fatherhood") == ([listing.id], [])
    assert found(topic="fatherhood", format="hybrid") == ([listing.id], [])
    assert found(topic="fatherhood", format="online") == ([], [listing.id])
    # ... and when the format is in person only, it is no longer joinable online.
    listing.format = "in_person"
    db.session.commit()
    assert found(topic="fatherhood", format="online") == ([], [])
    assert found(format="online") == ([], [])
    assert found(topic="fatherhood", format="in_person") == ([listing.id], [])
    assert found(topic="grief") == ([], [])


def test_the_lexemes_that_mark_a_document_are_no_words_a_visitor_can_find(geo, origin, make_listing):
    """PostgreSQL's document holds a lexeme naming its language and one for each topic bit (the GiST
    indexes check a topic filter on them): no words typed parse to a lexeme holding a space."""
    listing = nearby(make_listing, origin, 1, name="Tuesday circle", summary="We meet.", description="",
                     topics=("grief",))
    bit = make_topic("grief").id % topic_bits.BITS
    make_topic("fatherhood")
    for words in ("topic", f"topic {bit}", f'"topic {bit}"', "language", '"language english"',
                  f"topic{bit}", f"topic_{bit}"):
        assert local_ids(run(near="10001", q=words)) == [], words
    assert local_ids(run(near="10001", q="tuesday", topic="grief")) == [listing.id]
    assert local_ids(run(near="10001", q="tuesday", topic="fatherhood")) == []


def test_keywords_rank_within_distance_bands(geo, origin, make_listing):
    weak = nearby(make_listing, origin, 0.5, name="Tuesday circle", description="Some talk of anger too.")
    strong = nearby(make_listing, origin, 0.9, name="Anger anger group", description="Anger, managed.")
    far = nearby(make_listing, origin, 7, name="Anger group far", description="Anger.")
    assert local_ids(run(near="10001", q="anger")) == [strong.id, weak.id, far.id]


def spanish(make_listing, origin, miles, **fields):
    """A listing held in Spanish, at an exact distance from the origin."""
    fields.setdefault("summary", "Un grupo pequeño de hombres que pasan por un momento difícil.")
    fields.setdefault("description", "Nos reunimos, escuchamos, nadie tiene que hablar.")
    return nearby(make_listing, origin, miles, languages=("es",), **fields)


def test_spanish_words_find_spanish_listings(geo, origin, make_listing):
    divorce = spanish(make_listing, origin, 1, name="Hombres divorciados",
                      description="Padres separados que hablan de su divorcio y de sus hijos.")
    fathers = spanish(make_listing, origin, 2, name="Círculo de padres", description="Paternidad, día a día.")
    grief = spanish(make_listing, origin, 3, name="Grupo de duelo", description="Después de una pérdida.")
    english = nearby(make_listing, origin, 4, name="Rebuilding after divorce", description="Separated dads.")
    assert local_ids(run(near="10001", q="divorcio")) == [divorce.id]
    assert local_ids(run(near="10001", q="paternidad")) == [fathers.id]
    assert local_ids(run(near="10001", q="duelo")) == [grief.id]
    assert local_ids(run(near="10001", q="pérdida")) == [grief.id]
    assert local_ids(run(near="10001", q="perdida")) == [grief.id]  # accents or none, on both databases
    assert local_ids(run(near="10001", q="divorce")) == [english.id]
    assert local_ids(run(near="10001", q="padres -divorcio")) == [fathers.id]
    if db.engine.dialect.name == "postgresql":
        # Each listing's words are stemmed in its own language: the Spanish stemmer joins these forms.
        assert local_ids(run(near="10001", q="divorciado")) == [divorce.id]
        assert local_ids(run(near="10001", q="grupos de duelo")) == [grief.id]
        config = db.session.scalar(text("SELECT search_config::text FROM listings WHERE id = :id"),
                                   {"id": divorce.id})
        assert config == "spanish"
        divorce.languages = ["en", "es"]
        db.session.commit()
        assert db.session.scalar(text("SELECT search_config::text FROM listings WHERE id = :id"),
                                 {"id": divorce.id}) == "english"


def test_reunion_finds_reunion_with_its_accent(geo, origin, make_listing):
    meeting = spanish(make_listing, origin, 1, name="Reunión de los martes")
    assert local_ids(run(near="10001", q="reunion")) == [meeting.id]
    assert local_ids(run(near="10001", q="reunión")) == [meeting.id]
    assert local_ids(run(near="10001", q="REUNION")) == [meeting.id]


def test_in_spanish_listings_held_in_spanish_come_first_within_each_distance_band(geo, origin, make_listing):
    near_english = nearby(make_listing, origin, 0.2, name="Near English")
    near_spanish = spanish(make_listing, origin, 0.8, name="Cerca en español")
    both = nearby(make_listing, origin, 0.9, name="Both", languages=("en", "es"))
    band_english = nearby(make_listing, origin, 3, name="Band English")
    band_spanish = spanish(make_listing, origin, 4.5, name="Banda en español")
    far_spanish = spanish(make_listing, origin, 8, name="Lejos en español")
    by_distance = [listing.id for listing in
                   (near_english, near_spanish, both, band_english, band_spanish, far_spanish)]
    in_spanish = [listing.id for listing in
                  (near_spanish, both, near_english, band_spanish, band_english, far_spanish)]
    params = read(MultiDict({"near": "10001"}), per_page=200)
    assert local_ids(search(params)) == by_distance  # no request: the default language
    assert local_ids(search(params, language="en")) == by_distance
    assert local_ids(search(params, language="es")) == in_spanish
    # A distance band is one of the page's radius choices: nothing crosses from a farther band.
    assert local_ids(search(read(MultiDict({"near": "10001", "radius": "5"}), per_page=2), language="es")) \
        == in_spanish[:2]
    # With keywords, the language first and the best match within it.
    keyword = local_ids(search(read(MultiDict({"near": "10001", "q": "group"}), per_page=200), language="es"))
    assert keyword == [both.id, near_english.id, band_english.id]


def test_the_search_page_in_spanish_puts_spanish_listings_first(geo, client, origin, make_listing):
    nearby(make_listing, origin, 0.2, name="Tuesday men's circle")
    spanish(make_listing, origin, 0.7, name="Círculo de los martes")
    page = page_text(client.get("/search?near=10001&lang=es"))
    assert page.index("Círculo de los martes") < page.index("Tuesday men's circle")
    page = page_text(client.get("/search?near=10001&lang=en"))
    assert page.index("Tuesday men's circle") < page.index("Círculo de los martes")


HOSTILE = ['"', '""', "'", "NEAR(a b)", "a AND", "OR", "NOT", "*", "a*", "^x", "name:foo", "(((", ")", "-",
           "--x", "a + b", "{x}", "\\", "\x00", "null", "AND OR NOT", "🙂", "ＡＮＤ", "x" * 500, "e-mail",
           "rank MATCH 1", "grief\x00"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_keywords_never_reach_the_database_as_syntax(geo, client, make_listing, text):
    make_listing(name="Anything")
    assert client.get("/search", query_string={"q": text, "near": "10001"}).status_code in (200, 400)
    run(q=text[:200])  # raises on an FTS5 or tsquery syntax error


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60))
def test_any_keywords_at_all_are_safe(app_context, text):
    query = fts5_query(text)
    if query is not None:
        parts = re.findall(r'"[^"]*"|\S+', query.replace("(", " ").replace(")", " "))
        assert all(part.startswith('"') or part in ("AND", "OR", "NOT") for part in parts)
    run(q=text)


def test_only_public_listings_ever_appear(geo, origin, make_listing, make_user):
    shown = nearby(make_listing, origin, 1, format="hybrid")
    for status in ("draft", "pending", "paused", "rejected", "unpublished", "expired", "withdrawn"):
        nearby(make_listing, origin, 1, status=status, format="hybrid")
    nearby(make_listing, origin, 1, owner=make_user(suspended_at=utcnow()), format="hybrid")
    make_listing(format="online", status="paused")
    make_listing(format="online", owner=make_user(suspended_at=utcnow()))
    # Unconfirmed for longer than EXPIRE_AFTER_DAYS: it leaves the search even before a job expires it.
    nearby(make_listing, origin, 1, last_confirmed_at=utcnow() - timedelta(days=400))
    results = run(near="10001", radius="100")
    assert local_ids(results) == [shown.id] and online_ids(results) == []
    assert online_ids(run(format="online")) == [shown.id]


# Pages, links and messages --------------------------------------------------------------------------


@pytest.mark.config(SEARCH_PER_PAGE=2)
def test_pagination_keeps_every_filter(geo, client, origin, make_listing):
    ids = [nearby(make_listing, origin, miles, topics=("grief",), cost="free").id
           for miles in (1, 2, 3, 4, 5)]
    nearby(make_listing, origin, 1.5, topics=("anger",))
    query = {"near": "10001", "topic": "grief", "cost": "free", "kind": "group", "day": ["tue", "thu"]}
    first = client.get("/search", query_string=query)
    assert first.status_code == 200
    body = first.get_data(as_text=True)
    links = re.findall(r'href="([^"]*page=2[^"]*)"', body)
    assert links, "no link to page 2"
    for part in ("near=10001", "topic=grief", "cost=free", "kind=group", "day=tue", "day=thu"):
        assert part in links[0]
    seen = []
    for number in (1, 2, 3):
        page_results = search(SearchParams.from_args(MultiDict({**query, "page": str(number)}), per_page=2))
        seen.extend(local_ids(page_results))
        assert page_results.pages == 3
    assert seen == ids
    second = client.get(html.unescape(links[0]))
    assert second.status_code == 200
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2' in second.get_data(as_text=True)


def test_pagination_interface_for_the_macro(geo, origin, make_listing):
    for miles in range(1, 8):
        nearby(make_listing, origin, miles)
    results = search(SearchParams.from_args(MultiDict({"near": "10001", "page": "2"}), per_page=2))
    assert (results.pages, results.prev_num, results.next_num) == (4, 1, 3)
    pages = results.iter_pages(left_edge=1, left_current=1, right_current=2, right_edge=1)
    assert list(pages) == [1, 2, 3, 4]


def test_few_results_offer_the_next_wider_radius_and_online(geo, client, origin, make_listing):
    near_one = nearby(make_listing, origin, 3)
    for miles in (12, 14, 30):
        nearby(make_listing, origin, miles)
    make_listing(format="online", name="Online option")
    results = run(near="10001", radius="10")
    assert local_ids(results) == [near_one.id] and results.few_local
    assert (results.wider.radius, results.wider.count) == (25, 3)
    text = page_text(client.get("/search?near=10001"))
    assert "Only 1 listing nearby." in text
    assert "Search within 25 miles: 3 listings" in text
    assert "1 option you can join online" in text
    body = client.get("/search?near=10001").get_data(as_text=True)
    assert 'href="/search?near=10001&amp;radius=25"' in body
    assert run(near="10001", radius="100").wider is None


def test_counts_for_a_wider_radius_read_the_widest_only_when_the_next_finds_nothing_more(geo, origin,
                                                                                        make_listing):
    """Few results: the next radius (at least 25 miles, whose count "Where groups are needed" takes) is
    counted first, a box a sixteenth of the widest's; only when it finds nothing more is the widest read."""
    def counted(**args) -> tuple[SearchResults, int]:
        with statements_run() as statements:
            results = run(near="10001", **args)
        return results, sum(1 for statement, _ in statements if "count(CASE WHEN" in statement)

    nearby(make_listing, origin, 3)
    nearby(make_listing, origin, 60)
    results, statements = counted(radius="10")
    assert (results.wider.radius, results.wider.count, results.near_total) == (100, 2, 1)
    assert statements == 2  # 25 miles found nothing more: the widest was read too
    nearby(make_listing, origin, 20)
    results, statements = counted(radius="10")
    assert (results.wider.radius, results.wider.count, results.near_total) == (25, 2, 2)
    assert statements == 1
    results, statements = counted(radius="25")
    assert (results.wider.radius, results.wider.count, results.near_total) == (100, 3, 2)
    assert statements == 2  # 50 miles, then 100
    results, statements = counted(radius="50")
    assert (results.wider.radius, results.wider.count) == (100, 3) and statements == 1
    results, statements = counted(radius="1")  # counted to 25 miles all the same, for near_total
    assert (results.wider.radius, results.wider.count, results.near_total) == (5, 1, 2) and statements == 1


def test_nothing_anywhere_is_never_a_dead_end(geo, client):
    response = client.get("/search?near=59001")  # rural Montana, and an empty directory
    text = page_text(response)
    assert response.status_code == 200
    assert "We didn't find a match this time" in text
    assert "988" in text.split("We didn't find a match this time")[1]


def test_unknown_place_gets_a_friendly_message_and_suggestions(geo, client):
    response = client.get("/search?near=Springfeld, IL")
    text = page_text(response)
    assert response.status_code == 200
    assert "We couldn't find “Springfeld, IL”" in text
    assert "Springfield, IL" in text
    assert 'href="/search?near=Springfield,+IL"' in response.get_data(as_text=True)
    nonsense = page_text(client.get("/search?near=xyzzy plugh"))
    assert "We couldn't find" in nonsense and "Try a ZIP code" in nonsense


def test_ambiguous_place_uses_the_most_populous_and_offers_the_others(geo, client):
    results = run(near="Springfield")
    assert (results.origin.name, results.origin.region) == ("Springfield", "MO")
    assert "Springfield, IL" in [place.label for place in results.alternatives]
    make_topic("grief")
    response = client.get("/search?near=Springfield&topic=grief")
    text = page_text(response)
    assert re.search(r"Showing results near Springfield, MO ?\. Did you mean", text)
    body = response.get_data(as_text=True)
    assert 'href="/search?near=Springfield,+IL&amp;topic=grief">Springfield, IL</a>' in body


BAD = [
    ({"radius": "7"}, "radius", "Choose a distance of 1, 5, 10, 25, 50 or 100 miles."),
    ({"radius": "-1"}, "radius", None),
    ({"units": "furlongs"}, "units", None),
    ({"kind": "wizard"}, "kind", None),
    ({"format": "carrier-pigeon"}, "format", None),
    ({"cost": "expensive"}, "cost", None),
    ({"day": "funday"}, "day", None),
    ({"language": "english"}, "language", None),
    ({"topic": "no-such-topic"}, "topic", "We don't know the topic “no-such-topic”."),
    ({"topic": "<script>"}, "topic", None),
    ({"audience": "aliens"}, "audience", None),
    ({"page": "0"}, "page", None),
    ({"page": "abc"}, "page", None),
    ({"page": "99999999999999999999"}, "page", None),
    ({"near": "x" * 500}, "near", None),
    ({"q": "divorce " * 100}, "q", None),
]


@pytest.mark.parametrize(("args", "name", "message"), BAD)
def test_bad_parameters_get_a_friendly_400_never_a_500(geo, client, args, name, message):
    make_audience("veterans", "Veterans")
    params = read(MultiDict({"near": "10001", **args}))
    assert name in params.errors
    if message:
        assert params.errors[name] == message
    with pytest.raises(InvalidSearch) as raised:
        read(MultiDict(args)).checked()
    assert name in raised.value.errors
    response = client.get("/search", query_string={"near": "10001", **args})
    assert response.status_code == 400
    text = page_text(response)
    assert "Some of your choices could not be used" in text
    assert params.errors[name] in text
    assert "Support near" in text or "Find a mentor" in text  # the page still works around the bad value


def test_good_parameters_round_trip_through_urls(geo):
    make_audience("veterans", "Veterans")
    args = MultiDict([("near", "Dayton, OH"), ("radius", "25"), ("units", "km"), ("kind", "group"),
                      ("topic", "grief"), ("topic", "anger"), ("audience", "veterans"), ("format", "hybrid"),
                      ("day", "mon"), ("day", "wed"), ("cost", "free"), ("language", "es"), ("q", "dads"),
                      ("page", "2")])
    for slug in ("grief", "anger"):
        make_topic(slug)
    params = SearchParams.parse(args)
    assert params.to_args() == {
        "near": "Dayton, OH", "radius": "25", "units": "km", "kind": "group", "format": "hybrid",
        "cost": "free", "language": "es", "topic": ["grief", "anger"], "audience": ["veterans"],
        "day": ["mon", "wed"], "q": "dads", "page": "2",
    }
    assert SearchParams.parse(MultiDict(params.to_args())) == params
    assert SearchParams.parse(MultiDict()).to_args() == {}


def test_results_show_what_a_first_timer_needs(geo, client, origin, make_listing):
    nearby(make_listing, origin, 2.4, name="Tuesday circle", topics=("grief",),
           meetings=[dict(weekday=1, start_time=time(19, 0), duration_minutes=90)])
    nearby(make_listing, origin, 3.9, kind="mentor", name="Sam", availability="Weekday evenings")
    text = page_text(client.get("/search?near=10001"))
    assert "2.4 mi" in text and "3.9 mi" in text
    assert re.search(r"Next meeting Tue \d+ \w+ \d{4}, 7:00 PM E[SD]T", text)
    assert "Availability Weekday evenings" in text
    assert "Confirmed today" in text
    assert "Grief" in text
    km = page_text(client.get("/search?near=10001&units=km"))
    assert "3.9 km" in km and "6.3 km" in km


def test_results_load_in_a_fixed_number_of_queries(geo, origin, make_listing):
    """No N+1: topics, audiences, languages and meetings are loaded for the whole page at once."""
    def count_queries(**args) -> int:
        with statements_run() as statements:
            db.session.expire_all()
            run(**args)
        return len(statements)

    for miles in range(1, 6):
        nearby(make_listing, origin, miles / 2, topics=("grief", "anger"))
    make_listing(format="online")
    few = count_queries(near="10001")
    for miles in range(3, 20):
        nearby(make_listing, origin, miles, topics=("grief", "anger"))
        make_listing(format="online")
    assert count_queries(near="10001") == few


def test_reading_the_parameters_asks_nothing_of_the_database(geo):
    """Reading checks each value's form only; whether a slug names a topic is the next step's question."""
    grief = make_topic("grief")
    make_audience("fathers", "Fathers")
    args = MultiDict({"near": "10001", "topic": "grief", "audience": ["fathers", "nobody"]})
    with statements_run() as statements:
        params = SearchParams.from_args(args)
        assert statements == [] and params.vocabulary is None and not params.errors
        resolved = resolve_vocabulary(params)
    lookups = [statement for statement, _ in statements if statement.startswith("SELECT")]
    assert len(lookups) == 2, lookups  # one for the topics, one for the audiences
    assert resolved.vocabulary is not None and resolved.vocabulary.topics == (grief.id,)
    # An unknown slug is refused as a badly formed one is: explained, and its filter left out.
    assert resolved.errors == {"audience": "We don't know the audience “nobody”."}
    assert resolved.audiences == () and resolved.vocabulary.audiences == ()


@pytest.mark.config(KEEP_CHOICES=True)
def test_topic_and_audience_slugs_are_looked_up_in_the_kept_terms(geo, origin, make_listing):
    """Reading the parameters finds the slugs' ids among the terms kept per data version (the ones result
    cards name): once read, a search with topics and audiences runs no statement on either table."""
    fathers = make_audience("fathers", "Fathers")
    listing = nearby(make_listing, origin, 1, topics=("grief",))
    listing.audiences = [fathers]
    db.session.commit()

    def vocabulary_reads(statements) -> list[str]:
        return [statement for statement, _ in statements
                if re.search(r"\bFROM (topics|audiences)\b", statement)]

    with statements_run() as statements:
        results = run(near="10001", topic="grief", audience="fathers")
    assert local_ids(results) == [listing.id]
    assert len(vocabulary_reads(statements)) == 2, statements  # the topics, the audiences: each read whole
    with statements_run() as statements:
        again = run(near="10001", radius="50", topic="grief", audience="fathers")
    assert local_ids(again) == [listing.id]
    assert vocabulary_reads(statements) == []
    # Parameters changed later are looked up again, not matched with the old ids.
    assert local_ids(search(results.params.with_changes(topics=("anger",)))) == []
    assert "topic" in run(near="10001", topic="no-such-topic").params.errors


def test_a_submitted_form_redirects_to_the_short_url(geo, client):
    response = client.get("/search?near=10001&radius=10&kind=&q=&format=&units=mi&topic=&tz=Europe/London")
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?near=10001&tz=Europe/London"
    # A refused value is never silently dropped by a redirect: the page explains it instead.
    assert client.get("/search?near=10001&radius=7&kind=").status_code == 400


def test_postgresql_reads_each_list_from_its_own_indexes(geo, origin, make_listing, monkeypatch):
    """PostgreSQL: keyword boxes from their list's index of points and words, the online list nearest
    first from the online one, its keyword count from the online list's full-text index.

    A partial index serves only statements whose conditions imply its own, so this fails when a
    statement's formats, status or operators drift from the index's. The plans are asked with the
    other ways of reading switched off: on a table this small the planner would rightly read it whole.
    """
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's indexes for each list (SQLite reads boxes, see the test below)")
    # Counts stop short of the whole online list, so its nearest are read, not all of it.
    monkeypatch.setattr(online_list, "ONLINE_COUNT_LIMIT", 1)
    monkeypatch.setattr(online_list, "PAGES_AHEAD", 0)
    for miles in (1, 2, 3):
        nearby(make_listing, origin, miles, summary="grief circle", topics=("grief",))
        nearby(make_listing, origin, miles, format="online", summary="grief circle", topics=("grief",))
    with statements_run() as captured:
        local = run(near="10001", radius="5", q="grief")
        online = search(SearchParams.parse(MultiDict({"near": "10001", "format": "online", "q": "grief",
                                                       "topic": "grief"}), per_page=2))
        plain_online = search(SearchParams.parse(MultiDict({"near": "10001", "format": "online"}),
                                                 per_page=2))
    assert len(local.local) == 3
    assert len(online.online) == 2 and not online.online_total_exact
    assert [hit.distance_miles for hit in plain_online.online] == [pytest.approx(1), pytest.approx(2)]

    online_words = (search_indexes.ONLINE_WORDS_INDEX, search_indexes.ONLINE_INDEX)  # both hold its words
    expected = []  # (statement, parameters, the indexes it may be read from)
    for statement, parameters in captured:
        if "cube_enlarge" in statement:
            in_person = "in_person" in parameters.values()
            expected.append((statement, parameters, (search_indexes.IN_PERSON_INDEX,) if in_person
                             else (search_indexes.ONLINE_INDEX,)))
        elif "<->" in statement:
            expected.append((statement, parameters, (search_indexes.ONLINE_INDEX,)))
        elif "@@" in statement and "LIMIT" in statement:  # the ids that count the online list
            expected.append((statement, parameters, online_words))
    kinds = {(indexes, "<->" in statement) for statement, _, indexes in expected}
    assert kinds == {((search_indexes.IN_PERSON_INDEX,), False), ((search_indexes.ONLINE_INDEX,), True),
                     (online_words, False)}, kinds
    with db.engine.connect() as connection:
        for statement, parameters, indexes in expected:
            with connection.begin():
                connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
                plan = " / ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement,
                                                                               parameters))
            assert any(index in plan for index in indexes), plan


# What ANALYZE wrote for the listings' indexes in the benchmark's directory of 100,000 listings: the
# planner weighs plans by these figures alone, so a test's few rows can be planned like a large directory.
LARGE_DIRECTORY_STATISTICS = {
    "ix_listings_status_format_cover": "100000 100000 33334 16667 5556 1 1 1",
    "ix_listings_search_box": "100000 100000 130 1 1 1 1 1 1 1 1 1",
    "ix_listings_status_confirmed": "100000 100000 1",
    "ix_listings_owner_id": "100000 50",
}


@pytest.mark.parametrize("statistics", [False, True], ids=["no statistics", "a large directory's"])
def test_the_online_list_is_never_read_through_the_confirmation_dates(geo, origin, make_listing, statistics,
                                                                      monkeypatch):
    """SQLite may answer "never confirmed, or confirmed since the cutoff" by reading both runs of the
    confirmation-date index (a MULTI-INDEX OR), which its statistics say are short: in fact almost
    every listing, each looked up in the table (150 ms for a short online list at 100,000 listings);
    or it may scan the whole table. Every statement of the online list (its count, its freshest, all
    of it) must read an index instead, with a large directory's statistics or none."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner; PostgreSQL weighs a bitmap OR against the other plans")
    with _sqlite_listing_statistics(LARGE_DIRECTORY_STATISTICS if statistics else {}):
        for miles in (2, 3):
            nearby(make_listing, origin, miles, format="online", summary="grief circle", topics=("grief",))
        nearby(make_listing, origin, 4, format="online", summary="grief circle", last_confirmed_at=None)
        for _ in range(3):  # too few located listings for a page of five: the boxes give way to everything
            make_listing(format="online", latitude=None, longitude=None, summary="grief circle",
                         topics=("grief",))
        searches = ({"near": "10001"}, {"format": "online"}, {"near": "10001", "q": "grief"},
                    {"format": "online", "topic": "grief", "q": "grief circle"})
        with statements_run() as statements:
            for count_limit in (online_list.ONLINE_COUNT_LIMIT, 1):  # the whole list, then its shortcuts
                monkeypatch.setattr(online_list, "ONLINE_COUNT_LIMIT", count_limit)
                monkeypatch.setattr(online_list, "PAGES_AHEAD", 0)
                for args in searches:
                    found = search(SearchParams.parse(MultiDict(args), per_page=5), online_preview=5)
                    assert found.online_total >= 1
        online = [(statement, values) for statement, values in statements
                  if "listings.format IN" in statement and "latitude_band IN" not in statement]
        kinds = {("counted" if "LIMIT" in statement and "ORDER BY" not in statement else
                  "newest" if "ORDER BY" in statement else "everything" if "location_precision" in statement
                  else "other") for statement, _ in online}
        assert kinds >= {"counted", "newest", "everything"}, kinds
        connection = db.session.connection()  # the one holding the last search's matches (a temporary table)
        for statement, parameters in online:
            plan = " / ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                             parameters))
            assert "MULTI-INDEX OR" not in plan and not re.search(r"\bSCAN listings\b", plan), plan


@contextmanager
def _sqlite_listing_statistics(figures):
    """SQLite's planner reads these figures for the listings' indexes (none: it plans without
    statistics) inside the block; the database outlives the test, so they are gone after it."""
    _write_listing_statistics(figures)
    try:
        yield
    finally:
        _write_listing_statistics({})


def _write_listing_statistics(figures):
    db.session.rollback()
    db.session.execute(text("ANALYZE sqlite_schema"))  # creates sqlite_stat1 without analysing a table
    db.session.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'listings'"))
    for index, stat in figures.items():
        db.session.execute(text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('listings', :idx, :stat)"),
                           {"idx": index, "stat": stat})
    db.session.execute(text("ANALYZE sqlite_schema"))  # the planner reads the figures again
    db.session.commit()


def test_every_box_is_read_from_the_box_index_even_without_statistics(geo, origin, make_listing):
    """SQLite with no statistics (nobody ran ANALYZE) must still read a box from its index, not from
    the status/format index that would mean every online listing in the country."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner without statistics; PostgreSQL always has them")
    if db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        db.session.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'listings'"))
        db.session.commit()
    nearby(make_listing, origin, 2, topics=("grief",))
    nearby(make_listing, origin, 3, format="online", topics=("grief",))
    with statements_run() as statements:
        for args in ({"near": "10001"}, {"near": "10001", "topic": "grief", "radius": "50"},
                     {"near": "10001", "format": "online"}):
            run(**args)
    boxes = [(statement, values) for statement, values in statements if "latitude_band IN" in statement]
    assert len(boxes) >= 3
    with db.engine.connect() as connection:
        for statement, parameters in boxes:
            plan = " / ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                             parameters))
            assert "INDEX ix_listings_search_box" in plan, plan
