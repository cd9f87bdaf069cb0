"""The gazetteer: what people type turns into the right point, time zone and label; distances are right."""

from __future__ import annotations

import gzip
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from directory.extensions import db
from directory.geo.distance import EARTH_RADIUS_MILES, MILES_PER_KM, bounding_box, distance_miles
from directory.geo.gazetteer import GEONAMES_ATTRIBUTION
from directory.geo.models import Place
from directory.geo.names import normalise, uk_outward_code
from directory.geo.services import locate, nearest_place


def place_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Place))


# --------------------------------------------------------------------------------------------------
# Text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Saint-Étienne ", "saint etienne"),
        ("ST. LOUIS", "st louis"),
        ("Coeur d'Alene", "coeur dalene"),
        ("Montréal,  QC!!", "montreal qc"),
        ("Ｔｏｒｏｎｔｏ", "toronto"),
        ("Straße", "strasse"),
        ("'; DROP TABLE places; --", "drop table places"),
        ("", ""),
        ("\u202e\u0000\u200b", ""),
    ],
)
def test_normalise_folds_case_accents_and_punctuation(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "outward"),
    [("LS1", "LS1"), ("sw1a1aa", "SW1A"), ("SW1A 1AA", "SW1A"), (" m1 1ae ", "M1"), ("EC1A-1BB", "EC1A"),
     ("10001", None), ("Leeds", None), ("M5V 3L9", None)],
)
def test_uk_outward_code_is_read_from_full_and_partial_postcodes(text, outward):
    assert uk_outward_code(text) == outward


# --------------------------------------------------------------------------------------------------
# US ZIP codes and towns


@pytest.mark.parametrize("text", ["10001", "10001-1234", " 10001 ", "100011234"])
def test_zip_codes_and_zip_plus_four_resolve_to_the_zip_centroid(geo, text):
    location = locate(text).location
    assert location is not None
    assert (location.kind, location.postal_code, location.region) == ("postal", "10001", "NY")
    assert location.country == "US"
    assert location.label == "New York, NY 10001"
    assert location.time_zone == "America/New_York"
    assert distance_miles(location.latitude, location.longitude, 40.7484, -73.9967) < 1
    assert location.query == "10001"


def test_unknown_zip_offers_nearby_zip_codes(geo):
    result = locate("99999")
    assert result.location is None
    assert result.suggestions
    assert all(s.postal_code.startswith("999") for s in result.suggestions)


@pytest.mark.parametrize(
    "text", ["Austin, TX", "Austin Texas", "austin", "AUSTIN,   tx", "Austin, TX, USA", "austin texas usa"]
)
def test_city_with_or_without_state(geo, text):
    location = locate(text).location
    assert location is not None
    assert (location.name, location.region, location.country) == ("Austin", "TX", "US")
    assert location.label == "Austin, TX"
    assert location.time_zone == "America/Chicago"
    assert distance_miles(location.latitude, location.longitude, 30.2672, -97.7431) < 5


@pytest.mark.parametrize("text", ["st. louis", "Saint Louis", "St Louis, MO", "saint louis missouri"])
def test_saint_and_st_are_the_same_word(geo, text):
    location = locate(text).location
    assert location is not None
    assert (location.region, location.time_zone) == ("MO", "America/Chicago")
    assert distance_miles(location.latitude, location.longitude, 38.627, -90.198) < 5


def test_a_town_known_only_by_its_zip_codes_is_found(geo):
    # Small towns missing from the towns list still resolve, through their ZIP codes.
    town = db.session.scalars(
        select(Place).where(Place.kind == "postal", Place.country == "US", Place.region == "NY")
        .where(~Place.search_key.in_(select(Place.search_key).where(Place.kind == "city")))
        .order_by(Place.postal_code).limit(1)
    ).first()
    assert town is not None
    location = locate(f"{town.name}, {town.region}").location
    assert location is not None
    assert (location.name, location.region) == (town.name, "NY")
    assert distance_miles(location.latitude, location.longitude, town.latitude, town.longitude) < 30


def test_ambiguous_springfield_picks_the_most_populous_and_offers_the_others(geo):
    result = locate("Springfield")
    assert result.location.region == "MO"  # Springfield, MO is the largest
    regions = [alternative.region for alternative in result.alternatives]
    assert {"IL", "MA", "OR"} <= set(regions)
    assert 1 < len(result.alternatives) <= 8
    assert "MO" not in regions
    illinois = next(alternative for alternative in result.alternatives if alternative.region == "IL")
    assert illinois.query == "Springfield, IL"
    again = locate(illinois.query)
    assert (again.location.region, again.location.label) == ("IL", "Springfield, IL")
    assert again.alternatives == []


