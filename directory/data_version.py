"""The public data's version: a number that moves in the transaction of every change a visitor could see.

Publishing, editing, pausing, resuming, unpublishing, expiring or withdrawing a listing, suspending its owner,
an import, an answer that changes "Usually answers", new topics: each calls `bump()` before its commit, so the
new number becomes visible together with the change. Pages' ETags and the search cache's keys carry it, so
nothing cached is shown once what it was built from has changed.

Read it first in a request, before the data it stands for: a change committed in between then gives a newer
version next time, never an old page under a new version.
"""

from __future__ import annotations

import time

from flask import g, has_request_context
from sqlalchemy import BigInteger, String, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import Model, db

PUBLIC = "public"
_CACHED = "_data_version"

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
    # Asked on every public page, often alone (an answer kept in memory): plain SQL, no ORM statement.
    value = db.session.connection().exec_driver_sql(_READ).scalar()
    version = int(value or 0)
    if has_request_context():
        setattr(g, _CACHED, version)
    return version
