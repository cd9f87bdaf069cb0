"""Fixtures: a migrated database per test process, emptied after every test; no context shared with requests.

TEST_DATABASE_URL picks PostgreSQL; without it each process gets a fresh SQLite file. Under pytest-xdist
(`make test`) every worker has a database of its own: on PostgreSQL one named after TEST_DATABASE_URL's
with the worker's name appended (directory_ci_gw0, ...) on the same server, made when missing; each run
empties it and migrates it afresh.

The `app` fixture pushes no application context. Requests made with a test client run in a context of their
own (tests/clients.py); a test whose own code reads or writes the database asks for `app_context` (which
`make_user` and `make_listing` bring) or opens `with app.app_context():` itself.

Tests without a `config` or `own_app` marker share one app per process, built once, so its templates are
compiled once too; tests with the same `config` overrides share one too (the last few such apps are kept, a
module marked with one config reuses its app). A test that changes an app's config gets the next test a new
one; `own_app` always builds afresh.
"""

from __future__ import annotations

import os
import shutil
from collections import OrderedDict

import flask_migrate
import pytest
from jinja2 import BytecodeCache
from sqlalchemy import cast, create_engine, func, literal, make_url, select, text
from sqlalchemy.dialects.postgresql import REGCLASS

from bench.load import wipe_postgres
from directory import create_app, http_front
from directory.config import normalise_database_url
from directory.extensions import db, limiter

from . import factories
from .clients import Client, CliRunner
from .support import missing
from .translations import compile_stale_catalogues

# Tables that survive between tests: loading the gazetteer once per session keeps the suite fast.
KEPT_TABLES = {"places", "alembic_version"}
# pytest-xdist names each worker process (gw0, gw1, ...); empty when the tests run in one process.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots", action="store_true",
        help="browser tests save the screenshots they name (a failed one saves its pages anyway)")


def pytest_configure(config):
    compile_stale_catalogues()
    config.addinivalue_line("markers", "config(**values): configuration overrides for the app fixture")
    config.addinivalue_line("markers", "own_app: the test changes the app itself (routes, hooks), so it "
                                       "gets one of its own")


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
        # Tests change data without the services that move its version; the caches' own tests turn them on.
        "SEARCH_CACHE_SECONDS": 0,
        "KEPT_PAGES": 0,
        "KEEP_CHOICES": False,
        "KEEP_PLACES": False,
    }


class CompiledTemplates(BytecodeCache):
    """Compiled templates kept for the whole process, so an app built for one test compiles none again.

    Jinja keys each entry by the template's file name and a checksum of its source: an edited template is
    compiled afresh.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def build_app(database_url: str, instance_path: str, **overrides):
    limiter._key_prefix = ""  # see SharedApp.lend
    application = create_app({**base_config(database_url, instance_path), **overrides})
    application.test_client_class = Client
    application.test_cli_runner_class = CliRunner
    application.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return application


def _postgres_database(base: str) -> str:
    """TEST_DATABASE_URL's database, or under xdist one of the worker's own beside it, made when missing
    (not dropped after: making and dropping databases costs the server a checkpoint each), then emptied."""
    url = make_url(base)
    if WORKER:
        url = url.set(database=f"{url.database}_{WORKER}")
    rendered = url.render_as_string(hide_password=False)
    try:
        wipe_postgres(rendered)
    except Exception as error:  # noqa: BLE001 - report any connection failure the same way
        missing(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {error.__class__.__name__}")
    # A test database need not outlive a crash of the server: its commits do not wait for the disk, which
    # took some 3.5 ms of each of the suite's tens of thousands of commits.
    engine = create_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'ALTER DATABASE "{url.database}" SET synchronous_commit TO off'))
    engine.dispose()
    return rendered


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A migrated, empty database for this test process."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        url = _postgres_database(normalise_database_url(base))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.sqlite3'}"
    application = build_app(url, str(tmp_path_factory.mktemp("instance")))
    with application.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def gazetteer(database_url, tmp_path_factory):
    """The real gazetteer, loaded once per process (places survive between tests)."""
    from directory.geo.gazetteer import load_gazetteer

    application = build_app(database_url, str(tmp_path_factory.mktemp("gazetteer")))
    with application.app_context():
        report = load_gazetteer()
        db.session.remove()
        db.engine.dispose()
    return report


@pytest.fixture
def geo(app, app_context, gazetteer):
    """The app with the real gazetteer in its places table, and an app context for the test's lookups."""
    return app


class SharedApp:
    """The process's app for every test without a `config` or `own_app` marker."""

    def __init__(self, database_url: str, instance_path: str, overrides: dict | None = None) -> None:
        self.database_url = database_url
        self.instance_path = instance_path
        self.overrides = overrides or {}
        self.app = None
        self.state: tuple = ()

    def lend(self):
        if self.app is None:
            self.app = build_app(self.database_url, self.instance_path, **self.overrides)
            self.state = self.state_of(self.app)
        # The one Limiter object takes `enabled` from the app it was last bound to, maybe another test's,
        # and keeps the first key prefix it was given (`_key_prefix or config`): each app starts it again.
        limiter._key_prefix = ""
        limiter.init_app(self.app)
        return self.app

    @staticmethod
    def state_of(application) -> tuple:
        """What tests have been seen to change on an app (a route or hook can't be added once it served)."""
        routes = tuple((rule.rule, rule.endpoint) for rule in application.url_map.iter_rules())
        return (
            dict(application.config),
            application.static_folder,
            application.test_client_class,
            routes,
            dict(application.view_functions),
        )

    def give_back(self) -> None:
        """Empty the instance folder (mail); an app a test changed is not lent again."""
        shutil.rmtree(self.instance_path, ignore_errors=True)
        os.makedirs(self.instance_path)
        forget_answers(self.app)
        if self.state_of(self.app) != self.state:
            self.dispose()

    def dispose(self) -> None:
        if self.app is not None:
            with self.app.app_context():
                db.engine.dispose()
        self.app = None


