"""The public JSON API: the same search as the page, nothing private, JSON errors, open to any origin."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser

import pytest

from directory.extensions import db
from directory.geo.distance import KM_PER_MILE
from directory.timeutil import utcnow
from tests.clients import device_identity
from tests.factories import make_audience, make_topic

# Points around ZIP 10001 (Midtown Manhattan), nearest first.
MIDTOWN = (40.7580, -73.9855)  # under a mile
BROOKLYN = (40.6782, -73.9442)  # about 5.6 miles
NEWARK = (40.7357, -74.1724)  # about 9 miles
STAMFORD = (41.0534, -73.5387)  # about 32 miles
PHILADELPHIA = (39.9526, -75.1652)  # about 80 miles

# Distinctive private values: none of them may ever appear in an API response.
PRIVATE = {
    "owner_email": "owner.private.7f3a@example.org",
    "contact_email": "contact.private.9b2c@example.org",
    "phone": "+1 212 555 0199 x7733",
    "address_line": "742 Hidden Door Street",
    "postal_code": "PRIV4711",
    "latitude": "40.7467891",
    "longitude": "-73.9912345",
    "online_url": "https://private-join.example.org/zq81",
    "moderation_note": "moderator note q8w9 about this owner",
    "admin_email": "admin.private.5d6e@example.org",
}
PRIVATE_KEYS = ("contact_email", "owner", "owner_id", "email", "moderation_note", "contact_count",
                "phone_public", "online_url_private", "status", "reminder_sent_at", "contact_enabled", "id")


def populate(make_user, make_listing) -> dict:
    """A small directory around New York, with online options and listings nobody may see."""
    owner = make_user(PRIVATE["owner_email"])
    make_user(PRIVATE["admin_email"], admin=True)
    grief = make_topic("grief", "Grief and loss")
    make_topic("fatherhood", "Fatherhood")
    veterans = make_audience("veterans", "Veterans")
    listings = {
        "midtown": make_listing(
            owner, name="Midtown grief circle", slug="midtown-grief-circle", latitude=MIDTOWN[0],
            longitude=MIDTOWN[1], topics=("grief",), summary="Men who lost someone, meeting on Tuesdays.",
            meetings=[dict(weekday=1, start_time=time(19, 0), duration_minutes=90, recurrence="weekly")],
        ),
        "brooklyn": make_listing(
            owner, name="Brooklyn fathers", slug="brooklyn-fathers", latitude=BROOKLYN[0],
            longitude=BROOKLYN[1],
            topics=("fatherhood",), format="hybrid", online_url="https://meet.example.org/brooklyn",
            location_precision="exact", address_line="12 Open Street", postal_code="11201",
        ),
        "newark": make_listing(
            owner, kind="mentor", name="Newark mentor", slug="newark-mentor", latitude=NEWARK[0],
            longitude=NEWARK[1], topics=("grief", "fatherhood"), meetings=[], availability="Evenings",
            meets_in_person=True, meets_video=True, city="Newark", region="NJ", languages=("en", "es"),
        ),
        "stamford": make_listing(
            owner, name="Stamford veterans", slug="stamford-veterans", latitude=STAMFORD[0],
            longitude=STAMFORD[1], topics=("grief",), city="Stamford", region="CT",
        ),
        "philadelphia": make_listing(
            owner, name="Philadelphia circle", slug="philadelphia-circle", latitude=PHILADELPHIA[0],
            longitude=PHILADELPHIA[1], city="Philadelphia", region="PA",
        ),
        "online": make_listing(
            owner, name="Online evening group", slug="online-evening-group", format="online", latitude=None,
            longitude=None, city="Austin", region="TX", time_zone="America/Chicago",
            online_url="https://meet.example.org/evening",
        ),
        "online_private": make_listing(
            owner, name="Online grief group", slug="online-grief-group", format="online", latitude=None,
            longitude=None, online_url=PRIVATE["online_url"], online_url_private=True,
        ),
        # Every private value at once, on a published listing that shows up in searches.
        "secretive": make_listing(
            owner, name="Quiet harbour group", slug="quiet-harbour-group", format="hybrid",
            latitude=float(PRIVATE["latitude"]), longitude=float(PRIVATE["longitude"]),
            location_precision="approximate", address_line=PRIVATE["address_line"],
            postal_code=PRIVATE["postal_code"], phone=PRIVATE["phone"], phone_public=False,
            contact_email=PRIVATE["contact_email"], online_url=PRIVATE["online_url"], online_url_private=True,
            moderation_note=PRIVATE["moderation_note"], contact_count=4242, topics=("grief",),
        ),
    }
    listings["stamford"].audiences = [veterans]
    listings["midtown"].audiences = [veterans]
    for status in ("draft", "pending", "paused", "unpublished", "rejected", "expired", "withdrawn"):
        listings[status] = make_listing(owner, name=f"Hidden {status}", slug=f"hidden-{status}",
                                        status=status)
    suspended = make_user("suspended.owner@example.org", suspended_at=utcnow())
    listings["suspended"] = make_listing(suspended, name="Hidden suspended", slug="hidden-suspended")
    assert grief.id and veterans.id
    db.session.commit()
    return listings


@pytest.fixture
def directory(geo, make_user, make_listing):
    return populate(make_user, make_listing)


def get_json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def slugs(items) -> list[str]:
    return [item["slug"] for item in items]


# The search ----------------------------------------------------------------------------------------


def test_local_results_come_nearest_first_with_online_options_beside_them(client, directory):
    data = get_json(client, "/api/v1/listings?near=10001&radius=25")
    assert data["section"] == "local"
    assert data["origin"]["name"] and data["origin"]["postal_code"] == "10001"
    assert abs(data["origin"]["latitude"] - 40.75) < 0.05 and abs(data["origin"]["longitude"] + 74.0) < 0.05
    assert slugs(data["results"]) == ["quiet-harbour-group", "midtown-grief-circle", "brooklyn-fathers",
                                      "newark-mentor"]
    assert data["total"] == 4 and data["page"] == 1 and data["pages"] == 1 and data["per_page"] == 20
    distances = [item["distance_miles"] for item in data["results"]]
    assert distances == sorted(distances) and distances[-1] < 25
    assert all(item["section"] == "local" for item in data["results"])
    # Online options are offered beside local results, never the same listing twice.
    assert data["online"]["total"] == 2
    assert slugs(data["online"]["results"]) == ["online-evening-group", "online-grief-group"]
    for item in data["online"]["results"]:
        assert item["section"] == "online" and item["distance_miles"] is None
    # Fewer than five nearby: the next distance that finds more, as the page offers it.
    assert data["wider_radius"] == {"radius": 50, "count": 5}
    assert data["place_not_found"] is False and data["alternatives"] == [] and data["suggestions"] == []


def test_distances_are_in_miles_and_kilometres_and_radius_limits_them(client, directory):
    data = get_json(client, "/api/v1/listings?near=10001&radius=5&units=km")
    assert slugs(data["results"]) == ["quiet-harbour-group", "midtown-grief-circle"]
    for item in data["results"]:
        assert item["distance_km"] == pytest.approx(item["distance_miles"] * KM_PER_MILE, abs=0.02)
    assert data["query"]["units"] == "km" and data["query"]["radius"] == 5
    # Few results nearby: the next distance that finds more, as on the page.
    assert data["wider_radius"] == {"radius": 10, "count": 4}


def test_filters_narrow_the_search(client, directory):
    by_topic = get_json(client, "/api/v1/listings?near=10001&radius=50&topic=fatherhood")
    assert slugs(by_topic["results"]) == ["brooklyn-fathers", "newark-mentor"]
    mentors = get_json(client, "/api/v1/listings?near=10001&radius=50&kind=mentor")
    assert slugs(mentors["results"]) == ["newark-mentor"]
    audience = get_json(client, "/api/v1/listings?near=10001&radius=50&audience=veterans")
    assert slugs(audience["results"]) == ["midtown-grief-circle", "stamford-veterans"]
    spanish = get_json(client, "/api/v1/listings?near=10001&radius=50&language=es")
    assert slugs(spanish["results"]) == ["newark-mentor"]
    words = get_json(client, "/api/v1/listings?near=10001&radius=50&q=fathers")
    assert slugs(words["results"]) == ["brooklyn-fathers"]
    # Repeated and comma-separated values both work; unknown parameters are ignored.
    several = get_json(client, "/api/v1/listings?near=10001&radius=50&topic=grief,fatherhood&utm_source=x")
    repeated = get_json(client, "/api/v1/listings?near=10001&radius=50&topic=grief&topic=fatherhood")
    assert slugs(several["results"]) == slugs(repeated["results"]) and len(several["results"]) == 5
    assert several["query"]["topic"] == ["grief", "fatherhood"]


def test_online_only_and_no_place_page_through_online_listings(client, directory):
    online = get_json(client, "/api/v1/listings?near=10001&format=online")
    assert online["section"] == "online" and online["online"] is None
    # Hybrid listings count as online too; the nearest first when there is a place.
    assert slugs(online["results"]) == ["quiet-harbour-group", "brooklyn-fathers", "online-evening-group",
                                        "online-grief-group"]
    assert online["total"] == 4
    nowhere = get_json(client, "/api/v1/listings")
    assert nowhere["origin"] is None and nowhere["section"] == "online" and nowhere["total"] == 4
    assert all(item["distance_miles"] is None for item in nowhere["results"])


def test_pagination_and_links(client, directory):
    first = get_json(client, "/api/v1/listings?near=10001&radius=100&per_page=2")
    assert first["total"] == 6 and first["pages"] == 3 and len(first["results"]) == 2
    assert first["links"]["prev"] is None
    second = get_json(client, first["links"]["next"].replace("http://localhost", ""))
    assert second["page"] == 2 and second["per_page"] == 2
    assert not set(slugs(first["results"])) & set(slugs(second["results"]))
    assert "per_page=2" in second["links"]["self"] and "page=2" in second["links"]["self"]
    html_link = second["links"]["html"]
    assert html_link.startswith("http://localhost/search?") and "radius=100" in html_link
    beyond = get_json(client, "/api/v1/listings?near=10001&radius=100&per_page=2&page=9")
    assert beyond["results"] == [] and beyond["total"] == 6


def test_an_ambiguous_place_offers_alternatives_and_an_unknown_one_says_so(client, directory):
    ambiguous = get_json(client, "/api/v1/listings?near=Springfield")
    assert ambiguous["origin"] is not None
    assert len(ambiguous["alternatives"]) >= 2
    for item in ambiguous["alternatives"]:
        assert item["query"] and item["label"].startswith("Springfield")
    again = get_json(client, "/api/v1/listings?near=" + ambiguous["alternatives"][0]["query"])
    assert again["origin"]["label"] == ambiguous["alternatives"][0]["label"]
    unknown = get_json(client, "/api/v1/listings?near=Zzyzxqqq")
    assert unknown["origin"] is None and unknown["place_not_found"] is True
    assert unknown["section"] == "online"


# One result --------------------------------------------------------------------------------------


def test_a_result_carries_what_a_client_needs(client, directory):
    data = get_json(client, "/api/v1/listings?near=10001&radius=5")
    item = next(result for result in data["results"] if result["slug"] == "midtown-grief-circle")
    assert (item["name"], item["kind"], item["format"]) == ("Midtown grief circle", "group", "in_person")
    assert item["topics"] == [{"slug": "grief", "name": "Grief and loss"}]
    assert item["audiences"] == [{"slug": "veterans", "name": "Veterans"}]
    assert item["languages"] == [{"code": "en", "name": "English"}]
    assert item["cost"] == "free" and item["summary"] == "Men who lost someone, meeting on Tuesdays."
    assert (item["city"], item["region"], item["country"]) == ("New York", "NY", "US")
    assert item["url"] == "http://localhost/listings/midtown-grief-circle"
    assert item["ics_url"] == "http://localhost/listings/midtown-grief-circle.ics"
    assert item["last_confirmed_at"].endswith("Z")
    assert datetime.fromisoformat(item["last_confirmed_at"]) <= datetime.now(UTC)
    # Approximate by default: rounded to two decimals.
    assert (item["latitude"], item["longitude"]) == (40.76, -73.99)
    assert item["location_precision"] == "approximate"
    assert item["meetings"] == [{
        "weekday": "tue", "start_time": "19:00", "duration_minutes": 90, "recurrence": "weekly",
        "week_of_month": None, "anchor_date": None, "time_zone": "America/New_York", "notes": "",
        "description": item["meetings"][0]["description"],
    }]
    assert item["meetings"][0]["description"].startswith("Every Tuesday, 7:00 PM")
    upcoming = datetime.fromisoformat(item["next_meeting"])
    assert upcoming.utcoffset() in (timedelta(hours=-5), timedelta(hours=-4))
    assert (upcoming.weekday(), upcoming.hour, upcoming.minute) == (1, 19, 0)
    assert timedelta(0) < upcoming - datetime.now(UTC) <= timedelta(days=7)


def test_exact_online_and_mentor_listings(client, directory):
    data = get_json(client, "/api/v1/listings?near=10001&radius=10")
    by_slug = {item["slug"]: item for item in data["results"] + data["online"]["results"]}
    exact = by_slug["brooklyn-fathers"]
    assert (exact["latitude"], exact["longitude"]) == BROOKLYN and exact["location_precision"] == "exact"
    mentor = by_slug["newark-mentor"]
    assert mentor["next_meeting"] is None and mentor["meetings"] == [] and mentor["ics_url"] is None
    assert mentor["accepting_mentees"] is True and mentor["availability"] == "Evenings"
    online = by_slug["online-evening-group"]
    assert online["latitude"] is None and online["longitude"] is None and online["distance_miles"] is None
    # The page does not name an online-only group's town; neither does the API.
    assert online["city"] is None and online["region"] is None
    assert online["meetings"][0]["time_zone"] == "America/Chicago"


def test_a_listing_document(client, directory):
    data = get_json(client, "/api/v1/listings/brooklyn-fathers")
    assert data["slug"] == "brooklyn-fathers"
    assert data["description"] == "We meet, we listen, nobody has to talk."
    # The organiser chose to publish the exact place: the address is public, the join link too.
    assert data["address_line"] == "12 Open Street" and data["postal_code"] == "11201"
    assert data["online_url"] == "https://meet.example.org/brooklyn"
    assert data["online_url_on_request"] is False
    assert len(data["upcoming"]) == 3
    starts = [datetime.fromisoformat(item["start"]) for item in data["upcoming"]]
    assert starts == sorted(starts) and data["next_meeting"] == data["upcoming"][0]["start"]
    assert data["contact_url"] in (None, "http://localhost/listings/brooklyn-fathers/contact")
    mentor = get_json(client, "/api/v1/listings/newark-mentor")
    assert mentor["meets"] == ["in_person", "video"] and mentor["experience"] == ""
    assert mentor["upcoming"] == [] and mentor["address_line"] is None and mentor["postal_code"] is None
    private = get_json(client, "/api/v1/listings/quiet-harbour-group")
    assert private["online_url"] is None and private["online_url_on_request"] is True
    assert private["phone"] is None and private["address_line"] is None


def test_a_public_phone_number_is_shown(client, directory):
    listing = directory["midtown"]
    listing.phone, listing.phone_public = "+1 212 555 0100", True
    db.session.commit()
    assert get_json(client, "/api/v1/listings/midtown-grief-circle")["phone"] == "+1 212 555 0100"


@pytest.mark.parametrize("name", ["draft", "pending", "paused", "unpublished", "rejected", "expired",
                                  "withdrawn", "suspended"])
def test_only_published_listings_of_active_owners_exist(client, directory, name):
    slug = directory[name].slug
    body = get_json(client, f"/api/v1/listings/{slug}", status=404)
    assert body["error"]["status"] == 404 and body["error"]["title"] and body["error"]["message"]
    # Nor do they turn up in any search.
    for url in ("/api/v1/listings?near=10001&radius=100&per_page=100", "/api/v1/listings?per_page=100",
                "/api/v1/listings?q=hidden"):
        assert slug not in client.get(url).get_data(as_text=True)


def test_not_even_the_owner_or_an_admin_sees_an_unpublished_listing(client, directory):
    """The page previews drafts for their owner; the API is public data only."""
    admin = directory["draft"].owner
    with client.session_transaction() as session:
        session["_user_id"] = device_identity(admin, client.application)
        session["_fresh"] = True
    assert client.get("/api/v1/listings/hidden-draft").status_code == 404
    assert client.get("/listings/hidden-draft").status_code == 200  # the page's preview, for contrast


def test_unknown_slug_is_a_json_404(client, directory):
    body = get_json(client, "/api/v1/listings/no-such-listing", status=404)
    assert set(body) == {"error"} and set(body["error"]) == {"status", "title", "message"}
    route = get_json(client, "/api/v1/no-such-thing", status=404)
    assert route["error"]["status"] == 404


@pytest.mark.parametrize(("query", "headers"), [("lang=es", {}), ("", {"Accept-Language": "es-MX,es;q=0.9"})])
def test_error_messages_speak_the_requests_language_and_their_codes_do_not(client, directory, query, headers):
    english = get_json(client, "/api/v1/listings?radius=7&near=10001", status=400)["error"]
    assert english["message"] == "These parameters were not acceptable: radius."
    response = client.get(f"/api/v1/listings?radius=7&near=10001&{query}", headers=headers)
    assert response.status_code == 400 and "Set-Cookie" not in response.headers  # the API sets no cookie
    error = response.get_json()["error"]
    assert error["message"] == "Estos parámetros no son válidos: radius."
    assert error["status"] == 400 and list(error["fields"]) == ["radius"]  # what programs read stays
    # The title and each parameter's message are written for people too.
    assert error["title"] != english["title"] and error["fields"]["radius"] != english["fields"]["radius"]
    missing = client.get(f"/api/v1/listings/no-such-listing?{query}", headers=headers)
    assert missing.status_code == 404 and "Set-Cookie" not in missing.headers
    assert missing.get_json()["error"]["message"] == "No hay ningún anuncio publicado con ese slug."
    assert client.get("/api/v1/listings/no-such-listing").get_json()["error"]["message"] \
        == "There is no published listing with that slug."


# Bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("radius=7", "radius"),
        ("radius=ten", "radius"),
        ("radius=-5", "radius"),
        ("radius=%C2%B9%E2%81%B0", "radius"),  # superscript digits: str.isdigit() says yes, int() says no
        ("page=%E2%82%81", "page"),
        ("per_page=%C2%B2", "per_page"),
        ("units=ft", "units"),
        ("kind=therapist", "kind"),
        ("format=carrier-pigeon", "format"),
        ("day=funday", "day"),
        ("cost=cheap", "cost"),
        ("language=english", "language"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=501", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=many", "per_page"),
        ("topic=no-such-topic", "topic"),
        ("topic=Not%20A%20Slug!", "topic"),
        ("audience=no-such-audience", "audience"),
        ("q=" + "x" * 201, "q"),
        ("near=" + "a" * 101, "near"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, directory, query, field):
    response = client.get(f"/api/v1/listings?{query}&near=10001")
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["title"] and field in error["message"]
    assert list(error["fields"]) == [field] and error["fields"][field]


def test_every_bad_parameter_is_named_at_once(client, directory):
    error = get_json(client, "/api/v1/listings?radius=3&units=leagues&day=someday", status=400)["error"]
    assert set(error["fields"]) == {"radius", "units", "day"}


@pytest.mark.parametrize("value", ["%00", "'; DROP TABLE listings; --", "%E2%80%AE%F0%9F%92%A9", "%FF%FE",
                                   "\\x", "1e309,1e309", "90.0001,0", "%0D%0ASet-Cookie:%20x=1"])
def test_strange_text_never_breaks_the_search(client, directory, value):
    for name in ("near", "q"):
        response = client.get(f"/api/v1/listings?{name}={value}")
        assert response.status_code in (200, 400), response.get_data(as_text=True)
        assert response.is_json and "Set-Cookie" not in response.headers


# Privacy -------------------------------------------------------------------------------------------


def every_response(client, directory) -> list[str]:
    urls = [
        "/api/v1/listings", "/api/v1/listings?per_page=100", "/api/v1/listings?near=10001",
        "/api/v1/listings?near=10001&radius=100&per_page=100", "/api/v1/listings?near=10001&format=online",
        "/api/v1/listings?near=10001&format=hybrid", "/api/v1/listings?q=harbour",
        "/api/v1/listings?q=door", "/api/v1/listings?near=40.74,-73.99",
        "/api/v1/topics", "/api/v1/audiences", "/api/v1/openapi.json", "/api/v1/listings/no-such-listing",
        "/api/v1/listings?radius=7",
    ]
    urls += [f"/api/v1/listings/{listing.slug}" for listing in directory.values()]
    bodies = []
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400, 404)
        bodies.append(response.get_data(as_text=True))
    return bodies


def test_no_private_value_ever_appears(client, directory):
    bodies = every_response(client, directory)
    assert any("quiet-harbour-group" in body for body in bodies)
    for body in bodies:
        for name, value in PRIVATE.items():
            assert value.lower() not in body.lower(), f"{name} leaked"
        # Not even to a few decimals more than the public two.
        assert "40.746" not in body and "40.747" not in body and "-73.991" not in body
        assert "4242" not in body and "@example.org" not in body


def test_no_private_field_name_appears(client, directory):
    def walk(value, path=""):
        if isinstance(value, dict):
            for key, item in value.items():
                yield key, path
                yield from walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for item in value:
                yield from walk(item, path)

    for body in every_response(client, directory):
        data = json.loads(body)
        data.pop("error", None)
        if "openapi" in data:
            continue
        for key, path in walk(data):
            assert key not in PRIVATE_KEYS, f"{path}.{key}"


# HTTP behaviour ------------------------------------------------------------------------------------


def test_any_origin_may_read_it_and_caches_may_keep_it_a_minute(client, directory):
    for url in ("/api/v1/listings?near=10001", "/api/v1/listings/midtown-grief-circle", "/api/v1/topics",
                "/api/v1/audiences", "/api/v1/openapi.json"):
        response = client.get(url, headers={"Origin": "https://widget.example.net"})
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
        assert "Set-Cookie" not in response.headers
    missing = client.get("/api/v1/listings/nope")
    assert missing.headers["Access-Control-Allow-Origin"] == "*"
    assert "public" not in missing.headers["Cache-Control"]


def test_a_preflight_is_answered(client, directory):
    response = client.options("/api/v1/listings", headers={
        "Origin": "https://widget.example.net", "Access-Control-Request-Method": "GET",
    })
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_the_page_is_not_cors_enabled(client, directory):
    assert "Access-Control-Allow-Origin" not in client.get("/search").headers


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_no_csrf_token_is_needed_and_nothing_can_be_posted(client, directory):
    assert client.get("/api/v1/listings?near=10001").status_code == 200
    for url in ("/api/v1/listings", "/api/v1/listings/midtown-grief-circle", "/api/v1/topics"):
        for method in (client.post, client.put, client.delete, client.patch):
            response = method(url, data={"name": "x"})
            assert response.status_code == 405, (method, url)
            assert response.get_json()["error"]["status"] == 405
            assert "GET" in response.headers["Allow"]


@pytest.mark.config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
def test_it_is_rate_limited_per_address(client, directory):
    for _ in range(3):
        assert client.get("/api/v1/topics").status_code == 200
    response = client.get("/api/v1/listings")
    assert response.status_code == 429
    assert response.get_json()["error"]["status"] == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "no-store"
    # Another address has its own allowance.
    assert client.get("/api/v1/topics", environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 200
    # The pages are not counted against the API's allowance, nor limited by it.
    assert client.get("/search").status_code == 200


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_the_default_limit_is_generous(client, directory):
    response = client.get("/api/v1/topics")
    assert response.headers["X-RateLimit-Limit"] == "120"


# Vocabularies --------------------------------------------------------------------------------------


def test_topics_and_audiences_in_display_order(client, directory):
    make_topic("anger", "Anger").position = -1
    db.session.commit()
    topics = get_json(client, "/api/v1/topics")["topics"]
    assert [topic["slug"] for topic in topics] == ["anger", "fatherhood", "grief"]
    assert topics[2] == {"slug": "grief", "name": "Grief and loss", "description": ""}
    assert get_json(client, "/api/v1/audiences")["audiences"] == [
        {"slug": "veterans", "name": "Veterans", "description": ""}
    ]


# The API and the page agree ------------------------------------------------------------------------


class ResultLinks(HTMLParser):
    """Listing slugs linked from each `<ol class="results">` of the search page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.lists: list[list[str]] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "ol" and "results" in (attributes.get("class") or "").split():
            self.lists.append([])
            self.depth = 1
        elif tag == "ol" and self.depth:
            self.depth += 1
        elif tag == "a" and self.depth:
            # A link may carry the search's distance (?radius=25) for the listing's "find more" link.
            match = re.fullmatch(r"/listings/([a-z0-9-]+)(?:\?radius=\d+)?", attributes.get("href") or "")
            if match and match.group(1) not in self.lists[-1]:
                self.lists[-1].append(match.group(1))

    def handle_endtag(self, tag):
        if tag == "ol" and self.depth:
            self.depth -= 1


