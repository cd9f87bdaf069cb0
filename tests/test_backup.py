"""`flask backup PATH`: a backup restores to every row, even when it was taken while someone was writing.

SQLite: the copy is opened as a database of its own. PostgreSQL: the dump is restored with pg_restore into a
scratch database made for the test (and dropped after), then compared with the live one.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_restore / pg_dump with argument lists
import threading
import uuid
from contextlib import closing, contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select, text, update
from sqlalchemy.engine import make_url

from directory.contact.models import ContactMessage
from directory.core.backup import libpq_arguments
from directory.extensions import db
from directory.listings.models import Listing

from .support import missing

SKIPPED_TABLES = {"places"}  # the gazetteer: kept between tests, as big as the data file; counted, not hashed


# --- what "the same data" means ----------------------------------------------------------------


def _plain(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return repr(float(value))
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def fingerprint(engine) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row, per table, in primary-key order."""
    result = {}
    with engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            count = connection.scalar(select(func.count()).select_from(table))
            digest = hashlib.sha256()
            if table.name not in SKIPPED_TABLES:
                order = list(table.primary_key.columns) or list(table.columns)
                for row in connection.execute(select(table).order_by(*order)):
                    digest.update(repr(tuple(_plain(value) for value in row)).encode())
            result[table.name] = (count, digest.hexdigest())
    return result


def write_one(connection, listing_id: int, number: int) -> None:
    """One contact: the message row and the listing's counter, in one transaction (as the site does)."""
    connection.execute(insert(ContactMessage).values(
        listing_id=listing_id, sender_name="Sam", sender_email="sam@example.org", how_to_reach="",
        message=f"message {number}", created_at=datetime(2024, 1, 1),
    ))
    connection.execute(update(Listing).where(Listing.id == listing_id)
                       .values(contact_count=Listing.contact_count + 1))


def assert_counters_match_messages(engine) -> None:
    """The consistency a torn copy breaks: each listing's counter equals its kept messages."""
    with engine.connect() as connection:
        counted = dict(connection.execute(select(Listing.id, Listing.contact_count)).all())
        kept = dict(connection.execute(
            select(ContactMessage.listing_id, func.count()).group_by(ContactMessage.listing_id)).all())
    assert counted and all(counted[listing] == kept.get(listing, 0) for listing in counted), (counted, kept)


@pytest.fixture
def site_data(app, make_user, make_listing):
    """A few of every kind of row the site keeps."""
    owner = make_user("owner@example.org")
    make_user("admin@example.org", admin=True)
    listings = [make_listing(owner, topics=("grief", "fatherhood")), make_listing(owner, kind="mentor"),
                make_listing(status="draft", name="A draft, with ünïcödé and 'quotes'")]
    with db.engine.begin() as connection:
        for number in range(12):
            write_one(connection, listings[number % 2].id, number)
    db.session.commit()
    return [listing.id for listing in listings]


@contextmanager
def a_writer_running(app, listing_ids: list[int]):
    """Another client writing contacts, one transaction after another, until the block ends."""
    stop, started = threading.Event(), threading.Event()
    done: list[int] = []
    errors: list[BaseException] = []

    def work():
        try:
            with app.app_context():
                number = 1000
                while not stop.is_set():
                    with db.engine.begin() as connection:
                        write_one(connection, listing_ids[number % len(listing_ids)], number)
                    done.append(number)
                    number += 1
                    if len(done) >= 5:
                        started.set()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            started.set()

    writer = threading.Thread(target=work)
    writer.start()
    assert started.wait(30)
    try:
        yield done
    finally:
        stop.set()
        writer.join(30)
    assert not errors, errors
    assert not writer.is_alive()


def run_backup(runner, path: Path, *extra: str):
    result = runner.invoke(args=["backup", str(path), *extra])
    assert result.exit_code == 0, result.output
    assert str(path) in result.output and re.search(r"\d+(\.\d)? (bytes|KB|MB)", result.output)
    return result


# --- restoring ------------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} not found (apt-get install postgresql-client)")
    return path


def check_pg_dump_matches_server() -> None:
    """pg_dump refuses a newer server: on a machine without a matching one, skip and say why."""
    output = subprocess.run([pg_tool("pg_dump"), "--version"], capture_output=True, text=True,  # noqa: S603
                            check=True).stdout
    client_major = int(re.search(r"\)\s*(\d+)", output).group(1))  # "pg_dump (PostgreSQL) 15.20 (Debian ...)"
    server_major = int(db.session.scalar(text("SHOW server_version_num"))) // 10000
    db.session.rollback()
    if client_major < server_major:
        missing(f"pg_dump {client_major} is older than the PostgreSQL {server_major} server")