def test_ambiguous_portland_picks_oregon_and_a_state_picks_maine(geo):
    result = locate("Portland")
    assert (result.location.region, result.location.time_zone) == ("OR", "America/Los_Angeles")
    assert "ME" in {alternative.region for alternative in result.alternatives}
    assert locate("Portland, Maine").location.region == "ME"
    assert locate("portland me").location.region == "ME"


def test_new_york_is_the_city(geo):
    for text in ("New York", "new york city", "NYC", "New York, NY"):
        location = locate(text).location
        assert location is not None, text
        assert distance_miles(location.latitude, location.longitude, 40.7128, -74.0060) < 10, text


# --------------------------------------------------------------------------------------------------
# Other countries


@pytest.mark.parametrize(
    ("text", "country", "region", "time_zone", "point"),
    [
        ("Toronto", "CA", "ON", "America/Toronto", (43.65, -79.38)),
        ("toronto, ontario", "CA", "ON", "America/Toronto", (43.65, -79.38)),
        ("Leeds", "GB", "ENG", "Europe/London", (53.80, -1.55)),
        ("Dublin", "IE", "L", "Europe/Dublin", (53.35, -6.26)),
        ("Sydney", "AU", "NSW", "Australia/Sydney", (-33.87, 151.21)),
        ("Auckland", "NZ", "AUK", "Pacific/Auckland", (-36.85, 174.76)),
        ("Perth", "AU", "WA", "Australia/Perth", (-31.95, 115.86)),
        ("Perth, Australia", "AU", "WA", "Australia/Perth", (-31.95, 115.86)),
        ("Perth, Scotland", "GB", "SCT", "Europe/London", (56.40, -3.43)),
        ("perth uk", "GB", "SCT", "Europe/London", (56.40, -3.43)),
        ("Cork, Ireland", "IE", "M", "Europe/Dublin", (51.90, -8.47)),
        ("Christchurch, New Zealand", "NZ", "CAN", "Pacific/Auckland", (-43.53, 172.64)),
        ("Montréal", "CA", "QC", "America/Toronto", (45.50, -73.57)),
        ("montreal quebec", "CA", "QC", "America/Toronto", (45.50, -73.57)),
        ("London", "GB", "ENG", "Europe/London", (51.51, -0.13)),
        ("London, Ontario", "CA", "ON", "America/Toronto", (42.98, -81.25)),
        ("Dublin, Ohio", "US", "OH", "America/New_York", (40.10, -83.11)),
    ],
)
def test_places_in_other_countries(geo, text, country, region, time_zone, point):
    location = locate(text).location
    assert location is not None
    assert (location.country, location.region, location.time_zone) == (country, region, time_zone)
    assert distance_miles(location.latitude, location.longitude, *point) < 10


def test_labels_say_where_a_place_is_and_their_query_finds_it_again(geo):
    texts = ("Toronto", "Sydney", "Perth, Scotland", "Dublin")
    labels = {text: locate(text).location.label for text in texts}
    assert labels == {
        "Toronto": "Toronto, ON, Canada",
        "Sydney": "Sydney, NSW, Australia",
        "Perth, Scotland": "Perth, Scotland",
        "Dublin": "Dublin, Ireland",
    }
    seen = []
    for text in ("Springfield", "Portland", "Perth", "Wellington", "London", "Sydney", "Dublin"):
        result = locate(text)
        seen.extend([result.location, *result.alternatives])
    for location in seen:
        again = locate(location.query).location
        assert again is not None, location.query
        assert again.label == location.label, location.query


@pytest.mark.parametrize(
    ("text", "outward", "point"),
    [
        ("LS1", "LS1", (53.797, -1.548)),
        ("ls1", "LS1", (53.797, -1.548)),
        ("SW1A 1AA", "SW1A", (51.501, -0.141)),
        ("sw1a1aa", "SW1A", (51.501, -0.141)),
        ("EH1 1YZ", "EH1", (55.950, -3.190)),
        ("BT7 1NN", "BT7", (54.597, -5.930)),
    ],
)
def test_uk_outward_codes_resolve_to_their_district(geo, text, outward, point):
    location = locate(text).location
    assert location is not None
    assert (location.kind, location.postal_code, location.country) == ("postal", outward, "GB")
    assert location.time_zone == "Europe/London"
    assert location.label.endswith(f" {outward}, United Kingdom")
    assert location.query == outward
    assert distance_miles(location.latitude, location.longitude, *point) < 2


