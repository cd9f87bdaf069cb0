"""Privacy by default: rounded places, no referrer, no query strings in logs, nothing kept from a search."""

from __future__ import annotations

import logging
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from directory.extensions import db
from directory.listings.privacy import public_coordinates, public_point, shows_exact_address
from directory.listings.search import SearchParams, search
from directory.logging_privacy import QueryStringFilter, RateLimitKeyFilter, strip_query

from .support import PROJECT_ROOT, serving

PRIVATE_QUERY = "near=10001&q=addiction+recovery"

# --- Where a listing is shown -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, expected",
    [
        (dict(latitude=40.75064, longitude=-73.99723, location_precision="approximate"), (40.75, -74.0)),
        (dict(latitude=40.75064, longitude=-73.99723, location_precision="exact"), (40.75064, -73.99723)),
        (dict(latitude=51.50149, longitude=-0.00141, location_precision="approximate"), (51.5, 0.0)),
        (dict(latitude=-33.86882, longitude=151.20929, format="hybrid"), (-33.87, 151.21)),
        (dict(latitude=None, longitude=None), None),
        (dict(latitude=40.75064, longitude=None), None),
        (dict(latitude=40.75064, longitude=-73.99723, format="online", location_precision="exact"), None),
    ],
    ids=["approximate", "exact", "no-negative-zero", "hybrid-default-approximate", "no-point", "half-a-point",
         "online"],
)
def test_public_point(fields, expected):
    listing = SimpleNamespace(**{"format": "in_person", "location_precision": "approximate", **fields})
    point = public_point(listing)
    assert point == expected
    if point:
        assert str(point[1]) != "-0.0"


def test_approximate_points_stay_within_about_a_kilometre_and_hide_the_door():
    for latitude, longitude in [(40.75064, -73.99723), (40.74501, -73.98499), (64.8378, -147.7164)]:
        shown = public_coordinates(latitude, longitude, "approximate")
        # At most 0.005 degrees off each way: about 0.56 km north-south.
        assert abs(shown[0] - latitude) <= 0.005 and abs(shown[1] - longitude) <= 0.005
        assert shown != (latitude, longitude)
    # Two doors in the same cell look the same from outside.
    assert public_coordinates(40.7506, -73.9972, None) == public_coordinates(40.7524, -73.9951, "approximate")


def test_exact_address_only_when_chosen():
    base = {"format": "in_person", "address_line": "12 Main St", "location_precision": "exact"}
    assert shows_exact_address(SimpleNamespace(**base))
    assert not shows_exact_address(SimpleNamespace(**{**base, "location_precision": "approximate"}))
    assert not shows_exact_address(SimpleNamespace(**{**base, "address_line": ""}))
    assert not shows_exact_address(SimpleNamespace(**{**base, "format": "online"}))


def test_listing_page_and_api_show_only_the_rounded_point_and_no_street(client, make_listing):
    listing = make_listing(latitude=40.75064, longitude=-73.99723, address_line="350 Fifth Avenue",
                           location_precision="approximate", website="https://dads.example.org/about",
                           contact_email="organiser@example.org")
    page = client.get(f"/listings/{listing.slug}")
    assert page.status_code == 200
    for secret in ("40.75064", "73.99723", "350 Fifth Avenue", "organiser@example.org"):
        assert secret not in page.text
    assert 'data-lat="40.75"' in page.text and 'data-lon="-74.0"' in page.text
    api = client.get(f"/api/v1/listings/{listing.slug}")
    if api.status_code == 404 and "api.listing" not in client.application.view_functions:
        pytest.skip("no JSON API in this build")
    body = api.get_data(as_text=True)
    assert api.status_code == 200
    for secret in ("40.75064", "73.99723", "350 Fifth Avenue", "organiser@example.org"):
        assert secret not in body