@contextmanager
def restored(backup: Path):
    """An engine on a database restored from `backup`: the SQLite file itself, or a scratch PostgreSQL one."""
    live = db.engine.url
    if live.get_backend_name() == "sqlite":
        engine = create_engine(f"sqlite:///{backup}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    name = f"{live.database}_restore_{uuid.uuid4().hex[:8]}"
    server = create_engine(live.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = live.set(database=name)
    engine = create_engine(scratch)
    try:
        dsn, environment = libpq_arguments(scratch)
        finished = subprocess.run(  # noqa: S603 - an argument list, no shell
            [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", dsn,
             str(backup)], env=environment, capture_output=True, text=True, check=False,
        )
        assert finished.returncode == 0, finished.stderr
        yield engine
    finally:
        engine.dispose()
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def backup_tools(app):
    if db.engine.dialect.name == "postgresql":
        pg_tool("pg_restore")
        check_pg_dump_matches_server()


# --- the tests ------------------------------------------------------------------------------------


def test_a_backup_restores_to_every_row(app, runner, site_data, backup_tools, tmp_path):
    path = tmp_path / "site.backup"
    run_backup(runner, path)
    live = fingerprint(db.engine)
    assert live["listings"][0] == 3 and live["contact_messages"][0] == 12 and live["users"][0] == 2
    with restored(path) as copy:
        assert fingerprint(copy) == live
        assert_counters_match_messages(copy)


def test_a_backup_taken_while_someone_writes_is_one_consistent_moment(app, runner, site_data, backup_tools,
                                                                     tmp_path):
    path = tmp_path / "busy.backup"
    before = db.session.scalar(select(func.count()).select_from(ContactMessage))
    db.session.rollback()
    with a_writer_running(app, site_data) as written:
        at_start = len(written)
        run_backup(runner, path)
        # keep writing a little after the copy, so the live database moves on past it
        while len(written) < at_start + 5:
            threading.Event().wait(0.01)
    after = db.session.scalar(select(func.count()).select_from(ContactMessage))
    with db.engine.connect() as connection:
        live_messages = set(connection.execute(select(ContactMessage.id, ContactMessage.message)).all())
    with restored(path) as copy:
        assert_counters_match_messages(copy)  # no message without its count, no count without its message
        with copy.connect() as connection:
            copied = set(connection.execute(select(ContactMessage.id, ContactMessage.message)).all())
    assert before + at_start <= len(copied) < after  # taken mid-stream, with everything committed before it
    assert copied <= live_messages  # every copied row is exactly a row of the live database


def test_sqlite_copy_stands_alone(app, runner, site_data, tmp_path):
    """The copy is one file in rollback-journal mode: it can be moved away from the -wal it came beside."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite file format; this pass runs on PostgreSQL")
    path = tmp_path / "copy.sqlite3"
    run_backup(runner, path)
    moved = tmp_path / "elsewhere" / "moved.sqlite3"
    moved.parent.mkdir()
    path.rename(moved)
    with closing(sqlite3.connect(moved)) as connection:  # plain sqlite3: the site's engines switch WAL on
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    engine = create_engine(f"sqlite:///{moved}")
    try:
        assert fingerprint(engine) == fingerprint(db.engine)
    finally:
        engine.dispose()


def test_an_existing_file_is_kept_unless_forced(app, runner, site_data, backup_tools, tmp_path):
    path = tmp_path / "site.backup"
    path.write_text("yesterday's backup")
    refused = runner.invoke(args=["backup", str(path)])
    assert refused.exit_code != 0
    assert "already exists" in refused.output and "--force" in refused.output
    assert path.read_text() == "yesterday's backup"
    assert not list(tmp_path.glob("*.partial"))

    run_backup(runner, path, "--force")
    with restored(path) as copy:
        assert fingerprint(copy) == fingerprint(db.engine)


def test_a_folder_or_a_missing_folder_is_refused(app, runner, tmp_path):
    folder = runner.invoke(args=["backup", str(tmp_path)])
    assert folder.exit_code != 0 and "is a directory" in folder.output
    nowhere = runner.invoke(args=["backup", str(tmp_path / "no" / "such.backup")])
    assert nowhere.exit_code != 0 and "does not exist" in nowhere.output


def test_pg_dump_gets_no_password_on_its_command_line(monkeypatch, tmp_path, app):
    """The password travels in PGPASSWORD, where other users of the machine can't read it from `ps`."""
    from directory.core import backup

    seen = {}

    def fake_run(command, env, **_kwargs):
        seen.update(command=command, env=env)
        Path(command[command.index("--file") + 1]).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    monkeypatch.setattr(backup, "pg_dump_path", lambda: "/usr/bin/pg_dump")
    url = "postgresql+psycopg://backup:s3cret%2Fpw@db.example:6543/directory?sslmode=require"
    result = backup.backup_database(url, tmp_path / "dump.pgc")
    assert result.size == 5 and (tmp_path / "dump.pgc").read_bytes() == b"PGDMP"
    assert seen["env"]["PGPASSWORD"] == "s3cret/pw"
    assert not any("s3cret" in part for part in seen["command"])
    dsn = seen["command"][seen["command"].index("--dbname") + 1]
    parsed = make_url(dsn)
    assert (parsed.drivername, parsed.username, parsed.host, parsed.port, parsed.database) == (
        "postgresql", "backup", "db.example", 6543, "directory")
    assert parsed.query == {"sslmode": "require"}
    assert seen["command"][seen["command"].index("--format") + 1] == "c"


def test_a_failing_pg_dump_is_reported_and_leaves_no_file(monkeypatch, tmp_path, app):
    from directory.core import backup

    def fake_run(command, **_kwargs):
        Path(command[command.index("--file") + 1]).write_bytes(b"half")
        return subprocess.CompletedProcess(command, 1, "", "pg_dump: error: server version mismatch")

    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    monkeypatch.setattr(backup, "pg_dump_path", lambda: "/usr/bin/pg_dump")
    with pytest.raises(backup.BackupError, match="server version mismatch"):
        backup.backup_database("postgresql+psycopg://postgres@127.0.0.1/directory", tmp_path / "dump.pgc")
    assert list(tmp_path.iterdir()) == []


def test_pg_dump_missing_is_a_clear_message(monkeypatch, app):
    from directory.core import backup

    monkeypatch.setitem(app.config, "PG_DUMP", "no-such-pg-dump-here")
    with app.app_context(), pytest.raises(backup.BackupError, match="pg_dump was not found"):
        backup.pg_dump_path()