def test_northern_irish_districts_outside_belfast_get_towns_to_choose_from(geo):
    result = locate("BT74 6AA")
    assert result.location is None
    assert result.suggestions
    assert {s.region for s in result.suggestions} == {"NIR"}


# --------------------------------------------------------------------------------------------------
# Coordinates (the browser's "use my location")


def test_coordinates_become_a_point_with_the_nearest_places_time_zone(geo):
    location = locate("40.75,-73.99").location
    assert location is not None
    assert (location.kind, location.latitude, location.longitude) == ("point", 40.75, -73.99)
    assert location.time_zone == "America/New_York"
    assert location.label.startswith("Near ")
    assert location.label.endswith(", NY")
    assert locate(location.query).location == location


@pytest.mark.parametrize(
    ("text", "time_zone"),
    [("51.5074, -0.1278", "Europe/London"), ("-33.87 151.21", "Australia/Sydney"),
     ("34.05,-118.24", "America/Los_Angeles"), ("61.2181,-149.9003", "America/Anchorage")],
)
def test_coordinates_elsewhere(geo, text, time_zone):
    assert locate(text).location.time_zone == time_zone


def test_nearest_place_is_the_closest_row(geo):
    place = nearest_place(30.2672, -97.7431)
    assert place is not None
    assert place.region == "TX"
    assert distance_miles(30.2672, -97.7431, place.latitude, place.longitude) < 3
    assert nearest_place(91, 0) is None


def test_nearest_place_looks_across_the_antimeridian(geo):
    # 179.9E is closer to the Chatham Islands (176.5W) than to mainland New Zealand.
    place = nearest_place(-44.0, 179.9)
    assert (place.country, place.time_zone) == ("NZ", "Pacific/Chatham")


# --------------------------------------------------------------------------------------------------
# Nothing found, and bad input


def test_unknown_text_finds_nothing_without_raising(geo):
    result = locate("xyzzy plugh qwrtp")
    assert result.location is None
    assert result.alternatives == []
    assert result.query == "xyzzy plugh qwrtp"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Austn", ("Austin", "TX")), ("Springfeld, IL", ("Springfield", "IL")), ("Sprin", ("Springfield", "MO")),
     ("Texas", ("Houston", "TX")), ("Boston, Lincolnshire", ("Boston", "ENG"))],
)
def test_near_misses_get_suggestions(geo, text, expected):
    result = locate(text)
    assert result.location is None
    assert expected in [(s.name, s.region) for s in result.suggestions]
    assert len(result.suggestions) <= 8


HOSTILE = [
    "",
    "   ",
    "'; DROP TABLE places; --",
    "1' OR '1'='1",
    "Austin' UNION SELECT * FROM users --",
    "\" OR \"\"=\"",
    "%' AND 1=1 --",
    "\\x00\\x1a",
    "\x00Austin\x00",
    "\u202eXT ,nitsuA",
    "Z̷̢̛a̸͓̓l̵̰͋g̶̱̈o̸͙͒",
    "👨‍👩‍👦 🏳️‍🌈",
    "Ｓｐｒｉｎｇｆｉｅｌｄ",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00%0d%0a",
    "9" * 500,
    "a" * 10_000,
    "Austin, TX " * 50,
    "-91,200",
    "1e309,1e309",
    "NaN,NaN",
    "10001" * 3,
]


def test_hostile_input_never_raises_and_changes_nothing(geo):
    before = place_count()
    for text in HOSTILE:
        result = locate(text)
        if result.location is not None:
            assert math.isfinite(result.location.latitude) and math.isfinite(result.location.longitude), text
        assert len(result.query) <= 120
    assert place_count() == before
    for text in ("a" * 10_000, "'; DROP TABLE places; --", "", "NaN,NaN", "1e309,1e309", "-91,200"):
        assert locate(text).location is None, text
    assert locate("Ｓｐｒｉｎｇｆｉｅｌｄ").location.name == "Springfield"  # full-width letters fold


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=150))
def test_any_text_at_all_never_raises(geo, text):
    result = locate(text)
    assert result.location is None or result.location.time_zone


def test_non_string_input_finds_nothing(geo):
    assert locate(None).location is None  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Distances


