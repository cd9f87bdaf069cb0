"""Public pages answered before Flask for requests without a cookie: the same bytes, never stale, never
for a request whose answer could differ or must be counted."""

from __future__ import annotations

import gzip

import pytest
from flask import request_started

from directory import http_front
from directory.extensions import db
from directory.http_cache import PUBLIC
from directory.moderation import services as moderation

KEEPING = {"KEPT_PAGES": 10}


@pytest.fixture
def flask_runs(app):
    """How many requests reached Flask so far (a request answered by the front never starts one)."""
    started: list[str] = []

    def note(sender, **extra):
        from flask import request

        started.append(request.full_path)

    request_started.connect(note, app)
    yield lambda: len(started)
    request_started.disconnect(note, app)


@pytest.fixture
def visitor(app):
    """A browser that sends no cookie (a first visit, a crawler, a cache in front of the site)."""
    return app.test_client(use_cookies=False)


@pytest.mark.config(**KEEPING)
def test_a_page_asked_again_without_a_cookie_is_answered_before_flask_until_the_data_changes(
        visitor, flask_runs, make_user, make_listing):
    admin = make_user("admin@example.org", admin=True)
    listing = make_listing(name="Chelsea Fathers")
    db.session.commit()
    page = f"/listings/{listing.slug}"
    first = visitor.get(page)
    assert first.status_code == 200 and flask_runs() == 1
    again = visitor.get(page)
    assert flask_runs() == 1  # the front answered
    assert again.data == first.data
    assert again.headers.to_wsgi_list() == first.headers.to_wsgi_list()
    assert again.headers["Cache-Control"] == PUBLIC and "Content-Security-Policy" in again.headers

    moderation.pause(listing, listing.owner or admin)  # moves the data version
    assert visitor.get(page).status_code == 410 and flask_runs() == 2


@pytest.mark.config(**KEEPING)
def test_a_publish_and_an_unpublish_show_on_the_very_next_request_to_a_page_kept_before_flask(
        visitor, flask_runs, make_user, make_listing):
    admin = make_user("admin@example.org", admin=True)
    make_listing(name="Harlem Dads")  # the region's page is there before the publish
    listing = make_listing(status="pending", name="Chelsea Fathers")
    db.session.commit()
    region = f"/areas/{listing.country.lower()}/{listing.region.lower()}/"
    assert b"Harlem Dads" in visitor.get(region).data
    assert b"Chelsea Fathers" not in visitor.get(region).data
    assert flask_runs() == 1

    moderation.approve(listing, admin)
    assert b"Chelsea Fathers" in visitor.get(region).data
    assert flask_runs() == 2
    moderation.unpublish(listing, admin, "Not a group for men.")
    assert b"Chelsea Fathers" not in visitor.get(region).data


@pytest.mark.config(**KEEPING)
def test_each_language_and_compression_has_its_own_answer(visitor, flask_runs):
    english, spanish = {"Accept-Language": "en"}, {"Accept-Language": "es"}
    gzipped = {"Accept-Language": "es", "Accept-Encoding": "gzip"}
    answers = [visitor.get("/", headers=asked) for asked in (english, spanish, gzipped) for _ in range(2)]
    assert flask_runs() == 3  # once for each way of asking
    assert b'lang="en"' in answers[1].data and b'lang="es"' in answers[3].data
    assert answers[5].headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(answers[5].data) == answers[3].data


@pytest.mark.config(**KEEPING)
def test_the_five_minute_clock_of_the_etag_holds_for_the_front_too(visitor, flask_runs, monkeypatch):
    import time

    visitor.get("/")
    visitor.get("/")
    assert flask_runs() == 1
    later = time.time() + 300
    monkeypatch.setattr(http_front.time, "time", lambda: later)
    visitor.get("/")
    assert flask_runs() == 2


@pytest.mark.config(**KEEPING, RATELIMIT_ENABLED=True)
def test_what_could_differ_or_must_be_counted_goes_to_flask(app, visitor, flask_runs, geo, make_listing):
    make_listing(name="Chelsea Fathers")
    db.session.commit()
    assert visitor.get("/about").status_code == 200
    etag = visitor.get("/about").headers["ETag"]
    assert flask_runs() == 1
    passed_on = [
        ("GET", "/about", {"Cookie": "lang=en"}),  # a cookie may sign in, carry a message or a language
        ("GET", "/about", {"If-None-Match": etag}),  # answered 304 by Flask
        ("HEAD", "/about", {}),
        ("GET", "/about", {"Range": "bytes=0-99"}),
        ("GET", "/about", {"Authorization": "Basic eDp5"}),
        ("GET", "/search?near=10001", {}),  # the search counts searches for "Where groups are needed"
        ("GET", "/api/v1/topics", {}),  # the API's rate limit counts every request
        ("GET", "/about?lang=es", {}),  # remembers the language in a cookie: not the same for everyone
    ]
    for method, url, headers in passed_on:
        for _ in range(2):
            before = flask_runs()
            response = visitor.open(url, method=method, headers=headers)
            assert response.status_code in (200, 304), url
            assert flask_runs() == before + 1, (method, url, headers)
    limited = visitor.get("/api/v1/topics")
    assert int(limited.headers["X-RateLimit-Remaining"]) < int(limited.headers["X-RateLimit-Limit"]) - 2


@pytest.mark.config(**KEEPING)
def test_kept_pages_off_keeps_nothing_before_flask(app, visitor, flask_runs):
    app.config["KEPT_PAGES"] = 0
    try:
        visitor.get("/about")
        visitor.get("/about")
    finally:
        app.config["KEPT_PAGES"] = KEEPING["KEPT_PAGES"]
    assert flask_runs() == 2 and not app.extensions.get(http_front.STORE)


def late_cookie(response):
    response.set_cookie("late", "1")
    return response


def late_vary(response):
    response.vary.add("User-Agent")  # another browser would get another answer: the key does not hold it
    return response


@pytest.mark.own_app
@pytest.mark.config(**KEEPING)
@pytest.mark.parametrize("late_hook", [late_cookie, late_vary])
def test_an_answer_that_left_with_a_cookie_or_another_vary_is_not_kept_whoever_added_it(
        app, visitor, flask_runs, late_hook):
    app.after_request_funcs.setdefault(None, []).insert(0, late_hook)  # runs after every other hook
    for _ in range(2):
        response = visitor.get("/about")
        assert response.status_code == 200 and response.headers["Cache-Control"] == PUBLIC
    assert flask_runs() == 2
