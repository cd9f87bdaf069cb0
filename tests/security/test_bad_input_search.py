"""Every query parameter of /search and of the API meets every BLNS string and XSS payload: 200 or 400,
never a 500, and the search page never shows a string back as live markup."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.factories import make_listing

from .helpers import describe, sweep
from .payloads import bad_text, tally

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("bad_input")]

SEARCH_PARAMS = ("near", "radius", "units", "kind", "topic", "audience", "format", "day", "cost", "language",
                 "q", "page", "tz")
API_PARAMS = tuple(name for name in SEARCH_PARAMS if name != "tz") + ("per_page",)


def test_search_page(visitor, gazetteer, record_property):
    make_listing(name="Tuesday circle", format="hybrid")

    def send(text):
        return visitor.get("/search", query_string=dict.fromkeys(SEARCH_PARAMS, text))

    statuses = sweep("/search, every parameter", bad_text(), send, record_property=record_property)
    assert set(statuses) <= {200, 302, 400}, statuses


def test_api_search(visitor, gazetteer, record_property):
    make_listing(name="Tuesday circle", format="hybrid")
    failures = []
    statuses: dict[int, int] = {}
    for text in bad_text():
        response = visitor.get("/api/v1/listings", query_string=dict.fromkeys(API_PARAMS, text))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code not in (200, 400):
            failures.append((text, f"status {response.status_code}"))
            continue
        body = json.loads(response.get_data(as_text=True))
        if response.status_code == 400 and not body["error"].get("fields"):
            failures.append((text, "a 400 that names no parameter"))
    tally("/api/v1/listings, every parameter", record_property, strings=len(bad_text()),
          requests=len(bad_text()), **{f"status_{code}": count for code, count in sorted(statuses.items())})
    assert not failures, describe(failures)


@pytest.mark.parametrize("name", ["radius", "page", "per_page"])
@pytest.mark.parametrize("value", ["²", "⁰⁴⁵", "١٢", "５", "9" * 30, "9" * 5000, "-1", "0", "1e3", " 5 "])
def test_numbers_in_any_script_or_size(visitor, name, value):
    """Digits other than 0-9 and numbers past int()'s 4,300-digit limit: refused, or read, never a 500."""
    assert visitor.get("/search", query_string={name: value}).status_code in (200, 302, 400)
    assert visitor.get("/api/v1/listings", query_string={name: value}).status_code in (200, 400)


def test_listing_page_time_zone_and_unknown_slugs(visitor, record_property):
    """The listing page's `tz` parameter, and each string as the slug a listing is looked up by."""
    listing = make_listing(name="Tuesday circle")

    def send(text):
        return visitor.get(f"/listings/{listing.slug}", query_string={"tz": text})

    sweep("/listings/<slug>?tz=", bad_text(), send, record_property=record_property)

    failures = []
    for text in bad_text():
        slug = quote(text, safe="")
        for path in (f"/listings/{slug}",):
            status = visitor.get(path).status_code
            if status not in (200, 301, 302, 308, 404):
                failures.append((text, f"{status} for {path[:40]}"))
    tally("unknown slugs on the listing page", record_property, strings=len(bad_text()),
          requests=len(bad_text()))
    assert not failures, describe(failures)