def law_of_cosines_miles(lat1, lon1, lat2, lon2):
    """An independent great-circle formula to check the haversine against."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH_RADIUS_MILES * math.acos(max(-1.0, min(1.0, cosine)))


def test_distance_between_two_zip_centroids(geo):
    new_york, los_angeles = locate("10001").location, locate("90012").location
    miles = distance_miles(new_york.latitude, new_york.longitude, los_angeles.latitude, los_angeles.longitude)
    expected = law_of_cosines_miles(new_york.latitude, new_york.longitude, los_angeles.latitude,
                                    los_angeles.longitude)
    assert miles == pytest.approx(expected, rel=1e-9)
    assert 2400 < miles < 2500  # New York to Los Angeles is about 2,450 miles


def test_distance_basics():
    assert distance_miles(51.5, -0.12, 51.5, -0.12) == 0
    assert distance_miles(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_MILES)
    assert distance_miles(0, 179.9, 0, -179.9) == pytest.approx(0.2 * math.pi / 180 * EARTH_RADIUS_MILES)
    assert MILES_PER_KM == pytest.approx(0.621371, rel=1e-6)
    assert GEONAMES_ATTRIBUTION == "Contains GeoNames data, CC BY 4.0"


def destination(lat, lon, bearing_degrees, miles):
    """The point `miles` along a great circle from (lat, lon) on a bearing."""
    angular = miles / EARTH_RADIUS_MILES
    phi1, lambda1, theta = math.radians(lat), math.radians(lon), math.radians(bearing_degrees)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(angular) + math.cos(phi1) * math.sin(angular) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(math.sin(theta) * math.sin(angular) * math.cos(phi1),
                                   math.cos(angular) - math.sin(phi1) * math.sin(phi2))
    lon2 = (math.degrees(lambda2) + 540) % 360 - 180
    return math.degrees(phi2), lon2


@settings(max_examples=400, deadline=None)
@given(
    lat=st.floats(-89.5, 89.5),
    lon=st.floats(-180, 180),
    radius=st.floats(0.1, 3000),
    bearing=st.floats(0, 360),
    fraction=st.floats(0, 1),
)
def test_bounding_box_contains_every_point_within_the_radius(lat, lon, radius, bearing, fraction):
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    point_lat, point_lon = destination(lat, lon, bearing, radius * fraction)
    assert distance_miles(lat, lon, point_lat, point_lon) <= radius * fraction + 1e-6
    tolerance = 1e-9
    assert min_lat - tolerance <= point_lat <= max_lat + tolerance
    assert min_lon - tolerance <= point_lon <= max_lon + tolerance


def test_bounding_box_is_tight_away_from_poles_and_antimeridian():
    min_lat, max_lat, min_lon, max_lon = bounding_box(40.0, -74.0, 10)
    assert max_lat - min_lat == pytest.approx(2 * math.degrees(10 / EARTH_RADIUS_MILES))
    assert 0.3 < max_lon - min_lon < 0.4  # about 0.38 degrees of longitude at 40N
    assert bounding_box(-44.0, 179.9, 50)[2:] == (-180.0, 180.0)  # crosses the antimeridian: opens up
    assert bounding_box(89.9, 0, 20)[2:] == (-180.0, 180.0)  # the pole is inside


# --------------------------------------------------------------------------------------------------
# Loading


@pytest.mark.config(KEEP_PLACES=True)  # a load must move the data version, or a kept answer outlives it
def test_gazetteer_load_is_idempotent(geo, runner, tmp_path):
    result = runner.invoke(args=["gazetteer", "load"])
    assert result.exit_code == 0, result.output
    assert "already up to date" in result.output
    full = place_count()
    assert locate("10001").location is not None

    small = tmp_path / "small.csv.gz"
    small.write_bytes(gzip.compress(
        b"kind,name,region,region_name,country,postal_code,latitude,longitude,population,time_zone,search_key\n"
        b"city,Testville,TX,Texas,US,,30.00000,-97.00000,1234,America/Chicago,testville\n"
    ))
    try:
        result = runner.invoke(args=["gazetteer", "load", "--path", str(small)])
        assert result.exit_code == 0, result.output
        assert "Loaded 1 places" in result.output
        assert locate("testville").location.label == "Testville, TX"
        assert locate("10001").location is None
        again = runner.invoke(args=["gazetteer", "load", "--path", str(small)])
        assert "already up to date (1 places)" in again.output
    finally:
        # Leave the real gazetteer loaded, as the session fixture promised.
        restored = runner.invoke(args=["gazetteer", "load"])
    assert restored.exit_code == 0, restored.output
    assert f"Loaded {full - 1:,} places" in restored.output  # the count excludes the version row
    assert place_count() == full
    assert locate("10001").location is not None
    assert "already up to date" in runner.invoke(args=["gazetteer", "load"]).output


@pytest.mark.config(KEEP_PLACES=True)
def test_a_place_is_looked_up_once_until_the_data_changes(geo, monkeypatch):
    from directory import data_version
    from directory.geo import services
    from tests.support import statements_run

    def lookups(statements) -> int:
        return sum(1 for sql, _ in statements if "FROM places" in sql)

    with statements_run() as statements:
        first = locate("10001")
        first.alternatives.append(first.location)  # a caller's change stays with that caller
        again = locate(" 10001 ")
    assert lookups(statements) == 1
    assert again.location == first.location and again.location.label == "New York, NY 10001"
    assert again.alternatives == [] and again.query == "10001"

    data_version.bump()
    db.session.commit()
    with statements_run() as statements:
        assert locate("10001").location == first.location
    assert lookups(statements) == 1

    def broken(raw, result):
        raise OperationalError("SELECT", {}, Exception("the gazetteer is gone"))

    monkeypatch.setattr(services, "_locate_into", broken)
    assert locate("Austin, TX").location is None
    monkeypatch.undo()
    assert locate("Austin, TX").location.label == "Austin, TX"  # the failure was not kept


def test_gazetteer_locate_command_prints_the_place(geo, runner):
    result = runner.invoke(args=["gazetteer", "locate", "Springfield, IL"])
    assert result.exit_code == 0
    assert result.output.startswith("Springfield, IL  (39.8")
    assert "No place found" in runner.invoke(args=["gazetteer", "locate", "xyzzy plugh"]).output


# --------------------------------------------------------------------------------------------------
# The data file


def test_every_place_has_a_real_time_zone_and_a_sane_point(geo):
    from zoneinfo import ZoneInfo

    places = Place.kind.in_(("city", "postal"))
    zones = db.session.scalars(select(Place.time_zone).where(places).distinct()).all()
    assert len(zones) > 20
    for zone in zones:
        ZoneInfo(zone)  # raises for a name the tz database does not know
    bad_points = db.session.scalar(
        select(func.count()).select_from(Place).where(
            places,
            (Place.latitude < -90) | (Place.latitude > 90)
            | (Place.longitude < -180) | (Place.longitude > 180)
            | ((Place.latitude == 0) & (Place.longitude == 0)),
        )
    )
    assert bad_points == 0


def test_the_gazetteer_covers_every_state_and_country(geo):
    from directory.geo.regions import COUNTRY_NAMES, REGION_NAMES

    rows = db.session.execute(
        select(Place.country, Place.region, Place.kind).group_by(Place.country, Place.region, Place.kind)
    ).all()
    cities = {(country, region) for country, region, kind in rows if kind == "city"}
    postal = {(country, region) for country, region, kind in rows if kind == "postal"}
    territories = {"AS", "FM", "GU", "MH", "MP", "PW", "VI", "PR"}
    states = set(REGION_NAMES["US"]) - territories
    assert {("US", state) for state in states} <= cities
    assert {("US", state) for state in states} <= postal
    assert {country for country, _ in cities} == set(COUNTRY_NAMES)
    assert {("GB", region) for region in ("ENG", "SCT", "WLS", "NIR")} <= postal


def test_british_grid_references_convert_to_wgs84():
    from directory.geo.build import osgb36_to_wgs84

    # SW1A 1AA (Buckingham Palace): grid 529090, 179645 is 51.501009, -0.141588 in WGS84.
    latitude, longitude = osgb36_to_wgs84(529090, 179645)
    assert distance_miles(latitude, longitude, 51.501009, -0.141588) < 0.01
    latitude, longitude = osgb36_to_wgs84(325190, 673500)  # Edinburgh Castle
    assert distance_miles(latitude, longitude, 55.9486, -3.1999) < 0.05


@pytest.mark.parametrize(
    ("spellings", "region"),
    [(("San José, CA", "San Jose, CA", "san jose california"), "CA"),
     (("Mayagüez", "Mayaguez", "MAYAGÜEZ, PR"), "PR"),
     (("Española, NM", "Espanola, NM", "espanola new mexico"), "NM")],
)
def test_place_names_with_or_without_accents_resolve_the_same(geo, spellings, region):
    # A Spanish speaker types the accents; many keyboards leave them out; the gazetteer holds either.
    found = [locate(text).location for text in spellings]
    assert all(location is not None for location in found), spellings
    assert {(location.name, location.region, location.latitude, location.longitude) for location in found} \
        == {(found[0].name, region, found[0].latitude, found[0].longitude)}
