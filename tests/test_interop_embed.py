"""The embeddable finder and the page that writes its snippet: framable only at /embed, no cookies,
nothing from other hosts, results in a new tab; bad choices explained next to their field."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from .factories import make_audience
from .test_accounts import sign_in


@pytest.fixture
def listings(app, gazetteer, make_listing):
    make_audience("veterans", "Veterans")
    near = make_listing(slug="chelsea-fathers", name="Chelsea Fathers", topics=("fatherhood",))
    far = make_listing(slug="boston-grief", name="Boston Grief", city="Boston", region="MA", latitude=42.35,
                       longitude=-71.07, topics=("grief",))
    online = make_listing(slug="online-dads", name="Online Dads", format="online",
                          online_url="https://zoom.us/j/1", topics=("fatherhood",))
    return near, far, online


def assert_framable_by_anyone(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "script-src 'none'" in policy
    assert "X-Frame-Options" not in response.headers


def test_the_finder_shows_nearby_and_online_results_in_new_tabs(client, listings):
    response = client.get("/embed?near=10001&topic=fatherhood")
    assert response.status_code == 200
    assert_framable_by_anyone(response)
    page = response.get_data(as_text=True)
    assert "Chelsea Fathers" in page and "Online Dads" in page and "Boston Grief" not in page
    anchors = re.findall(r"<a [^>]*>", page)
    results = [anchor for anchor in anchors if "/listings/" in anchor]
    assert len(results) == 2
    for anchor in anchors:
        assert 'target="_blank"' in anchor and 'rel="noopener"' in anchor, anchor
        assert re.search(r'href="(http://localhost/|tel:)', anchor), anchor  # the site's pages, or a call
    # The chosen topic stays with every search made inside the box.
    assert '<input type="hidden" name="topic" value="fatherhood">' in page
    assert 'action="/embed"' in page


def test_the_finder_carries_the_crisis_line_with_a_number_to_call(client, listings):
    """A man may find the box on a church's or a veterans' site in a bad moment: the line the site shows on
    every page is there too, with its call link, and in Spanish with the Spanish service."""
    english = client.get("/embed?near=10001").get_data(as_text=True)
    crisis = re.search(r'<p class="embed-crisis">(.*?)</p>', english, re.S).group(1)
    assert "988" in crisis and '<a href="tel:988" target="_blank" rel="noopener">Call 988</a>' in crisis
    spanish = client.get("/embed?near=10001&lang=es").get_data(as_text=True)
    crisis = unescape(re.search(r'<p class="embed-crisis">(.*?)</p>', spanish, re.S).group(1))
    assert '<a href="tel:988" target="_blank" rel="noopener">Llama al 988</a>' in crisis and "AYUDA" in crisis


def test_the_finder_loads_only_its_own_files(client, listings):
    page = client.get("/embed?near=10001").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "<script" not in page
    for source in sources:
        host = urlsplit(unescape(source)).hostname
        assert host in (None, "localhost"), source


def test_the_finder_sets_no_cookie_even_for_a_signed_in_visitor(client, listings, make_user):
    assert "Set-Cookie" not in client.get("/embed").headers
    user = make_user("member@example.org")
    assert sign_in(client, user.email, remember=True).status_code == 303
    response = client.get("/embed?near=10001")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Sign out" not in response.get_data(as_text=True)


NOT_FRAMABLE = ["/", "/search?near=10001", "/put-this-on-your-site", "/listings/chelsea-fathers",
                "/api/meeting-guide.json", "/embedded", "/embed/"]


@pytest.mark.parametrize("path", NOT_FRAMABLE)
def test_no_other_page_may_be_framed(client, listings, path):
    response = client.get(path)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.config(EMBED_FRAME_ANCESTORS="https://church.example.org")
def test_the_sites_that_may_frame_it_are_configurable(client, listings):
    policy = client.get("/embed").headers["Content-Security-Policy"]
    assert "frame-ancestors https://church.example.org" in policy


def test_a_place_not_found_is_said_inside_the_box(client, listings):
    response = client.get("/embed?near=Qqqqzzzz")
    assert response.status_code == 200
    assert "We could not find" in response.get_data(as_text=True)


def snippet_from(page: str) -> str:
    match = re.search(r'<textarea id="snippet-code"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no snippet on the page"
    return unescape(match.group(1)).strip()


def test_the_snippet_page_writes_the_iframe_for_the_choices(client, listings):
    page = client.get("/put-this-on-your-site").get_data(as_text=True)
    assert snippet_from(page).startswith('<iframe src="http://localhost/embed" ')

    response = client.get("/put-this-on-your-site?near=10001&radius=25&topic=fatherhood&audience=veterans"
                          "&height=800")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    code = snippet_from(page)
    src = unescape(re.search(r'src="([^"]+)"', code).group(1))
    parts = urlsplit(src)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "localhost", "/embed")
    assert parse_qs(parts.query) == {"near": ["10001"], "radius": ["25"], "topic": ["fatherhood"],
                                     "audience": ["veterans"]}
    assert 'height="800"' in code and 'loading="lazy"' in code
    assert "title=\"Find a mentor or a men's support group (Men's Support Directory)\"" in code
    # The preview is the same finder, framed by this page.
    preview = re.search(r'<iframe class="snippet-preview" src="([^"]+)"', page).group(1)
    assert unescape(preview) == "/embed?" + parts.query
    assert client.get(unescape(preview)).status_code == 200


@pytest.mark.parametrize("query, field, message", [
    ("near=Qqqqzzzz", "near", "We could not find that place"),
    ("near=10001&radius=7", "radius", "Not a valid choice"),
    ("topic=no-such-topic", "topic", "Not a valid choice"),
    ("near=" + "x" * 101, "near", "Please shorten this"),
])
def test_bad_choices_are_explained_next_to_the_field_and_kept(client, listings, query, field, message):
    response = client.get(f"/put-this-on-your-site?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(rf'<div class="field-error" id="{field}-error">(.*?)</div>', page, re.S)
    assert error and message in error.group(1)
    assert 'id="snippet-code"' not in page
    if field == "near":
        assert f'value="{query.split("=", 1)[1]}"' in page