def forget_answers(application) -> None:
    """Drop the pages and search results an app kept: they were made from the last test's data, and an
    emptied database starts its data version again, so they could be taken for the next test's."""
    application.extensions.pop("kept_pages", None)
    application.extensions.pop(http_front.STORE, None)
    application.extensions.pop("vocabularies", None)
    application.extensions.pop("places", None)
    application.extensions.pop("search parts", None)
    application.extensions.pop("search_cache_uses", None)
    store = application.extensions.pop("search_cache", None)
    if store is not None:
        store.clear()


class ConfiguredApps:
    """The apps built for `config` markers, by their overrides: the last few are kept (each holds a pool of
    database connections), so the tests of a module marked with one config build one app between them."""

    KEPT = 4

    def __init__(self, database_url: str, tmp_path_factory) -> None:
        self.database_url = database_url
        self.tmp_path_factory = tmp_path_factory
        self.apps: OrderedDict[str, SharedApp] = OrderedDict()

    def get(self, overrides: dict) -> SharedApp:
        key = repr(sorted(overrides.items()))
        shared = self.apps.pop(key, None)
        if shared is None:
            shared = SharedApp(self.database_url, str(self.tmp_path_factory.mktemp("instance")), overrides)
        self.apps[key] = shared
        while len(self.apps) > self.KEPT:
            self.apps.popitem(last=False)[1].dispose()
        return shared

    def dispose(self) -> None:
        for shared in self.apps.values():
            shared.dispose()


@pytest.fixture(scope="session")
def shared_app(database_url, tmp_path_factory):
    shared = SharedApp(database_url, str(tmp_path_factory.mktemp("instance")))
    yield shared
    shared.dispose()


@pytest.fixture(scope="session")
def configured_apps(database_url, tmp_path_factory):
    apps = ConfiguredApps(database_url, tmp_path_factory)
    yield apps
    apps.dispose()


@pytest.fixture
def app(database_url, shared_app, configured_apps, request):
    """The app under test; no context pushed (see the module's docstring)."""
    marker = request.node.get_closest_marker("config")
    own = request.node.get_closest_marker("own_app") is not None
    if own:
        instance = request.getfixturevalue("tmp_path") / "instance"
        application = build_app(database_url, str(instance), **(marker.kwargs if marker else {}))
        lent = None
    else:
        lent = configured_apps.get(marker.kwargs) if marker is not None else shared_app
        application = lent.lend()
    yield application
    with application.app_context():
        _empty_tables()
        if own:
            db.engine.dispose()
    if lent is not None:
        lent.give_back()


def _empty_tables() -> None:
    tables = [table for table in db.metadata.sorted_tables if table.name not in KEPT_TABLES]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            _empty_postgres(connection, tables)
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


# Each table's own sequences (serial and identity columns), by table name, read once per process.
_SEQUENCES: dict[str, list[str]] = {}


def _empty_postgres(connection, tables) -> None:
    """Delete the rows of the tables that have any and restart the sequences that moved, as TRUNCATE ...
    RESTART IDENTITY would: TRUNCATE of every table cost some 0.1 s a test (a new file per table), a
    DELETE of the few tables a test wrote to a few milliseconds."""
    if not _SEQUENCES:
        owned = connection.execute(text(
            "SELECT quote_ident(sequence.relname), owner.relname FROM pg_class sequence "
            "JOIN pg_depend link ON link.objid = sequence.oid AND link.deptype IN ('a', 'i') "
            "JOIN pg_class owner ON owner.oid = link.refobjid "
            "WHERE sequence.relkind = 'S'"))
        for sequence, table in owned:
            _SEQUENCES.setdefault(table, []).append(sequence)
        _SEQUENCES.setdefault("", [])  # read once even when no table has a sequence
    names = [table.name for table in tables]
    filled = connection.execute(select(*(select(table).exists() for table in tables))).one()
    moved = set(connection.scalars(text(
        "SELECT quote_ident(sequencename) FROM pg_sequences "
        "WHERE schemaname = current_schema() AND last_value IS NOT NULL")))
    # Children before parents, as on SQLite; the triggers a DELETE fires write only to tables emptied after.
    for table, has_rows in reversed(list(zip(tables, filled, strict=True))):
        if has_rows:
            connection.execute(table.delete())
    restart = [sequence for name in names for sequence in _SEQUENCES.get(name, ()) if sequence in moved]
    if restart:
        connection.execute(select(*(func.setval(cast(literal(sequence), REGCLASS), 1, False)
                                    for sequence in restart)))


@pytest.fixture
def app_context(app):
    """An app context for the test's own code (database, services, url_for), never for its requests."""
    with app.app_context() as context:
        yield context


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app_context):
    return factories.make_user


@pytest.fixture
def make_listing(app_context):
    return factories.make_listing


@pytest.fixture
def mail_folder(app):
    """Where the site writes each message when no MAIL_SERVER is set."""
    from directory.mail import mail_folder as folder

    with app.app_context():
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
