"""Public pages carry ETags from the data version and may be kept a minute; nothing stale or private."""

from __future__ import annotations

import gzip
from datetime import datetime

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from directory import data_version
from directory.extensions import db
from directory.http_cache import PUBLIC, UNCACHED
from directory.moderation import services as moderation
from directory.moderation import users as moderation_users
from tests.support import calls_to

SEARCH = "/search?near=10001"
A_COOKIE = ("seen", "1")  # a cookie the site does not read


def etag_of(response) -> str:
    tag = response.headers["ETag"]
    assert tag.startswith('W/"')
    return tag


def test_an_anonymous_page_is_public_and_a_matching_request_gets_304(geo, client, make_listing):
    make_listing(name="Chelsea Fathers")
    db.session.commit()
    for url in ("/", "/about", "/areas/", SEARCH, "/api/v1/listings?near=10001", "/api/v1/topics"):
        first = client.get(url)
        assert first.status_code == 200, url
        assert first.headers["Cache-Control"] == PUBLIC
        assert "Cookie" in first.headers["Vary"]
        again = client.get(url, headers={"If-None-Match": etag_of(first)})
        assert again.status_code == 304, url
        assert again.data == b""
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Cache-Control"] == PUBLIC


def test_the_etag_names_the_language_and_the_query(client):
    english = etag_of(client.get("/", headers={"Accept-Language": "en"}))
    spanish = client.get("/", headers={"Accept-Language": "es"})
    assert etag_of(spanish) != english
    assert "Accept-Language" in spanish.headers["Vary"]
    assert client.get("/", headers={"If-None-Match": english, "Accept-Language": "es"}).status_code == 200
    assert etag_of(client.get("/search?near=10002")) != etag_of(client.get(SEARCH))


