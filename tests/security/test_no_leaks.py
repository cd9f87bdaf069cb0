"""No stack trace, SQL, secret or file path ever reaches a response, whatever fails: a service, the database
(a real error from the driver too), a template, the error page itself; HTML pages and the JSON API alike.

Every failure below carries all of those in its message, so an error page that showed the exception (or
its type, or a traceback) would be caught. The app runs as in production: not TESTING, no propagation.
"""

from __future__ import annotations

import logging

import jinja2
import pytest
from flask import render_template_string
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, InvalidRequestError, OperationalError, ProgrammingError

from directory import PROJECT_ROOT
from directory.extensions import db
from directory.listings.models import Listing

from .test_access_matrix import RoleClient, cases

SECRET = "s3cret-key-that-must-never-be-shown-8c1f0a"
LEAKY_SQL = "SELECT password_hash, email FROM users WHERE id = :id"
LEAKY_TEXT = f"{LEAKY_SQL} -- key {SECRET} in {PROJECT_ROOT}/directory/accounts/services.py line 42"
SHOWN_AS_IS = ("Traceback", 'File "', "SELECT ", SECRET, str(PROJECT_ROOT), "site-packages", "password_hash")
SHOWN_IN_ANY_CASE = ("sqlalchemy", "psycopg", "sqlite3", "jinja2", "werkzeug", "runtimeerror", "exception")

# A page, a form post, the API and a static file: each meets every kind of failure.
EVERY_KIND_ON = (("GET", "/"), ("POST", "/account/sign-in"), ("GET", "/api/v1/listings"),
                 ("GET", "/favicon.ico"))

# Each test adds routes and error handlers of its own: an app apiece.
pytestmark = [pytest.mark.config(SECRET_KEY=SECRET, TESTING=False, PROPAGATE_EXCEPTIONS=False, DEBUG=False),
              pytest.mark.own_app]


class DriverError(Exception):
    """Stands in for the database driver's own exception (sqlite3.Error, psycopg.Error)."""


def failures() -> dict[str, Exception]:
    """One of each kind of failure a view can meet, each carrying the SQL, the secret and a path."""
    origin = DriverError(LEAKY_TEXT)
    params = {"id": 1, "key": SECRET}
    return {
        "unexpected error": RuntimeError(LEAKY_TEXT),
        "database error": ProgrammingError(LEAKY_SQL, params, origin),
        "database unavailable": OperationalError(LEAKY_SQL, params, origin),
        "constraint": IntegrityError(LEAKY_SQL, params, origin),
        "ORM misuse": InvalidRequestError(LEAKY_TEXT),
        "template": jinja2.TemplateSyntaxError(LEAKY_TEXT, 1, name="listings/detail.html"),
        "key error": KeyError(LEAKY_TEXT),
    }


def leaks(response) -> list[str]:
    """The forbidden things found in a response's body or headers."""
    body = response.get_data(as_text=True)
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    found = [marker for marker in SHOWN_AS_IS if marker in body or marker in headers]
    found += [marker for marker in SHOWN_IN_ANY_CASE if marker in body.lower() or marker in headers.lower()]
    return found


def check(response, label: str) -> list[str]:
    """Problems with one failed response: a leak, a status that is not 500/503, an API answer not in JSON."""
    problems = []
    if response.status_code not in (500, 503):
        problems.append(f"{label}: status {response.status_code}")
    found = leaks(response)
    if found:
        problems.append(f"{label}: shows {found}")
    if urlpath(label).startswith("/api/"):
        body = response.get_json(silent=True)
        if not (isinstance(body, dict) and body.get("error", {}).get("status") == response.status_code):
            problems.append(f"{label}: the API did not answer with its JSON error")
    elif response.mimetype != "text/html":
        problems.append(f"{label}: answered {response.mimetype}")
    return problems


def urlpath(label: str) -> str:
    return label.split(" ", 2)[1]


@pytest.fixture
def failing(app):
    """Make every request fail with the given exception, after the extensions' own request hooks ran."""
    current: dict[str, Exception] = {}

    @app.before_request
    def fail():
        if "error" in current:
            raise current["error"]

    def set_failure(error: Exception | None) -> None:
        current.pop("error", None)
        if error is not None:
            current["error"] = error

    return set_failure


def test_every_route_fails_without_showing_anything(app, world, failing, caplog, monkeypatch):
    """Every rule and method in the URL map, as a visitor, each failing with the next kind of error in turn;
    and every kind of error on a page, a POST and the API."""
    # Alembic's logging set-up (run by the session's migrations) disables the loggers that existed then.
    monkeypatch.setattr(logging.getLogger("directory.errors"), "disabled", False)
    kinds = list(failures().items())
    browser = RoleClient(app, world, "anonymous")
    requests = [(case.method, case.url(world.values(case.subject))) for case in cases(app)]
    assert len(requests) >= 90
    plan = [(request, kinds[index % len(kinds)]) for index, request in enumerate(requests)]
    plan += [(request, kind) for kind in kinds for request in EVERY_KIND_ON]
    problems = []
    for (method, url), (kind, error) in plan:
        failing(error)
        response = browser.open(url, method=method, data={"x": "1"} if method != "GET" else None)
        problems += check(response, f"{method} {url} ({kind})")
    assert not problems, "\n".join(problems[:40])
    # The operators still learn what happened: it is in the log, not on the page.
    logged = [record for record in caplog.records if record.name == "directory.errors"]
    assert any(record.levelno >= logging.ERROR for record in logged)