def page_lists(client, query: str) -> list[list[str]]:
    response = client.get(f"/search?{query}")
    assert response.status_code == 200
    parser = ResultLinks()
    parser.feed(response.get_data(as_text=True))
    return parser.lists


@pytest.mark.parametrize("query", [
    "near=10001",
    "near=10001&radius=25",
    "near=10001&radius=100&units=km",
    "near=10001&radius=50&topic=grief",
    "near=10001&radius=50&topic=grief&topic=fatherhood&kind=group",
    "near=10001&radius=100&q=group",
    "near=10001&radius=100&audience=veterans&day=tue",
    "near=10001&format=online",
    "near=10001&radius=100&format=hybrid",
    "near=Newark%2C+NJ&radius=25",
    "near=19103&radius=5",
    "q=grief",
    "",
    "near=Zzyzxqqq",
])
def test_the_api_and_the_page_list_the_same_listings_in_the_same_order(client, directory, query):
    api = get_json(client, f"/api/v1/listings?{query}")
    expected = [slugs(api["results"])]
    if api["online"] is not None:
        expected.append(slugs(api["online"]["results"]))
    # The page leaves out an empty list; so does this comparison.
    assert page_lists(client, query) == [found for found in expected if found]


@pytest.mark.config(SEARCH_PER_PAGE=2)
def test_the_api_and_the_page_agree_page_by_page(client, directory):
    for page in (1, 2, 3):
        query = f"near=10001&radius=100&page={page}"
        api = get_json(client, f"/api/v1/listings?{query}")
        assert page_lists(client, query)[0] == slugs(api["results"])


def test_the_page_offers_the_languages_published_listings_use(client, directory, make_listing):
    make_listing(name="Polish draft", status="draft", languages=("pl",))
    page = client.get("/search").get_data(as_text=True)
    select = page.split('name="language"', 1)[1].split("</select>", 1)[0]
    offered = re.findall(r'<option value="([a-z]{2})"', select)
    assert sorted(offered) == ["en", "es"]