@pytest.mark.config(SEARCH_CACHE_SECONDS=60, SEARCH_CACHE_MIN_USES=1)
def test_a_publish_and_an_unpublish_show_on_the_very_next_request(geo, client, make_user, make_listing):
    admin = make_user("admin@example.org", admin=True)
    listing = make_listing(status="pending", name="Chelsea Fathers")
    db.session.commit()
    for url in (SEARCH, "/api/v1/listings?near=10001"):
        assert b"Chelsea Fathers" not in client.get(url).data
    before = {url: etag_of(client.get(url)) for url in (SEARCH, "/api/v1/listings?near=10001", "/")}

    moderation.approve(listing, admin)
    for url, tag in before.items():
        response = client.get(url, headers={"If-None-Match": tag})
        assert response.status_code == 200, url
        assert etag_of(response) != tag
    assert b"Chelsea Fathers" in client.get(SEARCH).data
    assert b"Chelsea Fathers" in client.get("/api/v1/listings?near=10001").data
    page = client.get(f"/listings/{listing.slug}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == PUBLIC

    moderation.unpublish(listing, admin, "Not a men's group.")
    assert b"Chelsea Fathers" not in client.get(SEARCH).data
    assert b"Chelsea Fathers" not in client.get("/api/v1/listings?near=10001").data
    gone = client.get(f"/listings/{listing.slug}", headers={"If-None-Match": etag_of(page)})
    assert gone.status_code == 410
    assert gone.headers["Cache-Control"] == UNCACHED


@pytest.mark.parametrize("change", ["pause", "resume", "withdraw", "expire", "suspend", "unsuspend"])
def test_every_change_a_visitor_could_see_moves_the_version(app_context, make_user, make_listing, change):
    admin = make_user("admin@example.org", admin=True)
    owner = make_user("owner@example.org")
    never_confirmed = {"last_confirmed_at": None, "published_at": None, "created_at": datetime(2020, 1, 1)}
    listing = make_listing(owner, status="paused" if change == "resume" else "published",
                           **(never_confirmed if change == "expire" else {}))
    if change == "unsuspend":
        moderation_users.suspend_user(owner, admin, "spam")
    db.session.commit()
    before = data_version.current()
    if change in ("pause", "resume", "withdraw"):
        getattr(moderation, change)(listing, owner)
    elif change == "expire":
        assert moderation.expire_stale() == [listing.id]
    elif change == "suspend":
        moderation_users.suspend_user(owner, admin, "spam")
    else:
        moderation_users.unsuspend_user(owner, admin)
    assert data_version.current() > before


def test_signed_in_pages_are_never_kept(app, make_user):
    user = make_user("member@example.org")
    browser = app.test_client(user=user)
    for url in ("/", SEARCH, "/api/v1/topics"):
        response = browser.get(url)
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"], url
        assert "ETag" not in response.headers
        assert browser.get(url, headers={"If-None-Match": "*"}).status_code == 200


def test_a_page_that_sets_a_cookie_or_shows_a_message_is_private(client, make_listing):
    chosen = client.get("/?lang=es")  # the choice is remembered in a cookie: that answer is this browser's
    assert any(cookie.startswith("lang=") for cookie in chosen.headers.getlist("Set-Cookie"))
    assert chosen.headers["Cache-Control"] == UNCACHED and "ETag" not in chosen.headers
    assert client.get("/?lang=es").headers["Cache-Control"] == PUBLIC  # the cookie says it already
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Thanks, we got it.")]
    shown = client.get("/", headers={"If-None-Match": "*"})
    assert shown.status_code == 200 and b"Thanks, we got it." in shown.data
    assert shown.headers["Cache-Control"] == UNCACHED


def test_the_contact_form_is_never_public(client, make_listing):
    listing = make_listing()
    db.session.commit()
    response = client.get(f"/listings/{listing.slug}/contact")
    assert response.status_code == 200
    assert "public" not in response.headers.get("Cache-Control", "")
    assert "ETag" not in response.headers


@pytest.mark.config(KEPT_PAGES=10)
def test_a_kept_page_is_given_again_until_the_data_changes(app, client, make_user, make_listing, monkeypatch):
    client.set_cookie(*A_COOKIE)  # Flask's kept pages answer (without a cookie, http_front does)
    from directory.listings import views

    admin = make_user("admin@example.org", admin=True)
    listing = make_listing(name="Chelsea Fathers")
    db.session.commit()
    rendered = calls_to(monkeypatch, views, "render_template")
    first = client.get(f"/listings/{listing.slug}")
    again = client.get(f"/listings/{listing.slug}")
    assert [call[0] for call in rendered] == ["listings/detail.html"]
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert again.headers["Cache-Control"] == PUBLIC and not again.headers.getlist("Set-Cookie")
    assert client.get(f"/listings/{listing.slug}?lang=es").status_code == 200  # another page: made
    assert len(rendered) == 2

    moderation.pause(listing, listing.owner or admin)
    assert client.get(f"/listings/{listing.slug}").status_code == 410
    signed_in = app.test_client(user=admin)
    assert signed_in.get(f"/listings/{listing.slug}").status_code == 200  # the admin's preview, made
    assert b"Chelsea Fathers" in signed_in.get(f"/listings/{listing.slug}").data


@pytest.mark.config(KEPT_PAGES=10)
def test_a_kept_page_is_compressed_once_per_way_of_asking(client, make_user, make_listing, monkeypatch):
    client.set_cookie(*A_COOKIE)  # Flask's kept pages answer (without a cookie, http_front does)
    import flask_compress.flask_compress as library

    listing = make_listing(name="Chelsea Fathers", owner=make_user("owner@example.org"))
    db.session.commit()
    calls = calls_to(monkeypatch, library, "_compress_data")  # (app, data, algorithm)
    page = f"/listings/{listing.slug}"
    plain = client.get(page)
    chrome, firefox = {"Accept-Encoding": "gzip, deflate, br, zstd"}, {"Accept-Encoding": "gzip, deflate"}
    answers = [client.get(page, headers=chrome) for _ in range(3)] + [client.get(page, headers=firefox)
                                                                       for _ in range(3)]
    # Once for each way of asking, however often it is asked.
    assert [call[2] for call in calls] == ["zstd", "gzip"]
    assert [answer.headers["Content-Encoding"] for answer in answers] == ["zstd"] * 3 + ["gzip"] * 3
    assert gzip.decompress(answers[-1].data) == plain.data and "Content-Encoding" not in plain.headers
    assert all(answer.data == answers[0].data for answer in answers[:3])
    for answer in answers:
        assert answer.headers["Cache-Control"] == PUBLIC and answer.headers["ETag"] == plain.headers["ETag"]
        assert "Accept-Encoding" in answer.headers["Vary"] and int(answer.headers["Content-Length"]) == len(
            answer.data)

    data_version.bump()  # another version of the data: the page is made and compressed again
    db.session.commit()
    assert gzip.decompress(client.get(page, headers=firefox).data) == plain.data
    assert [call[2] for call in calls] == ["zstd", "gzip", "gzip"]
    moderation.pause(listing, listing.owner)
    assert client.get(page, headers=firefox).status_code == 410  # never the kept answer of before


@pytest.mark.config(KEPT_PAGES=10)
def test_a_kept_search_page_is_still_counted_for_where_groups_are_needed(app, geo, make_listing):
    from tests.test_demand import BROWSER, counts

    make_listing()
    db.session.commit()
    robot = app.test_client().get(SEARCH)  # not counted (no browser), and kept
    assert robot.headers["Cache-Control"] == PUBLIC
    browser = app.test_client()
    first = browser.get(SEARCH, headers=BROWSER)
    assert first.data == robot.data
    assert [row.searches for row in counts()] == [1]
    assert first.headers["Cache-Control"] == UNCACHED  # it carries this browser's counted-cells cookie
    again = browser.get(SEARCH, headers=BROWSER)
    assert [row.searches for row in counts()] == [1]  # once per browser, cell and day, as before
    assert again.headers["Cache-Control"] == PUBLIC


def test_the_version_read_between_transactions_sees_another_connections_commit(app_context):
    db.session.commit()
    before = data_version.current()
    with db.engine.begin() as elsewhere:  # another worker's change
        data_version.bump(Session(bind=elsewhere))
    assert data_version.current() > before


def test_a_transaction_reads_back_the_version_it_moved_itself(app_context):
    db.session.commit()
    before = data_version.current()
    data_version.bump()
    moved = data_version.current()
    assert moved > before
    db.session.rollback()
    assert data_version.current() == before


@pytest.mark.config(KEPT_PAGES=10)
def test_a_kept_page_is_given_again_without_taking_a_database_connection(app, client):
    client.set_cookie(*A_COOKIE)  # Flask's kept pages answer (without a cookie, http_front does)
    checkouts = []

    def count(*_):
        checkouts.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "checkout", count)
    try:
        assert client.get("/").status_code == 200
        made = len(checkouts)
        again = client.get("/")
    finally:
        event.remove(engine, "checkout", count)
    assert again.status_code == 200 and again.headers["Cache-Control"] == PUBLIC
    assert made >= 1 and len(checkouts) == made


def test_values_kept_per_version_go_oldest_first_and_all_when_the_version_moves(app_context):
    kept = data_version.KeptPerVersion("test-kept", entries=2)
    reads: list[str] = []

    def value(key: str):
        return kept.get(key, lambda: reads.append(key) or key.upper())

    assert [value(key) for key in ("a", "b", "a", "c")] == ["A", "B", "A", "C"]
    assert reads == ["a", "b", "c"]
    value("b")
    value("a")  # a was kept first, so c's arrival let it go
    assert reads == ["a", "b", "c", "a"]
    data_version.bump()
    db.session.commit()
    value("c")
    assert reads == ["a", "b", "c", "a", "c"]
    assert kept.get("d", lambda: "not kept", keep=lambda found: False) == "not kept"
    assert kept.get("d", lambda: "read again") == "read again"