def test_search_results_never_carry_private_fields(client, gazetteer, make_listing):
    """A result is read without the contact e-mail, the street address, a private meeting link or the
    moderators' note: no result template or serializer can show what was never loaded."""
    secrets = {"contact_email": "organiser@example.org", "address_line": "350 Fifth Avenue",
               "online_url": "https://meet.example.org/secret-room",
               "moderation_note": "Asked to fix the hours"}
    local = make_listing(latitude=40.75, longitude=-73.99, location_precision="exact", format="hybrid",
                         online_url_private=True, **secrets)
    online = make_listing(format="online", online_url_private=True,
                          **{**secrets, "online_url": "https://meet.example.org/other-room"})
    results = search(SearchParams.parse({"near": "10001", "radius": "25"}))
    hits = results.local + results.online
    assert len(results.local) == 1 and online.id in {hit.listing.id for hit in results.online}
    for hit in hits:
        for name in (*secrets, "description", "experience"):
            assert not hasattr(hit.listing, name), name
    for url in ("/search?near=10001&radius=25", "/api/v1/listings?near=10001&radius=25"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and local.name in body and online.name in body, url
        for value in (*secrets.values(), "https://meet.example.org/other-room"):
            assert value not in body, (url, value)


def test_listing_page_sends_no_referrer_off_site_and_marks_outbound_links(client, make_listing):
    listing = make_listing(website="https://dads.example.org/", format="hybrid",
                           online_url="https://meet.example.net/j/1", online_url_private=False)
    page = client.get(f"/listings/{listing.slug}")
    assert page.headers["Referrer-Policy"] == "same-origin"
    listing_part = page.text.split("<main", 1)[1].split("</main>", 1)[0]
    outbound = re.findall(r"<a\b[^>]*href=\"https?://(?!localhost)[^\"]*\"[^>]*>", listing_part)
    assert len(outbound) >= 2, "the website and the join link are on the page"
    for link in outbound:
        rel = re.search(r'rel="([^"]*)"', link)
        assert rel and {"noopener", "noreferrer"} <= set(rel.group(1).split()), link


def test_listing_page_with_contact_off_offers_no_form(client, make_listing):
    on = make_listing(contact_enabled=True)
    off = make_listing(contact_enabled=False, phone="+1 212 555 0100", phone_public=True,
                       website="https://dads.example.org/")
    assert f"/listings/{on.slug}/contact" in client.get(f"/listings/{on.slug}").text
    page = client.get(f"/listings/{off.slug}").text
    assert "/contact" not in page and "Get in touch" not in page
    assert "555 0100" in page and "dads.example.org" in page  # what the owner chose to publish instead
    assert "get in touch" not in page.lower(), "no promise of a contact route that does not exist"
    no_address = make_listing(contact_enabled=True, contact_email="")
    assert "Get in touch" not in client.get(f"/listings/{no_address.slug}").text


# --- Nothing kept from a search ---------------------------------------------------------------------


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_a_search_stores_nothing_and_sets_no_cookie(app, client, gazetteer, make_listing):
    make_listing()
    db.session.commit()
    before = _row_counts()
    for query in (f"/search?{PRIVATE_QUERY}", "/search?near=10001&radius=25&topic=grief",
                  "/api/v1/listings?near=10001"):
        response = client.get(query)
        assert response.status_code in (200, 404), query
        assert "Set-Cookie" not in response.headers, query
    db.session.expire_all()
    assert _row_counts() == before
    assert client.get("/search?near=10001").status_code == 200


# --- Logs without query strings ---------------------------------------------------------------------


def test_the_development_server_logs_paths_without_query_strings(app, caplog, monkeypatch):
    # Alembic's fileConfig (run by the migrations fixture) disables loggers that existed before it.
    monkeypatch.setattr(logging.getLogger("werkzeug"), "disabled", False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    with serving(server), caplog.at_level(logging.INFO, logger="werkzeug"):
        for path in (f"/about?{PRIVATE_QUERY}", f"/no-such-page?{PRIVATE_QUERY}"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}", timeout=5)
            except urllib.error.HTTPError:
                pass
        deadline = time.monotonic() + 5
        while sum(r.name == "werkzeug" for r in caplog.records) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any('"GET /about HTTP/1.1" 200' in line for line in lines), lines
    assert any("/no-such-page HTTP/1.1" in line and " 404 " in line for line in lines), lines
    assert not any("10001" in line or "addiction" in line or "?" in line for line in lines), lines


def test_the_filter_is_installed_once_however_many_apps_are_built(app):
    from directory import create_app

    create_app({"SECRET_KEY": "x", "INSTANCE_PATH": app.instance_path, "TESTING": True})
    for name in ("werkzeug", "gunicorn.access"):
        assert sum(isinstance(f, QueryStringFilter) for f in logging.getLogger(name).filters) == 1
    assert sum(isinstance(f, RateLimitKeyFilter) for f in logging.getLogger("flask-limiter").filters) == 1


def test_the_filter_scrubs_a_gunicorn_access_record():
    """gunicorn hands its own dict subclass of atoms to the logger; it is scrubbed in place."""
    from gunicorn.glogging import SafeAtoms

    atoms = SafeAtoms({
        "r": f"GET /search?{PRIVATE_QUERY} HTTP/1.1", "U": "/search", "q": PRIVATE_QUERY,
        "f": f"https://directory.example/search?{PRIVATE_QUERY}", "{referer}i": f"/search?{PRIVATE_QUERY}",
        "s": "200",
    })
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               '"%(r)s" %(s)s %(q)s "%(f)s" %({referer}i)s %({x-missing}i)s', (atoms,), None)
    assert QueryStringFilter().filter(record)
    line = record.getMessage()
    assert "10001" not in line and "addiction" not in line
    assert line.startswith('"GET /search HTTP/1.1" 200') and "https://directory.example/search" in line
    assert line.endswith(" -")  # a header that was not sent still reads as "-"
    assert strip_query("/listings/x?tz=Europe/London") == "/listings/x"


@pytest.mark.config(RATELIMIT_ENABLED=True, CONTACT_RATE_LIMIT_IP="1 per 10 minutes")
def test_a_rate_limit_hit_is_logged_without_the_address(app, client, make_listing, caplog, monkeypatch):
    from .test_contact import post_message

    monkeypatch.setattr(logging.getLogger("flask-limiter"), "disabled", False)
    listing = make_listing()
    visitor = {"REMOTE_ADDR": "203.0.113.77"}
    with caplog.at_level(logging.INFO, logger="flask-limiter"):
        assert post_message(client, listing, environ_base=visitor).status_code == 303
        assert post_message(client, listing, environ_base=visitor).status_code == 429
    lines = [record.getMessage() for record in caplog.records if record.name == "flask-limiter"]
    assert any("exceeded" in line and "key withheld" in line for line in lines), lines
    assert not any("203.0.113.77" in line for line in lines)


def _gunicorn_config() -> dict:
    return runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))


