"""The app factory, configuration, database behaviour and error pages."""

from __future__ import annotations

import re
import threading

import pytest
from flask import request
from sqlalchemy import select, text

from directory import PROJECT_ROOT, create_app
from directory.config import ENVIRONMENT, ConfigurationError
from directory.extensions import db
from directory.listings.models import Listing
from directory.listings.services import record_contact


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        create_app({"PRODUCTION": True, "INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize(("sender", "starts"), [
    (None, False),  # the default, no-reply@localhost
    ("Directory <help@localhost>", False),
    ("nobody", False),
    ("Men's Support Directory <help@directory.example.org>", True),
])
def test_production_mail_needs_a_sender_of_its_own_domain(tmp_path, sender, starts):
    config = {"PRODUCTION": True, "SECRET_KEY": "x" * 40, "INSTANCE_PATH": str(tmp_path),
              "SITE_URL": "https://men.example.org",
              "MAIL_SERVER": "smtp.example.org", **({"MAIL_SENDER": sender} if sender else {})}
    if starts:
        assert create_app(config).config["MAIL_SENDER"] == sender
    else:
        with pytest.raises(ConfigurationError, match="MAIL_SENDER"):
            create_app(config)
    # Without a mail server, messages are only written to the instance folder: any sender will do.
    assert create_app({**config, "MAIL_SERVER": None}).config["PRODUCTION"]


def test_production_marks_cookies_secure(tmp_path):
    app = create_app({"PRODUCTION": True, "SECRET_KEY": "x" * 40, "INSTANCE_PATH": str(tmp_path),
                      "SITE_URL": "https://men.example.org"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_dev_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32


def test_environment_configures_database_and_redis(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example/directory")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db.example/directory"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


# `config["KEY"]`, `config.get("KEY"...)`: every setting a module reads by name.
CONFIG_READ = re.compile(r"config(?:\.get\(|\[)\s*[\"']([A-Z][A-Z0-9_]+)[\"']")
ENVIRONMENT_READ = re.compile(r"os\.environ\.get|os\.environ\[|os\.getenv")
READ_WITHOUT_DEFAULT: set[str] = set()


def test_every_setting_is_in_the_tables_and_the_readme(monkeypatch, tmp_path):
    """One place says what can be set and its default (config.py), one place tells operators (README)."""
    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DIRECTORY_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SECRET_KEY": "k"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'directory.sqlite3'}"
    sources = {path: path.read_text() for path in (PROJECT_ROOT / "directory").rglob("*.py")
               if "migrations" not in path.parts}
    read = {key for text in sources.values() for key in CONFIG_READ.findall(text)}
    assert read - set(app.config) - READ_WITHOUT_DEFAULT == set()
    assert [path.name for path, text in sources.items()
            if ENVIRONMENT_READ.search(text) and path.name != "config.py"] == []
    readme = (PROJECT_ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert [variable for variable in ENVIRONMENT if f"`{variable}`" not in table] == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app_context):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas; this pass runs on PostgreSQL")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_writers_lose_no_increment(app, make_listing):
    """Eight threads, each as a POST request would, count 25 contacts on one listing: all 200 land."""
    listing_id = make_listing().id
    db.session.commit()  # end this thread's read snapshot
    threads, per_thread, errors = 8, 25, []

    def work():
        try:
            for _ in range(per_thread):
                with app.test_request_context("/", method="POST"):
                    record_contact(listing_id)
                    db.session.remove()
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    db.session.rollback()
    assert errors == []
    counted = db.session.scalar(select(Listing.contact_count).where(Listing.id == listing_id))
    assert counted == threads * per_thread


@pytest.mark.parametrize("path", ["/no-such-page", "/listings/no-such-listing"])
def test_unknown_pages_are_friendly_404s(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"We couldn" in response.data and b"Traceback" not in response.data


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_wrong_method_is_405_with_allow(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.config(MAX_CONTENT_LENGTH=1024)
@pytest.mark.own_app  # adds a route
def test_oversized_body_is_413(app):
    @app.post("/echo-for-test")
    def echo():
        return str(len(request.form))

    response = app.test_client().post("/echo-for-test", data={"x": "y" * 5000})
    assert response.status_code == 413
    assert b"too much" in response.data


@pytest.mark.own_app
def test_unexpected_error_is_a_plain_500_page(app):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    assert b"secret internals" not in response.data and b"Traceback" not in response.data


def test_database_down_is_503_with_retry_after(app, tmp_path):
    broken = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        }
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert b"Traceback" not in response.data


def test_health_check_answers(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_security_headers_on_every_page(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_database_is_empty_between_tests(app_context):
    """Each test starts with no listings, whatever the previous test left."""
    assert db.session.scalar(text("SELECT COUNT(*) FROM listings")) == 0


def test_the_app_asks_once_whether_a_handler_is_a_coroutine(app, monkeypatch):
    import flask.app

    asked = []

    def counting(func):
        asked.append(func)
        return real(func)

    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", counting)

    def handler():
        return "done"

    async def coroutine():
        return "done"

    assert app.ensure_sync(handler) is handler and app.ensure_sync(handler) is handler
    assert asked == [handler]
    # A coroutine still goes to Flask's own conversion (which needs the async extra, not installed here).
    with pytest.raises(RuntimeError, match="async"):
        app.ensure_sync(coroutine)
    assert app.ensure_sync(lambda: "x")() == "x"
