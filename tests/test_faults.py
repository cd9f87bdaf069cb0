"""Faults the site must survive: a database that goes away and comes back, an empty pool, a locked SQLite.

Each answers 503 with Retry-After (never a 500, never a hang), and the site recovers without a restart.
PostgreSQL is never really stopped (other tests may be using the server): a small TCP proxy sits between
the app and the database, and "stopping" the database means the proxy drops every connection and refuses
new ones.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
from contextlib import closing, suppress

import pytest
from sqlalchemy.engine import make_url

from directory.extensions import db

from .conftest import build_app
from .factories import DEFAULT_PASSWORD as PASSWORD

CREDENTIALS = {"email": "owner@example.org", "password": PASSWORD}
REQUEST_BOUND_SECONDS = 10  # generous: the assertion is "it returned", not how fast


def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("runs in the PostgreSQL pass")
    return database_url


def assert_unavailable(response) -> None:
    """The site's 503: a page saying when to come back, no traceback."""
    assert response.status_code == 503, response.status_code
    assert response.headers["Retry-After"].isdigit()
    assert b"Traceback" not in response.data


def answered(request):
    """Run one request in a thread and give back its response; fail if it is still waiting after the bound."""
    answers = []
    asker = threading.Thread(target=lambda: answers.append(request()), daemon=True)
    asker.start()
    asker.join(REQUEST_BOUND_SECONDS)
    assert not asker.is_alive(), "the request hung"
    return answers[0]


class Proxy:
    """Forwards 127.0.0.1:<port> to a real server; stop() drops every connection and refuses new ones."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.connections = 0

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Like a stopped server: new connections are refused, open ones are cut."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(5)
        self._threads = []

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
                self.connections += 1
            for source, sink in ((client, upstream), (upstream, client)):
                thread = threading.Thread(target=self._pump, args=(source, sink), daemon=True)
                thread.start()
                self._threads.append(thread)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxied_site(app, database_url, tmp_path):
    """site(engine_options=None) -> (app, proxy): the site talking to the test database through a proxy."""
    url = make_url(postgres_url(database_url))
    made = []

    def site(engine_options: dict | None = None, **config):
        proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
        proxy.start()
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        if engine_options is not None:
            config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
        application = build_app(proxied, str(tmp_path / f"proxied-{len(made)}"), **config)
        made.append((application, proxy))
        return application, proxy

    yield site
    for application, proxy in made:
        proxy.stop()
        with application.app_context():
            db.engine.dispose()


def published_page(make_listing) -> str:
    listing = make_listing(name="Tuesday circle")
    path = f"/listings/{listing.slug}"
    db.session.commit()
    return path


# --- PostgreSQL stops and starts ---------------------------------------------------------------


def test_postgresql_down_is_503_and_back_needs_no_restart(proxied_site, make_listing, make_user):
    page = published_page(make_listing)
    make_user("owner@example.org", PASSWORD)
    site, proxy = proxied_site()
    client = site.test_client()
    assert client.get(page).status_code == 200

    proxy.stop()
    assert_unavailable(client.get(page))
    assert_unavailable(client.get("/healthz"))
    assert_unavailable(client.post("/account/sign-in", data=CREDENTIALS))
    api = client.get("/api/v1/listings?near=10001")
    assert api.status_code == 503 and api.headers["Retry-After"].isdigit()
    assert api.get_json()["error"]["status"] == 503

    proxy.start()
    assert client.get(page).status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.post("/account/sign-in", data=CREDENTIALS).status_code == 303


def test_a_page_kept_before_flask_is_not_given_while_postgresql_is_down(proxied_site, make_listing):
    """The front cannot read the data's version: the page might be unpublished since, so Flask answers 503."""
    page = published_page(make_listing)
    site, proxy = proxied_site(KEPT_PAGES=10)
    visitor = site.test_client(use_cookies=False)
    assert visitor.get(page).status_code == 200
    assert visitor.get(page).status_code == 200  # kept before Flask

    proxy.stop()
    assert_unavailable(visitor.get(page))
    proxy.start()
    assert visitor.get(page).status_code == 200


def test_pre_ping_makes_the_first_request_after_a_restart_succeed(proxied_site, make_listing):
    """The pool holds connections from before the restart; pre-ping notices they are dead and reconnects."""
    page = published_page(make_listing)
    site, proxy = proxied_site()
    client = site.test_client()
    assert client.get(page).status_code == 200
    before = proxy.connections
    assert site.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True

    proxy.stop()  # the database restarts while nobody is asking anything
    proxy.start()
    assert client.get(page).status_code == 200
    assert proxy.connections > before  # it really did reconnect, not reuse a live connection


def test_without_pre_ping_the_first_request_after_a_restart_fails(proxied_site, make_listing):
    """Why the setting matters: without it a stale pooled connection fails the first request (still a 503)."""
    page = published_page(make_listing)
    site, proxy = proxied_site({"pool_pre_ping": False, "pool_size": 2, "max_overflow": 0, "pool_timeout": 3})
    client = site.test_client()
    assert client.get(page).status_code == 200

    proxy.stop()
    proxy.start()
    assert_unavailable(client.get(page))
    assert client.get(page).status_code == 200  # the pool threw the dead connections away


# --- an exhausted pool --------------------------------------------------------------------------


@pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2})
def test_an_exhausted_pool_answers_503_instead_of_hanging(app, make_listing):
    page = published_page(make_listing)
    db.session.remove()  # give this thread's connection back: the pool has exactly one
    holding, release = threading.Event(), threading.Event()

    def hold_the_only_connection():
        with app.app_context(), db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_only_connection)
    holder.start()
    try:
        assert holding.wait(10)
        response = answered(lambda: app.test_client().get(page))
    finally:
        release.set()
        holder.join(10)
    assert_unavailable(response)
    assert app.test_client().get(page).status_code == 200  # the connection is back: business as usual


# --- a locked SQLite database -------------------------------------------------------------------


@pytest.mark.config(SQLITE_BUSY_TIMEOUT_MS=200)
def test_a_locked_sqlite_database_answers_503_and_reads_carry_on(app, make_listing, make_user):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite locking; this pass runs on PostgreSQL")
    page = published_page(make_listing)
    make_user("owner@example.org", PASSWORD)
    db.session.remove()
    client = app.test_client()
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 200  # from the config

    with closing(sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock past the busy timeout
        try:
            assert_unavailable(answered(lambda: client.post("/account/sign-in", data=CREDENTIALS)))
            assert client.get(page).status_code == 200  # WAL: readers are not blocked by the writer
        finally:
            other.execute("ROLLBACK")

    assert client.post("/account/sign-in", data=CREDENTIALS).status_code == 303