def test_gunicorn_access_log_format_has_no_query_string_referrer_or_address(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    config = _gunicorn_config()
    fmt = config["access_log_format"]
    assert "%(U)s" in fmt
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%(h)s", "%(a)s", "{query_string}e", "{raw_uri}e", "{referer}i"):
        assert atom not in fmt, atom
    assert config["workers"] == 5
    assert config["wsgi_app"] == "directory:create_app()"

    # Format a real request the way gunicorn does.
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    cfg = Config()
    cfg.set("access_log_format", fmt)
    logger = Logger(cfg)
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": f"/search?{PRIVATE_QUERY}", "PATH_INFO": "/search",
        "QUERY_STRING": PRIVATE_QUERY, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"http://127.0.0.1/search?{PRIVATE_QUERY}", "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=12))
    from gunicorn.glogging import SafeAtoms

    line = fmt % SafeAtoms(atoms)
    assert '"GET /search HTTP/1.1" 200 1234 12ms' in line
    assert "10001" not in line and "203.0.113.9" not in line and "Mozilla" not in line


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_started_with_the_config_file_logs_no_query_string(tmp_path):
    """The real thing: gunicorn reads gunicorn.conf.py from the project folder and serves two requests."""
    port = _free_port()
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DIRECTORY_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "SECRET_KEY": "gunicorn-test-key",
    }
    env.pop("FLASK_ENV", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn"], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        statuses = []
        for path in (f"/about?{PRIVATE_QUERY}", f"/no-such-page?{PRIVATE_QUERY}"):
            while True:
                try:
                    url = f"http://127.0.0.1:{port}{path}"
                    statuses.append(urllib.request.urlopen(url, timeout=5).status)
                    break
                except urllib.error.HTTPError as error:
                    statuses.append(error.code)
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise
                    time.sleep(0.2)
        assert statuses == [200, 404]
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    access = [line for line in output.splitlines() if '"GET /' in line]
    assert any('"GET /about HTTP/1.1" 200' in line for line in access), output
    assert any('"GET /no-such-page HTTP/1.1" 404' in line for line in access), output
    assert "10001" not in output and "addiction" not in output and "127.0.0.1 -" not in output


@pytest.mark.config(CONTACT_RETENTION_DAYS=14, OUTBOX_RETENTION_DAYS=9,
                    CONTACT_RATE_LIMIT_IP="2 per 5 minutes")
def test_the_privacy_page_states_the_configured_facts(client):
    page = client.get("/privacy").text
    assert "14 days" in page and "30 days" not in page
    assert "when it left, for 9 days" in page
    assert "at most 2 per 5 minutes" in page
    assert "without</em> anything after a “?”" in page
    assert "rounded to two decimal places (about 1 km)" in page
