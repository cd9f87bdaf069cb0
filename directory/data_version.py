"""The public data's version: a number that moves in the transaction of every change a visitor could see.

Publishing, editing, pausing, resuming, unpublishing, expiring or withdrawing a listing, suspending its owner,
an import, an answer that changes "Usually answers", new topics: each calls `bump()` before its commit, so the
new number becomes visible together with the change. Pages' ETags and the search cache's keys carry it, so
nothing cached is shown once what it was built from has changed.

Read it first in a request, before the data it stands for: a change committed in between then gives a newer
version next time, never an old page under a new version.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import BigInteger, Engine, String, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import Model, db

PUBLIC = "public"
_CACHED = "_data_version"
T = TypeVar("T")

# One statement on both databases. A missing row (an empty database) starts from the clock in microseconds,
# so a version is never met again after the table was emptied: a number cached before is never taken for
# the data of after.
_READ = "SELECT version FROM data_versions WHERE name = 'public'"  # the row PUBLIC names
_BUMP = text(
    "INSERT INTO data_versions (name, version) VALUES (:name, :start) "
    "ON CONFLICT (name) DO UPDATE SET version = data_versions.version + 1"
)


class DataVersion(Model):
    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


def bump(session: Session | None = None) -> None:
    """Move the version, in the caller's transaction (call it before the commit)."""
    session = session if session is not None else db.session()
    session.execute(_BUMP, {"name": PUBLIC, "start": time.time_ns() // 1000})
    if has_request_context():
        g.pop(_CACHED, None)


def current() -> int:
    """The version now (0 before any change); read once per request."""
    if has_request_context() and _CACHED in g:
        return int(g.get(_CACHED))
    version = _read()
    if has_request_context():
        setattr(g, _CACHED, version)
    return version


class KeptPerVersion:
    """Values read from the public data, kept in this process while the version holds: made once per use
    (a module's constant), the values live in the app's extensions under `name`. The first read under a
    new version drops everything kept for the old one; past `entries` values the oldest kept goes first."""

    def __init__(self, name: str, entries: int) -> None:
        self.name = name
        self.entries = entries
        self._lock = threading.Lock()

    def get(self, key: Hashable, read: Callable[[], T], keep: Callable[[T], bool] = lambda value: True) -> T:
        """The value kept for `key`, else `read()`'s (kept when `keep` says so)."""
        version = current()  # before the data it stands for, as everywhere
        with self._lock:
            kept: tuple[int, dict[Hashable, Any]] | None = current_app.extensions.get(self.name)
            if kept is None or kept[0] != version:
                kept = (version, {})
                current_app.extensions[self.name] = kept
            values = kept[1]
            if key in values:
                return values[key]  # type: ignore[no-any-return]
        value = read()
        if keep(value):
            with self._lock:
                if len(values) >= self.entries:
                    values.pop(next(iter(values)))
                values[key] = value
        return value


def _read() -> int:
    """Inside a transaction, the transaction's own view (it may have bumped the version itself). Otherwise
    this thread's reading connection: a page answered from memory then never opens a session at all."""
    if not (db.session.registry.has() and db.session().in_transaction()):
        version = read_from(db.engine)
        if version is not None:
            return version
    # Through the session: should the database be down, its error is the one answered with a 503.
    return int(db.session.connection().exec_driver_sql(_READ).scalar() or 0)


def read_from(engine: Engine) -> int | None:
    """The version now through this thread's reader, for code that runs before Flask (http_front); None
    when it cannot be read (Flask then answers, with its 503 if the database is down)."""
    try:
        reader = _reader(engine)
        return reader.read() if reader is not None else None
    except Exception:  # noqa: BLE001 - the server went away or the file was replaced
        reader = _READERS.__dict__.pop("reader", None)
        if reader is not None:
            _forget(reader)
        return None


class _Reader:
    """A connection that only reads the version, in autocommit: each read sees the latest commit and holds
    no transaction open between requests. Taken out of the engine's pool (its connect hooks ran), so the
    pool keeps its full size for sessions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.process = os.getpid()
        pooled = engine.raw_connection()
        try:
            if engine.dialect.name == "postgresql":
                pooled.driver_connection.autocommit = True  # type: ignore[union-attr]
            # SQLite's connect hook already hands transactions to the caller: a lone SELECT commits itself.
            pooled.detach()
        except Exception:
            pooled.invalidate()
            raise
        self.connection: Any = pooled
        self.closed = False

    def read(self) -> int:
        cursor = self.connection.cursor()
        try:
            cursor.execute(_READ)
            rows = cursor.fetchall()  # to the end: SQLite holds a read open until a statement is done
        finally:
            cursor.close()
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(Exception):  # a connection that is already broken
            self.connection.close()


_READERS = threading.local()
# Every thread's reader by engine, so an engine's disposal (a new app, the end of a test run) closes them.
_OPEN: dict[int, set[_Reader]] = {}
_OPEN_LOCK = threading.Lock()


def _reader(engine: Engine) -> _Reader | None:
    """This thread's reader for `engine`: made again after a fork (a connection is never shared between
    processes) or for another app's engine. None for an in-memory SQLite database, which only the
    session's own connection can see."""
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return None
    reader: _Reader | None = getattr(_READERS, "reader", None)
    if reader is not None and not reader.closed and reader.engine is engine and reader.process == os.getpid():
        return reader
    if reader is not None and reader.process == os.getpid():
        _forget(reader)
    reader = _Reader(engine)
    _READERS.reader = reader
    with _OPEN_LOCK:
        if not event.contains(engine, "engine_disposed", _close_readers):
            event.listen(engine, "engine_disposed", _close_readers)
        _OPEN.setdefault(id(engine), set()).add(reader)
    return reader


def _forget(reader: _Reader) -> None:
    with _OPEN_LOCK:
        _OPEN.get(id(reader.engine), set()).discard(reader)
    reader.close()


def _close_readers(engine: Engine) -> None:
    with _OPEN_LOCK:
        readers = _OPEN.pop(id(engine), set())
    for reader in readers:
        if reader.process == os.getpid():
            reader.close()