def test_signed_in_pages_fail_the_same_way(app, world, failing):
    """Admin and owner pages render more (navigation counts, the user's name): still nothing leaks."""
    problems = []
    for role in ("owner", "admin"):
        browser = RoleClient(app, world, role)
        for kind, error in failures().items():
            failing(error)
            for path in ("/admin/", "/my/listings", "/account", f"/listings/{world.draft.slug}",
                         "/api/v1/topics"):
                problems += check(browser.open(path), f"GET {path} as {role}, {kind}")
    failing(None)
    assert not problems, "\n".join(problems[:40])


# ---------------------------------------------------------------------------------------------- inside views


def raising(error: Exception):
    def fail(*args, **kwargs):
        raise error

    return fail


def test_a_failing_service_inside_a_view(app, world, monkeypatch):
    from directory.api import views as api_views
    from directory.datarights import views as datarights_views
    from directory.listings import views as listing_views
    from directory.moderation import report_views, review_views

    errors = failures()
    monkeypatch.setattr(listing_views, "run_search", raising(errors["database error"]))
    monkeypatch.setattr(api_views, "run_search", raising(errors["unexpected error"]))
    monkeypatch.setattr(datarights_views.services, "export_person", raising(errors["constraint"]))
    monkeypatch.setattr(review_views.review_queue, "queue_listings", raising(errors["ORM misuse"]))
    monkeypatch.setattr(report_views.report_services, "create_report",
                        raising(errors["database unavailable"]))
    problems = []
    visitor, owner, admin = (RoleClient(app, world, role) for role in ("anonymous", "owner", "admin"))
    for browser, method, path, data in (
        (visitor, "GET", "/search?near=10001", None),
        (visitor, "GET", "/api/v1/listings?near=10001", None),
        (owner, "GET", "/account/data", None),
        (admin, "GET", "/admin/", None),
        (visitor, "POST", f"/listings/{world.published.slug}/report", {"reason": "other", "message": "x"}),
    ):
        problems += check(browser.open(path, method=method, data=data), f"{method} {path}")
    assert not problems, "\n".join(problems)


def test_a_real_database_error(app, world, monkeypatch):
    """The driver's own message (it quotes the SQL) from a statement the database refuses."""
    from directory import database

    statement = text(f"SELECT password_hash FROM no_such_table WHERE note = '{SECRET}'")  # noqa: S608
    monkeypatch.setattr(database, "text", lambda _sql: statement)
    response = RoleClient(app, world, "anonymous").open("/healthz")
    assert not check(response, "GET /healthz")
    # The session was rolled back: the next request works.
    monkeypatch.undo()
    assert RoleClient(app, world, "anonymous").open("/healthz").status_code == 200
    assert db.session.get(Listing, world.published.id) is not None


def test_a_broken_template(app, world, monkeypatch):
    """A template that does not compile and one that fails while rendering, with the secret in the source."""
    from directory.core import views as core_views

    browser = RoleClient(app, world, "anonymous")
    for source in ("{% if %}" + SECRET, "{{ config.SECRET_KEY }} {{ none.attribute.deeper }}",
                   "{{ " + LEAKY_SQL + " }}"):
        monkeypatch.setattr(core_views, "render_template",
                            lambda *args, source=source, **kwargs: render_template_string(source))
        problems = check(browser.open("/about"), "GET /about")
        assert not problems, (source, problems)


def test_when_the_error_page_itself_fails(app, world, monkeypatch):
    """The plain fallback page: still no traceback, and still the site's words."""
    from directory import errors
    from directory.listings import views as listing_views

    monkeypatch.setattr(listing_views, "run_search", raising(RuntimeError(LEAKY_TEXT)))
    monkeypatch.setattr(errors, "render_template", raising(jinja2.TemplateError(LEAKY_TEXT)))
    response = RoleClient(app, world, "anonymous").open("/search")
    assert not check(response, "GET /search")
    assert errors.MESSAGES[500][0] in response.get_data(as_text=True)


def test_the_failing_hook_only_runs_when_asked(app, world, failing):
    """The sweep's control: without a failure set, the same requests succeed."""
    failing(None)
    browser = RoleClient(app, world, "anonymous")
    assert browser.open("/").status_code == 200
    assert browser.open("/api/v1/topics").status_code == 200
