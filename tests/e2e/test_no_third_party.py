"""No page makes a request to another host when it loads: no CDN, font service, analytics or tracker.

The one exception is the map: its images come from OpenStreetMap, and only after "Show map" is pressed.
"""

from __future__ import annotations

import base64
import re

import pytest

from directory.extensions import db

pytestmark = pytest.mark.e2e

TILE_URL = re.compile(r"^https://([a-z]\.)?tile\.openstreetmap\.org/")
# A 1x1 transparent PNG, served in place of every map image: the test never touches the network.
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture
def listing(app, make_listing):
    found = make_listing(
        name="Tuesday Dads Circle", website="https://dads.example.org/", phone="+1 212 555 0100",
        phone_public=True, latitude=40.75064, longitude=-73.99723,
    )
    db.session.commit()
    return found


def pages_to_visit(app, listing) -> list[tuple[str, str]]:
    """Every public kind of page this build has, with a URL that shows real content."""
    pages = [
        ("home", "/"),
        ("search", "/search?near=10001"),
        ("listing", f"/listings/{listing.slug}"),
        ("contact form", f"/listings/{listing.slug}/contact"),
        ("privacy", "/privacy"),
        ("about", "/about"),
        ("not found", "/no-such-page"),
    ]
    optional = [
        ("accounts.sign_in", "sign-in", "/account/sign-in"),
        ("accounts.register", "register", "/account/register"),
        ("listings.areas", "areas", "/areas/"),
        ("moderation.report_form", "report form", f"/listings/{listing.slug}/report"),
    ]
    pages += [(name, path) for endpoint, name, path in optional if endpoint in app.view_functions]
    return pages


def test_no_page_asks_another_host_for_anything(app, gazetteer, live_server, page, listing, requests_made,
                                                console_log):
    visited = []
    for name, path in pages_to_visit(app, listing):
        response = page.goto(live_server + path, wait_until="networkidle")
        assert response.status in (200, 404), (name, response.status)
        if name == "search":
            assert "Tuesday Dads Circle" in page.inner_text("main"), "the search found the listing"
        assert requests_made.offsite() == [], name
        visited.append(name)
    assert {"home", "search", "listing", "sign-in"} <= set(visited)
    # The pages loaded their own files: the recorder sees requests, so an empty offsite list means something.
    assert any("/static/" in url for url in requests_made.urls)
    assert [error for error in console_log.errors if "status of 404" not in error] == []


@pytest.mark.parametrize("where", ["listing", "search"])
def test_the_map_fetches_images_only_after_show_map(app, gazetteer, live_server, page, listing, requests_made,
                                                    where, screenshot):
    page.route(TILE_URL, lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK_PNG))
    path = f"/listings/{listing.slug}" if where == "listing" else "/search?near=10001"
    page.goto(live_server + path, wait_until="networkidle")
    button = page.get_by_role("button", name="Show map")
    button.wait_for()
    page.wait_for_timeout(300)
    assert requests_made.offsite() == [], "nothing leaves before the visitor asks for the map"
    assert not any("leaflet" in url for url in requests_made.urls), "the map library waits for the click too"

    button.click()
    page.locator("[data-map-ready]").wait_for()
    page.wait_for_load_state("networkidle")
    offsite = requests_made.offsite()
    assert offsite, "after the click the map images are requested"
    assert all(TILE_URL.match(url) for url in offsite), offsite
    screenshot(page, f"map-{where}", full_page=False)
