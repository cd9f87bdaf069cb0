"""Database behaviour that survives several workers: SQLite pragmas and write locks, PostgreSQL health."""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeGuard, cast

from flask import has_request_context, request
from sqlalchemy import CursorResult, Result, event, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.pool import ConnectionPoolEntry

from .extensions import db

logger = logging.getLogger(__name__)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# How much of an SQLite database file each connection reads through a memory map: address space shared
# with the operating system's page cache, not memory of the process's own. At a million listings a
# keyword search's scattered row reads took a third less time this way than through SQLite's own
# 2 MB page cache per connection.
SQLITE_MMAP_BYTES = 1 << 30


def _is_sqlite(connection: object) -> TypeGuard[sqlite3.Connection]:
    """A connection of the sqlite3 module (or of pysqlite, which has the same interface)."""
    return type(connection).__module__.startswith(("sqlite3", "pysqlite"))


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
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
    # Temporary tables (the search's keyword matches) stay in memory, never in a file.
    cursor.execute("PRAGMA temp_store=MEMORY")
    # Pages read through a memory map, not copied into each connection's small page cache: a search
    # reads scattered rows of a large table (see SQLITE_MMAP_BYTES).
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()
    _ensure_math_functions(dbapi_connection)


# The SQL functions the search measures distances with. SQLite has them built in when compiled with
# SQLITE_ENABLE_MATH_FUNCTIONS (most builds); otherwise Python's own stand in, with the same results.
MATH_FUNCTIONS: dict[str, Callable[..., float]] = {"sin": math.sin, "cos": math.cos, "asin": math.asin,
                                                   "sqrt": math.sqrt, "trunc": math.trunc, "power": math.pow}


def _ensure_math_functions(dbapi_connection: sqlite3.Connection) -> None:
    try:
        dbapi_connection.execute("SELECT sin(0), cos(0), asin(0), sqrt(1), trunc(1.5), power(2, 2)")
    except sqlite3.OperationalError:
        for name, function in MATH_FUNCTIONS.items():
            arguments = 2 if name == "power" else 1
            dbapi_connection.create_function(name, arguments, _null_safe(function), deterministic=True)


def _null_safe(function: Callable[..., float]) -> Callable[..., float | None]:
    def call(*arguments: float | None) -> float | None:
        return None if any(argument is None for argument in arguments) else function(*arguments)
    return call


# The commit point. A service that changes data ends with `commit()`: one transaction per service call,
# committed before it sends mail, so a mail server that is slow never holds SQLite's write lock and a
# failed mail never undoes what was decided. Views and commands never commit or roll back. A service
# built from other services (deleting a person's data) runs them in `one_transaction()`: their commits
# become flushes, the block commits once, and an error anywhere in it undoes them all.
_NESTING = "directory.one_transaction"


def commit(session: Session | None = None) -> None:
    """End a service's work: commit, or inside `one_transaction` send it to the database and wait."""
    session = session if session is not None else db.session()
    if session.info.get(_NESTING):
        session.flush()
    else:
        session.commit()


@contextmanager
def one_transaction(session: Session | None = None) -> Iterator[None]:
    """Run several services as one transaction: all of it is saved at the end of the block, or none."""
    session = session if session is not None else db.session()
    outermost = not session.info.get(_NESTING)
    session.info[_NESTING] = session.info.get(_NESTING, 0) + 1
    try:
        yield
    except BaseException:
        if outermost:
            session.rollback()
        raise
    finally:
        session.info[_NESTING] -= 1
    if outermost:
        session.commit()


def count_by(column: InstrumentedAttribute[Any], values: list[Any]) -> dict[Any, int]:
    """value -> how many rows have it in `column`, for these values (those with none are left out)."""
    if not values:
        return {}
    rows = db.session.execute(select(column, func.count()).where(column.in_(values)).group_by(column))
    return {value: count for value, count in rows}


def ping() -> None:
    """One round trip: raises when the database does not answer (the health check's 503)."""
    db.session.execute(text("SELECT 1"))


def wants_write_lock() -> bool:
    """Requests that may change data take SQLite's write lock up front; page views do not.

    A deferred transaction that reads and then writes can fail with SQLITE_BUSY when another worker
    wrote in between, and no busy timeout helps then. Taking the lock at BEGIN makes writers queue.
    Outside a request (commands, scripts) transactions stay deferred, so a long read never holds
    the lock; commands run one at a time.
    """
    return has_request_context() and request.method not in READ_ONLY_METHODS


def rows_matched(result: Result[Any]) -> int:
    """The rows an INSERT, UPDATE or DELETE statement wrote or matched. Session.execute returns a
    CursorResult for these, though its signature says only Result."""
    return cast(CursorResult[Any], result).rowcount


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection: Connection) -> None:
    # An AUTOCOMMIT connection (ANALYZE, VACUUM) must not be wrapped in a transaction nobody commits.
    autocommit = connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    if connection.dialect.name != "sqlite" or autocommit:
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")
