"""Fixtures: one schema per test session (built by the migrations), emptied after every test.

TEST_DATABASE_URL picks PostgreSQL; without it each session gets a fresh SQLite file.
"""

from __future__ import annotations

import os

import flask_migrate
import pytest
from sqlalchemy import create_engine, text

from directory import create_app
from directory.config import normalise_database_url
from directory.extensions import db

from . import factories
from .support import missing

# Tables that survive between tests: loading the gazetteer once per session keeps the suite fast.
KEPT_TABLES = {"places", "alembic_version"}


def pytest_configure(config):
    config.addinivalue_line("markers", "config(**values): configuration overrides for the app fixture")


def base_config(database_url: str, instance_path: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": instance_path,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_CHEAP": True,
        "SITE_URL": "http://localhost",
    }


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as error:  # noqa: BLE001 - report any connection failure the same way
        missing(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {error.__class__.__name__}")
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A migrated, empty database for this test session."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = normalise_database_url(url)
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.sqlite3'}"
    app = create_app(base_config(url, str(tmp_path_factory.mktemp("instance"))))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def gazetteer(database_url, tmp_path_factory):
    """The real gazetteer, loaded once per session (places survive between tests)."""
    from directory.geo.services import load_gazetteer

    application = create_app(base_config(database_url, str(tmp_path_factory.mktemp("gazetteer"))))
    with application.app_context():
        report = load_gazetteer()
        db.session.remove()
        db.engine.dispose()
    return report


@pytest.fixture
def app(database_url, tmp_path, request):
    marker = request.node.get_closest_marker("config")
    overrides = dict(marker.kwargs) if marker else {}
    application = create_app({**base_config(database_url, str(tmp_path / "instance")), **overrides})
    with application.app_context():
        yield application
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = [table for table in db.metadata.sorted_tables if table.name not in KEPT_TABLES]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    return factories.make_user


@pytest.fixture
def make_listing(app):
    return factories.make_listing


@pytest.fixture
def mail_folder(app):
    """Where the site writes each message when no MAIL_SERVER is set."""
    from directory.mail import mail_folder as folder

    return folder()


@pytest.fixture
def sent_mail(mail_folder):
    """A function returning every message sent so far, oldest first, parsed."""
    import email
    from email import policy

    def read():
        if not mail_folder.exists():
            return []
        files = sorted(mail_folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
        return [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]

    return read
