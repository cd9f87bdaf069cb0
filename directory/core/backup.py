"""`flask backup PATH`: a consistent copy of the live database, taken while the site keeps serving.

SQLite is copied with its online backup API (one read transaction, so the copy is a single moment even while
workers write); PostgreSQL is dumped by `pg_dump`, which reads inside one snapshot too. The file appears only
when it is complete: the copy is written beside it and renamed at the end.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess  # noqa: S404  # nosec B404
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, make_url

logger = logging.getLogger(__name__)

PG_DUMP_FORMATS = {"custom": "c", "plain": "p"}


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    size: int
    kind: str  # "SQLite copy" or "pg_dump (custom format)" ...


def backup_database(url: str, target: Path, *, force: bool = False,
                    dump_format: str = "custom") -> BackupResult:
    """Write a consistent backup of the database at `url` to `target`."""
    target = Path(target)
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give the name of the file to write.")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; choose another name or pass --force to replace it.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    parsed = make_url(url)
    partial = target.with_name(target.name + ".partial")
    try:
        if parsed.get_backend_name() == "sqlite":
            kind = backup_sqlite(parsed, partial)
        elif parsed.get_backend_name() == "postgresql":
            kind = backup_postgres(parsed, partial, dump_format)
        else:
            raise BackupError(f"No backup method for {parsed.get_backend_name()} databases.")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    size = target.stat().st_size
    logger.info("backup written: %s (%s bytes, %s)", target, size, kind)
    return BackupResult(path=target, size=size, kind=kind)


def backup_sqlite(url: URL, target: Path) -> str:
    """SQLite's online backup: every page in one step, so writers in other processes cannot tear the copy."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("Only an SQLite database in a file can be backed up.")
    source_path = Path(database)
    if not source_path.exists():
        raise BackupError(f"The database file {source_path} does not exist.")
    target.unlink(missing_ok=True)
    busy_ms = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    source = sqlite3.connect(source_path, timeout=busy_ms / 1000)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: all at once, inside one read transaction
        # The copy is a file on its own, not half of a WAL pair: fold the log in and use a rollback journal.
        copy.execute("PRAGMA journal_mode=DELETE")
        check = copy.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy the database: {error}") from error
    finally:
        copy.close()
        source.close()
    if check != "ok":
        raise BackupError(f"The copy failed its integrity check: {check}")
    return "SQLite online backup"


def pg_dump_path() -> str:
    path = shutil.which(str(current_app.config["PG_DUMP"]))
    if path is None:
        raise BackupError("pg_dump was not found. Install the PostgreSQL client of the server's version "
                          "(for example the postgresql-client package), or set PG_DUMP to its path.")
    return path


def libpq_arguments(url: URL) -> tuple[str, dict[str, str]]:
    """The connection string for --dbname without the password, and the environment that carries it."""
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    bare = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                      database=url.database, query=url.query)
    dsn = bare.render_as_string(hide_password=False)
    return dsn, environment


def backup_postgres(url: URL, target: Path, dump_format: str = "custom") -> str:
    """pg_dump reads in one snapshot. It must not be older than the server: it refuses, and we say so."""
    if dump_format not in PG_DUMP_FORMATS:
        raise BackupError(f"Unknown format {dump_format!r}; use one of {', '.join(PG_DUMP_FORMATS)}.")
    dsn, environment = libpq_arguments(url)
    command = [pg_dump_path(), "--format", PG_DUMP_FORMATS[dump_format], "--no-password",
               "--file", str(target), "--dbname", dsn]
    try:
        # An argument list, no shell; the password travels in PGPASSWORD, not on the command line.
        finished = subprocess.run(  # noqa: S603  # nosec B603
            command, env=environment, capture_output=True, text=True, timeout=6 * 3600, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise BackupError("pg_dump did not finish within six hours.") from error
    if finished.returncode != 0:
        raise BackupError(f"pg_dump failed: {finished.stderr.strip() or finished.returncode}")
    return f"pg_dump, {dump_format} format"


def human_size(size: int) -> str:
    """'812 bytes', '3.4 MB'."""
    if size < 1024:
        return f"{size:,} bytes"
    value = size / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    return f"{value:.1f} {unit}"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@click.option("--format", "dump_format", type=click.Choice(sorted(PG_DUMP_FORMATS)), default="custom",
              show_default=True, help="PostgreSQL only: custom format (for pg_restore) or plain SQL.")
@with_appcontext
def backup_command(path: Path, force: bool, dump_format: str) -> None:
    """Write a consistent copy of the live database to PATH (safe while the site is serving)."""
    try:
        result = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], path, force=force,
                                 dump_format=dump_format)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    exact = f" ({result.size:,} bytes)" if result.size >= 1024 else ""
    click.echo(f"Wrote {result.path}: {human_size(result.size)}{exact}, {result.kind}.")
