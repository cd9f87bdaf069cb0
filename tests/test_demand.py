"""Where groups are needed: the daily counters (coarse cells, once per browser a day, no bots, nothing finer
than a cell kept), the threshold on the page and the API, "Start a group here", the admin chart, the purge."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from sqlalchemy import inspect, select

from directory.demand import counting
from directory.demand.cells import CELL_KM, Cell, bounds, cell_of, centre
from directory.demand.models import OUTCOME_FEW, OUTCOME_MORE, OUTCOME_NONE, OUTCOMES, DemandCount
from directory.extensions import db
from directory.geo.services import locate
from tests.factories import make_topic

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}
MILES_PER_DEGREE = 69.05


def counts() -> list[DemandCount]:
    db.session.expire_all()
    return list(db.session.scalars(select(DemandCount).order_by(DemandCount.id)))


def today() -> date:
    return counting._today()


def add_counts(cell: Cell, searches: int, *, topics: str = "grief", outcome: int = OUTCOME_NONE,
               day: date | None = None) -> None:
    db.session.add(DemandCount(day=day or today(), cell_row=cell.row, cell_col=cell.col, topics=topics,
                               outcome=outcome, searches=searches))
    db.session.commit()


@pytest.fixture
def topics(app_context):
    make_topic("grief", "Grief and loss")
    make_topic("fatherhood", "Fatherhood")


# ------------------------------------------------------------------------------------------ the grid


def km_between(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@pytest.mark.parametrize("latitude, longitude", [(40.75, -73.99), (51.5, -0.12), (53.8, -1.55),
                                                 (-33.9, 151.2), (64.1, -21.9), (0.0, 0.0), (25.8, -80.2)])
def test_a_cell_is_about_25_km_a_side_wherever_it_is(latitude, longitude):
    south, west, north, east = bounds(cell_of(latitude, longitude))
    assert south <= latitude < north and west <= longitude < east
    middle = (south + north) / 2
    assert km_between(south, west, north, west) == pytest.approx(CELL_KM, rel=0.01)
    assert km_between(middle, west, middle, east) == pytest.approx(CELL_KM, rel=0.1)


def test_every_point_of_a_cell_reads_back_as_the_same_centre():
    cell = cell_of(40.75, -73.99)
    south, west, north, east = bounds(cell)
    inside = [(south + (north - south) * f, west + (east - west) * g) for f in (0.01, 0.5, 0.99)
              for g in (0.01, 0.5, 0.99)]
    assert {cell_of(*point) for point in inside} == {cell}
    assert {centre(cell_of(*point)) for point in inside} == {centre(cell)}
    # Either side of the antimeridian and at the poles, cells are still whole numbers.
    assert cell_of(10.0, 180.0) == cell_of(10.0, -180.0)
    assert cell_of(90.0, 12.0).row == cell_of(89.99, -12.0).row


# ------------------------------------------------------------------------------------------ counting


def test_a_search_counts_once_in_its_cell_with_its_topic_and_outcome(client, geo, topics):
    response = client.get("/search?near=10001&topic=grief", headers=BROWSER)
    assert response.status_code == 200
    [row] = counts()
    origin = locate("10001").location
    assert Cell(row.cell_row, row.cell_col) == cell_of(origin.latitude, origin.longitude)
    assert (row.day, row.topics, row.outcome, row.searches) == (today(), "grief", OUTCOME_NONE, 1)
    cookie = client.get_cookie(counting.COOKIE_NAME, path=counting.COOKIE_PATH)
    assert cookie is not None and cookie.http_only and cookie.path == "/search"
    # The same browser, day and cell: not again, whatever the topic or the spelling of the place.
    for query in ("/search?near=10001&topic=grief", "/search?near=10001&topic=fatherhood",
                  "/search?near=10002", "/search?near=New+York,+NY"):
        client.get(query, headers=BROWSER)
    assert [row.searches for row in counts()] == [1]
    # Another browser counts.
    other = client.application.test_client()
    other.get("/search?near=10001&topic=grief", headers=BROWSER)
    assert [row.searches for row in counts()] == [2]


def test_another_cell_counts_and_so_does_the_next_day(client, geo, topics, monkeypatch):
    client.get("/search?near=10001", headers=BROWSER)
    client.get("/search?near=Leeds", headers=BROWSER)
    assert len(counts()) == 2
    tomorrow = today() + timedelta(days=1)
    monkeypatch.setattr(counting, "_today", lambda: tomorrow)
    client.get("/search?near=10001", headers=BROWSER)
    assert sorted(row.searches for row in counts()) == [1, 1, 1]
    assert len({row.day for row in counts()}) == 2


def test_a_forged_or_old_cookie_is_ignored_and_no_browser_counts_more_than_its_cells(client, geo, topics):
    client.set_cookie(counting.COOKIE_NAME, "not-signed", path=counting.COOKIE_PATH)
    client.get("/search?near=10001", headers=BROWSER)
    assert [row.searches for row in counts()] == [1]
    with client.application.test_request_context():
        full = counting._serializer().dumps({"d": today().isoformat(),
                                             "c": [f"1.{n}" for n in range(counting.MAX_CELLS_A_DAY)]})
    walker = client.application.test_client()
    walker.set_cookie(counting.COOKIE_NAME, full, path=counting.COOKIE_PATH)
    walker.get("/search?near=Leeds", headers=BROWSER)
    assert len(counts()) == 1


@pytest.mark.parametrize("headers", [
    {},
    {"User-Agent": ""},
    {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
    {"User-Agent": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"},
    {"User-Agent": "curl/8.5.0"},
    {"User-Agent": "python-requests/2.32.3"},
    {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0 Safari/537.36"},
    {"User-Agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"},
    {**BROWSER, "Sec-Purpose": "prefetch;prerender"},
    {**BROWSER, "Purpose": "prefetch"},
])
def test_obvious_bots_and_prefetches_are_not_counted(client, geo, topics, headers):
    response = client.get("/search?near=10001&topic=grief", headers=headers)
    assert response.status_code == 200
    assert counts() == []
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("query", [
    "/search?near=10001&page=2", "/search?near=10001&q=grief", "/search?near=10001&day=mon",
    "/search?near=10001&cost=free", "/search?near=10001&language=es", "/search?near=10001&format=online",
    "/search?near=10001&kind=mentor", "/search?near=10001&show=online", "/search?near=10001&radius=7",
    "/search?near=Nowhereville+Qqq", "/search", "/search?topic=grief",
    "/search?near=10001&topic=grief&topic=fatherhood&topic=a&topic=b",
])
def test_only_a_plain_search_for_a_found_place_counts(client, geo, topics, query):
    client.get(query, headers=BROWSER)
    assert counts() == []


def listing_at(make_listing, miles_north: float, **fields):
    origin = locate("10001").location
    return make_listing(latitude=origin.latitude + miles_north / MILES_PER_DEGREE, longitude=origin.longitude,
                        **fields)


@pytest.mark.parametrize("radius, listings, outcome", [
    (10, [], OUTCOME_NONE),
    (10, [15], OUTCOME_FEW),  # nothing within the 10 miles asked, one within 25: not "nothing near"
    (50, [40], OUTCOME_NONE),  # found at 40 miles, but nothing within 25
    (25, [5, 20], OUTCOME_FEW),
    (1, [3, 4, 6], OUTCOME_MORE),
    (100, [2, 3, 4, 5, 6, 7], OUTCOME_MORE),
])
def test_the_outcome_is_what_was_found_within_25_miles_whatever_the_radius(client, geo, topics, make_listing,
                                                                           radius, listings, outcome):
    for miles in listings:
        listing_at(make_listing, miles)
    db.session.commit()
    client.get(f"/search?near=10001&radius={radius}", headers=BROWSER)
    [row] = counts()
    assert row.outcome == outcome


def test_a_topic_filter_counts_only_what_matches_it(client, geo, topics, make_listing):
    listing_at(make_listing, 2, topics=("fatherhood",))
    db.session.commit()
    client.get("/search?near=10001&topic=grief", headers=BROWSER)
    [row] = counts()
    assert (row.topics, row.outcome) == ("grief", OUTCOME_NONE)


def test_no_counter_row_holds_anything_finer_than_its_cell(client, app, geo, topics):
    columns = {column["name"] for column in inspect(db.engine).get_columns("demand_counts")}
    assert columns == {"id", "day", "cell_row", "cell_col", "topics", "outcome", "searches"}
    for number, query in enumerate(("near=10001&topic=grief", "near=40.74812,-73.99692&topic=fatherhood",
                                    "near=LS1+4AP", "near=Austin,+TX", "near=SW1A+1AA&radius=50")):
        app.test_client().get(f"/search?{query}", headers={
            **BROWSER, "X-Forwarded-For": f"198.51.100.{number}", "Cookie": "session=whatever"})
    rows = counts()
    assert len(rows) == 5
    for row in rows:
        assert type(row.day) is date
        assert isinstance(row.cell_row, int) and isinstance(row.cell_col, int)
        assert row.topics in {"", "grief", "fatherhood"}
        assert row.outcome in OUTCOMES and row.searches == 1
        # All that can be read back is the cell: its centre is at least a few km from what was searched.
        latitude, longitude = centre(Cell(row.cell_row, row.cell_col))
        assert (round(latitude, 2), round(longitude, 2)) == (latitude, longitude)
    stored = " ".join(str(value) for row in rows
                      for value in (row.day, row.cell_row, row.cell_col, row.topics))
    for secret in ("10001", "40.748", "73.996", "LS1", "Austin", "SW1A", "198.51.100", "whatever"):
        assert secret not in stored


def test_the_counter_cookie_holds_only_the_day_and_cells(client, geo, topics):
    client.get("/search?near=10001&topic=grief", headers=BROWSER)
    cookie = client.get_cookie(counting.COOKIE_NAME, path=counting.COOKIE_PATH)
    with client.application.test_request_context():
        value = counting._serializer().loads(cookie.value)
    origin = locate("10001").location
    assert value == {"d": today().isoformat(), "c": [cell_of(origin.latitude, origin.longitude).key]}


# ------------------------------------------------------------------------------------- page and API


@pytest.fixture
def needed(app_context, geo, topics):
    """Leeds: 10 searches about grief that found nothing (over 90 days). Manhattan: 9. Austin: 12 that found
    one or two. Dayton: 10, but 91 days ago."""
    leeds, manhattan = locate("Leeds").location, locate("10001").location
    austin, dayton = locate("Austin, TX").location, locate("Dayton, OH").location
    cells = {name: cell_of(place.latitude, place.longitude)
             for name, place in {"leeds": leeds, "manhattan": manhattan, "austin": austin,
                                 "dayton": dayton}.items()}
    add_counts(cells["leeds"], 4)
    add_counts(cells["leeds"], 6, day=today() - timedelta(days=89))
    add_counts(cells["leeds"], 3, outcome=OUTCOME_FEW)
    add_counts(cells["leeds"], 9, topics="fatherhood")
    add_counts(cells["manhattan"], 9, topics="")
    add_counts(cells["austin"], 12, outcome=OUTCOME_FEW)
    add_counts(cells["austin"], 12, outcome=OUTCOME_MORE)
    add_counts(cells["dayton"], 10, day=today() - timedelta(days=90))
    return cells


def test_the_page_lists_only_areas_at_the_threshold(client, needed):
    response = client.get("/where-groups-are-needed")
    assert response.status_code == 200
    page = response.text
    assert "Around Leeds" in page and "Grief and loss" in page
    assert "10 searches found nothing within 25 miles" in page
    for absent in ("Fatherhood</span>", "Manhattan", "New York", "Austin", "Dayton"):
        assert absent not in page
    assert page.count('class="needed-area"') == 1
    assert page.count("hidden data-marker") == 1
    assert "Start a group here" in page


def test_the_api_gives_the_same_rows_with_the_same_threshold(client, needed):
    body = client.get("/api/v1/demand").get_json()
    assert body["threshold"] == 10 and body["window_days"] == 90 and body["near_miles"] == 25
    [area] = body["areas"]
    assert area["topics"] == ["grief"] and area["searches"] == 10
    assert area["area"]["label"].startswith("Leeds")
    assert (area["area"]["latitude"], area["area"]["longitude"]) == centre(needed["leeds"])
    assert "/my/listings/new?" in area["start_group"] and "kind=group" in area["start_group"]
    assert body["html"].endswith("/where-groups-are-needed")


@pytest.mark.config(DEMAND_THRESHOLD=3)
def test_the_threshold_is_a_setting_and_nothing_under_it_shows_anywhere(client, app_context, geo, topics):
    cell = cell_of(*centre(Cell(600, 100)))
    add_counts(cell, 2)
    assert client.get("/api/v1/demand").get_json()["areas"] == []
    assert 'class="needed-area"' not in client.get("/where-groups-are-needed").text
    add_counts(cell, 1, day=today() - timedelta(days=1))
    assert [area["searches"] for area in client.get("/api/v1/demand").get_json()["areas"]] == [3]


def test_page_and_api_carry_a_version_that_changes_with_the_counts(client, needed):
    for url in ("/where-groups-are-needed", "/api/v1/demand"):
        first = client.get(url)
        etag = first.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert "max-age" in first.headers["Cache-Control"]
    add_counts(needed["leeds"], 1, day=today() - timedelta(days=2))
    for url in ("/where-groups-are-needed", "/api/v1/demand"):
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
    assert "11 searches found nothing" in client.get("/where-groups-are-needed").text


def test_the_page_in_spanish_has_its_own_version(client, needed):
    english = client.get("/where-groups-are-needed", headers={"Accept-Language": "en"})
    spanish = client.get("/where-groups-are-needed", headers={"Accept-Language": "es"})
    assert "Dónde hacen falta grupos" in spanish.text and "Empieza un grupo aquí" in spanish.text
    assert "10 búsquedas no encontraron nada a menos de 25 millas." in spanish.text
    assert english.headers["ETag"] != spanish.headers["ETag"]
    again = client.get("/where-groups-are-needed", headers={"Accept-Language": "es",
                                                            "If-None-Match": english.headers["ETag"]})
    assert again.status_code == 200


def test_a_signed_in_visitor_gets_the_page_fresh_never_a_304_of_the_anonymous_one(client, needed, make_user):
    etag = client.get("/where-groups-are-needed").headers["ETag"]
    client.sign_in(make_user("organiser@example.org"))
    response = client.get("/where-groups-are-needed", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers


def test_the_search_service_itself_counts_nothing(app, geo, topics):
    from directory.listings.search import SearchParams, search

    with app.test_request_context("/search?near=10001", headers=BROWSER):
        results = search(SearchParams(near="10001"))
    assert results.near_total == 0
    assert counts() == []


def test_an_empty_page_says_so_and_invites_a_group(client, app_context, topics):
    page = client.get("/where-groups-are-needed").text
    assert "No area has reached 10 such searches yet" in page
    assert client.get("/api/v1/demand").get_json()["areas"] == []


def test_list_your_group_leads_to_the_page(client, app_context, make_user):
    assert "/where-groups-are-needed" in client.get("/").text
    assert "/where-groups-are-needed" in client.get("/account/register").text
    client.sign_in(make_user("organiser@example.org"))
    assert "/where-groups-are-needed" in client.get("/my/listings").text
    assert "/where-groups-are-needed" in client.get("/my/listings/new").text


def test_start_a_group_here_opens_the_group_form_with_the_place_and_topic(client, needed, make_user):
    link = client.get("/api/v1/demand").get_json()["areas"][0]["start_group"]
    path = link.split("://", 1)[1].split("/", 1)[1]
    anonymous = client.get("/" + path)
    assert anonymous.status_code == 302 and "sign-in" in anonymous.headers["Location"]
    client.sign_in(make_user("organiser@example.org"))
    form = client.get("/" + path).text
    assert 'name="location"' in form
    assert 'value="Leeds' in form
    assert 'value="grief" checked' in form or 'checked value="grief"' in form or (
        'value="grief"' in form and "checked" in form.split('value="grief"')[1][:40])


def test_a_prefilled_place_is_kept_to_one_short_line(client, app_context, topics, make_user):
    client.sign_in(make_user("organiser@example.org"))
    form = client.get("/my/listings/new", query_string={"kind": "group", "place": "Leeds\n\n" + "x" * 300,
                                                         "topic": ["grief", "no-such-topic"]}).text
    assert 'value="Leeds ' + "x" * 94 + '"' in form


# ------------------------------------------------------------------------------------------ admins


def test_admins_see_the_same_figures_by_month(client, needed, make_user):
    client.sign_in(make_user("admin@example.org", admin=True))
    response = client.get("/admin/demand")
    assert response.status_code == 200
    page = response.text
    assert "Around Leeds" in page and "Austin" not in page
    assert page.count('class="demand-bar"') == 13
    this_month = today().strftime("%B %Y")
    assert this_month in page


def test_members_may_not_see_the_admin_chart(client, app_context, make_user):
    client.sign_in(make_user("member@example.org"))
    assert client.get("/admin/demand").status_code == 403


# ------------------------------------------------------------------------------------------ purge


def test_purge_deletes_counters_older_than_13_months(runner, app_context, topics):
    cell = Cell(600, 100)
    add_counts(cell, 5, day=today() - timedelta(days=420))
    add_counts(cell, 5, day=today() - timedelta(days=400))
    add_counts(cell, 5, day=today() - timedelta(days=380))
    add_counts(cell, 5)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Removed 2 daily search counters older than 13 months." in result.output
    assert sorted((today() - row.day).days for row in counts()) == [0, 380]
    assert "Removed 0 daily search counters" in runner.invoke(args=["purge"]).output
