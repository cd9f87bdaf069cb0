"""Absolute links come from SITE_URL only, never from the Host a request names; production checks both."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory import create_app
from directory.config import ConfigurationError
from directory.extensions import db
from directory.timeutil import utcnow

from .support import PROJECT_ROOT

SITE = "https://men.example.org"
EVIL = {"Host": "evil.example"}
URL_FOR_EXTERNAL = re.compile(r"(?<![A-Za-z])_external\s*=")


def links_in(message) -> list[str]:
    text = message.get_body(("plain",)).get_content()
    return re.findall(r"https?://[^\s\"<>]+", text)


@pytest.mark.config(SITE_URL=SITE)
def test_a_reset_link_is_built_on_site_url_whatever_host_the_request_names(client, make_user, sent_mail):
    make_user("sam@example.org")
    response = client.post("/account/forgot", data={"email": "sam@example.org"}, headers=EVIL)
    assert response.status_code == 303
    [message] = sent_mail()
    links = links_in(message)
    assert any("/account/reset/" in link for link in links)
    assert links and all(link.startswith(SITE + "/") for link in links), links


@pytest.mark.config(SITE_URL=SITE)
def test_api_links_and_the_calendar_ignore_the_host_header(client, make_listing):
    listing = make_listing()
    data = client.get(f"/api/v1/listings/{listing.slug}", headers=EVIL).get_json()
    assert data["url"] == f"{SITE}/listings/{listing.slug}"
    assert data["ics_url"] == f"{SITE}/listings/{listing.slug}.ics"
    page = client.get("/api/v1/listings", query_string={"near": "online"}, headers=EVIL).get_json()
    assert all(not value or value.startswith(SITE + "/") for value in page["links"].values())
    ics = client.get(f"/listings/{listing.slug}.ics", headers=EVIL).get_data(as_text=True)
    assert "evil.example" not in ics
    assert "@men.example.org" in ics and f"URL:{SITE}/listings/{listing.slug}" in ics
    html = client.get(f"/listings/{listing.slug}", headers=EVIL).get_data(as_text=True)
    assert f'<link rel="canonical" href="{SITE}/listings/{listing.slug}">' in html


@pytest.mark.config(SITE_URL=SITE, REMINDER_AFTER_DAYS=60)
def test_command_mail_links_are_built_on_site_url(runner, make_user, make_listing, sent_mail):
    listing = make_listing(make_user("owner@example.org"))
    listing.last_confirmed_at = utcnow() - timedelta(days=70)
    db.session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    [message] = sent_mail()
    links = links_in(message)
    assert links
    assert all(link.startswith(SITE + "/") for link in links), links


def test_production_refuses_to_start_without_site_url(tmp_path):
    with pytest.raises(ConfigurationError, match="SITE_URL"):
        create_app({"PRODUCTION": True, "SECRET_KEY": "x" * 40, "INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize("url", ["men.example.org", "ftp://men.example.org", "https://", "https://x.org/?a=1"])
def test_a_site_url_that_is_not_one_is_refused(tmp_path, url):
    with pytest.raises(ConfigurationError, match="SITE_URL"):
        create_app({"SITE_URL": url, "INSTANCE_PATH": str(tmp_path)})


def test_a_local_run_defaults_site_url_from_port(tmp_path, monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.setenv("PORT", "8123")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SITE_URL"] == "http://127.0.0.1:8123"
    monkeypatch.delenv("PORT")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SITE_URL"] == "http://127.0.0.1:5000"


@pytest.fixture
def production(app, database_url: str, tmp_path: Path):
    """Build the site as deployed, on the test database; its connections are closed afterwards."""
    from .conftest import base_config

    built = []

    def build(**extra):
        config = {**base_config(database_url, str(tmp_path / "production")), "PRODUCTION": True,
                  "SECRET_KEY": "a-production-secret-key-of-some-length-0123456789", "TESTING": False,
                  "SITE_URL": SITE, **extra}
        built.append(create_app(config))
        return built[-1]

    yield build
    for application in built:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def test_production_answers_400_to_a_host_that_is_not_its_own(production):
    client = production().test_client()
    assert client.get("/", base_url=SITE).status_code == 200
    assert client.get("/", base_url="https://evil.example").status_code == 400
    assert client.post("/account/forgot", base_url="https://evil.example",
                       data={"email": "sam@example.org"}).status_code == 400


def test_behind_a_trusted_proxy_production_checks_the_forwarded_host(production):
    client = production(TRUSTED_PROXIES=1).test_client()
    own = {"X-Forwarded-Host": "men.example.org", "X-Forwarded-Proto": "https"}
    other = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    assert client.get("/", base_url="http://10.0.0.5:8000", headers=own).status_code == 200
    assert client.get("/", base_url="http://10.0.0.5:8000", headers=other).status_code == 400


def test_one_function_builds_absolute_links():
    """Every absolute link goes through urls.external_url: url_for(_external=True) follows the Host."""
    offenders = []
    for folder in ("directory", "templates"):
        for path in (PROJECT_ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".html", ".txt") and URL_FOR_EXTERNAL.search(path.read_text("utf-8")):
                offenders.append(str(path.relative_to(PROJECT_ROOT)))
    assert offenders == []


@pytest.mark.config(SITE_URL=SITE)
def test_feeds_and_the_hsds_api_ignore_the_host_header(client, make_listing):
    listing = make_listing(location_precision="exact", address_line="1 Open St")  # the feed shows exact ones
    for url in ("/api/meeting-guide.json", "/api/hsds/", "/api/hsds/services", "/"):
        body = client.get(url, headers=EVIL).get_data(as_text=True)
        assert "evil.example" not in body, url
    feed = client.get("/api/meeting-guide.json", headers=EVIL).get_data(as_text=True)
    assert f"{SITE}/listings/{listing.slug}" in feed


@pytest.mark.config(SITE_URL=SITE)
def test_a_new_site_url_is_taken_at_once_though_the_bound_url_map_is_kept(app):
    from directory.urls import external_url

    with app.app_context():
        assert external_url("listings.detail", slug="dads") == SITE + "/listings/dads"
        app.config["SITE_URL"] = "http://127.0.0.1:8000/directory"
        assert external_url("listings.detail", slug="dads") == "http://127.0.0.1:8000/directory/listings/dads"


@pytest.mark.config(SITE_URL=SITE)
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(slug=st.text(min_size=1, max_size=30).filter(lambda text: "\x00" not in text))
def test_a_kept_slug_address_is_the_one_the_url_map_builds(app, slug):
    """slug_url cuts a kept address around the slug: for any slug, under any root and SITE_URL, the link
    is url_for's (the page's own root) and external_url's (SITE_URL's) to the letter."""
    from directory.urls import external_url, slug_url

    for root in ("", "/directory"):
        with app.test_request_context("/search", base_url=f"http://evil.example{root}"):
            for endpoint in ("listings.detail", "listings.ics"):
                assert slug_url(endpoint, slug) == url_for(endpoint, slug=slug)
                assert slug_url(endpoint, slug, external=True) == external_url(endpoint, slug=slug)
    with app.app_context():
        app.config["SITE_URL"] = "http://127.0.0.1:8000/elsewhere"
        assert slug_url("listings.detail", slug, external=True) == external_url("listings.detail", slug=slug)
        app.config["SITE_URL"] = SITE
