"""Database behaviour that survives several workers: SQLite pragmas and write locks, PostgreSQL health."""

from __future__ import annotations

import logging

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_sqlite(connection) -> bool:
    return type(connection).__module__.startswith(("sqlite3", "pysqlite"))


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    """WAL so readers never block the writer, real FKs. The busy timeout comes from connect_args
    (config SQLITE_BUSY_TIMEOUT_MS), so a locked database is waited for before it becomes a 503."""
    if not _is_sqlite(dbapi_connection):
        return
    # Hand transaction control to SQLAlchemy, so the 'begin' hook below decides how each one starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def wants_write_lock() -> bool:
    """Requests that may change data take SQLite's write lock up front; page views do not.

    A deferred transaction that reads and then writes can fail with SQLITE_BUSY when another worker
    wrote in between, and no busy timeout helps then. Taking the lock at BEGIN makes writers queue.
    Outside a request (commands, scripts) transactions stay deferred, so a long read never holds
    the lock; commands run one at a time.
    """
    return has_request_context() and request.method not in READ_ONLY_METHODS


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")
