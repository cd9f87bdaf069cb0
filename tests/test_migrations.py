"""The migrations: each revision stands alone, and an empty database upgraded to head holds exactly the
models plus the declared extras (directory/schema_extras.py), on SQLite and on PostgreSQL.

Each test starts from an empty database of its own: a SQLite file, or a scratch PostgreSQL database
beside TEST_DATABASE_URL's (created and dropped here, so the session's database is left alone).
"""

from __future__ import annotations

import ast
import os
import warnings

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from directory import create_app
from directory.config import normalise_database_url
from directory.extensions import db
from directory.schema_extras import EXTRAS, is_extra

from .conftest import base_config
from .support import PROJECT_ROOT, missing

MIGRATIONS = PROJECT_ROOT / "directory" / "migrations"


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    return [script.revision for script in reversed(list(ScriptDirectory(str(MIGRATIONS)).walk_revisions()))]


def test_revisions_hold_their_own_sql():
    """A revision that imports the project's code changes whenever that code does; each must stand alone."""
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                modules = [("." * node.level) + (node.module or "")]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] in ("alembic", "sqlalchemy"), f"{path.name} imports {module}"


@pytest.fixture
def empty_database(tmp_path):
    """The URL of an empty database that only this test uses."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    scratch = make_url(normalise_database_url(url))
    scratch = scratch.set(database=f"{scratch.database}_migrations")
    server = create_engine(scratch.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)')
    try:
        with server.connect() as connection:
            connection.execute(drop)
            connection.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    except Exception as error:  # noqa: BLE001 - report any refusal the same way
        server.dispose()
        missing(f"cannot create a scratch PostgreSQL database: {error.__class__.__name__}")
    try:
        yield scratch.render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(drop)
        server.dispose()


@pytest.fixture
def migrated(empty_database, tmp_path):
    """An app on the empty database, in its context; the test runs the migrations."""
    application = create_app(base_config(empty_database, str(tmp_path / "instance")))
    with application.app_context():
        yield application
        db.engine.dispose()


def schema() -> dict[str, dict]:
    """Everything the database holds that a migration may build, each object with its definition
    (Alembic's own table left out)."""
    with db.engine.connect() as connection:
        found = (_sqlite_schema if connection.dialect.name == "sqlite" else _postgres_schema)(connection)
    # Each object but a function is (its table, its definition...).
    return {kind: {name: value for name, value in objects.items()
                   if kind == "functions" or value[0] != "alembic_version"}
            for kind, objects in found.items()}


def _sqlite_schema(connection) -> dict[str, dict]:
    objects = connection.execute(text(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    )).all()
    tables = {name: (name, sql) for kind, name, _, sql in objects if kind == "table"}
    columns = {}
    for table in tables:
        for name, *details in connection.execute(text(
            'SELECT name, type, "notnull", dflt_value, hidden FROM pragma_table_xinfo(:table)'
        ), {"table": table}):
            columns[f"{table}.{name}"] = (table, *details)
    return {
        "tables": tables,
        "columns": columns,
        "indexes": {name: (table, sql) for kind, name, table, sql in objects if kind == "index"},
        "triggers": {name: (table, sql) for kind, name, table, sql in objects if kind == "trigger"},
        "functions": {},
        "constraints": {},
    }


def _postgres_schema(connection) -> dict[str, dict]:
    """Read from the catalog of the current schema. Extensions are left out: the one the migrations
    install stays when they are undone (a database owner may have installed it, other objects may use it)."""
    rows = connection.execute
    return {
        "tables": {name: (name, None) for (name,) in rows(text(
            "SELECT relname FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = current_schema()::regnamespace"
        ))},
        "columns": {f"{table}.{column}": (table, *details) for table, column, *details in rows(text(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
            "a.attgenerated, pg_get_expr(d.adbin, d.adrelid) "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE c.relkind = 'r' "
            "AND c.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped"
        ))},
        "indexes": {name: (table, definition) for name, table, definition in rows(text(
            "SELECT i.relname, t.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i "
            "ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relnamespace = current_schema()::regnamespace"
        ))},
        "triggers": {name: (table, definition) for name, table, definition in rows(text(
            "SELECT g.tgname, t.relname, pg_get_triggerdef(g.oid) FROM pg_trigger g JOIN pg_class t "
            "ON t.oid = g.tgrelid WHERE NOT g.tgisinternal "
            "AND t.relnamespace = current_schema()::regnamespace"
        ))},
        # Functions of the schema that no extension owns.
        "functions": dict(rows(text(
            "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
            "WHERE p.pronamespace = current_schema()::regnamespace AND NOT EXISTS "
            "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        )).all()),
        "constraints": {name: (table, definition) for name, table, definition in rows(text(
            "SELECT k.conname, t.relname, pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class t "
            "ON t.oid = k.conrelid WHERE t.relnamespace = current_schema()::regnamespace"
        ))},
    }


def changes(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """What differs between two schemas, by object: readable where a whole dump would not be."""
    found = []
    for kind in before.keys() | after.keys():
        old, new = before.get(kind, {}), after.get(kind, {})
        found += [f"{kind} {name}: {old.get(name)!r} -> {new.get(name)!r}"
                  for name in sorted(old.keys() | new.keys()) if old.get(name) != new.get(name)]
    return found


def extensions() -> set[str]:
    with db.engine.connect() as connection:
        return set(connection.scalars(text("SELECT extname FROM pg_extension")))


def differences_from_models() -> list:
    """What Alembic's comparison finds between the database and the models, the declared extras aside."""
    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLAlchemy reads no index on an expression from SQLite (such indexes are extras, checked below).
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        context = MigrationContext.configure(
            connection, opts={"include_name": lambda name, type_, parents: not is_extra(name)})
        return compare_metadata(context, db.metadata)


def assert_models_plus_extras(found: dict[str, dict]) -> None:
    """The schema holds the models' tables, columns and indexes plus the declared extras, and nothing else."""
    dialect = db.engine.dialect.name
    extras = EXTRAS[dialect]
    assert differences_from_models() == []
    assert set(found["tables"]) == {*db.metadata.tables, *extras.tables}
    columns = {f"{table.name}.{column.name}" for table in db.metadata.tables.values()
               for column in table.columns}
    columns |= {f"{table}.{column}" for kind in (extras.columns, extras.kept_columns)
                for table, names in kind.items() for column in names}
    assert {name for name, (table, *_) in found["columns"].items() if table not in extras.tables} == columns
    # Indexes the models declare, the extras, and those PostgreSQL makes for keys and unique constraints.
    made_for_keys = set(found["indexes"]) & set(found["constraints"])
    declared = {index.name for table in db.metadata.tables.values() for index in table.indexes}
    assert set(found["indexes"]) - made_for_keys == declared | set(extras.indexes)
    assert {name: table for name, (table, _) in found["triggers"].items()} == dict(extras.triggers)
    assert set(found["functions"]) == set(extras.functions)
    for table, columns in extras.columns.items():
        for column, type_name in columns.items():
            details = found["columns"][f"{table}.{column}"]
            if dialect == "sqlite":  # (table, type, not null, default, hidden): 2, a virtual generated column
                assert (details[1], details[4]) == (type_name, 2), f"{table}.{column}: a virtual {type_name}"
                continue
            _, type_found, _, generated, _ = details
            assert (type_found, generated) == (type_name, "s"), f"{table}.{column} is a stored {type_name}"
    for table, columns in extras.kept_columns.items():
        for column, type_name in columns.items():
            _, type_found, _, generated, _ = found["columns"][f"{table}.{column}"]
            assert (type_found, generated) == (type_name, ""), f"{table}.{column} is a plain {type_name}"
    for name, index in extras.indexes.items():
        table, definition = found["indexes"][name]
        assert table == index.table, name
        using = f" USING {index.method}" if index.method else ""
        assert f"{using} ({', '.join(index.columns)})" in definition, definition
        assert (" WHERE " in definition) == index.partial, definition
    if extras.extensions:
        assert extras.extensions <= extensions()


def test_base_to_head_builds_the_models_and_the_declared_extras_and_undoes_them(migrated):
    flask_migrate.upgrade()
    at_head = schema()
    assert_models_plus_extras(at_head)

    flask_migrate.downgrade(revision="base")
    assert all(objects == {} for objects in schema().values())

    flask_migrate.upgrade()
    assert changes(at_head, schema()) == []


def test_each_revision_undone_leaves_what_was_there_before_it(migrated):
    """Upgrade one revision at a time; after each, undo it and redo it: the schema must be what it was."""
    before = schema()
    previous = "base"
    for revision in revisions():
        flask_migrate.upgrade(revision=revision)
        after = schema()
        flask_migrate.downgrade(revision=previous)
        assert changes(before, schema()) == [], f"downgrading {revision} does not restore {previous}"
        flask_migrate.upgrade(revision=revision)
        assert changes(after, schema()) == [], f"{revision} upgrades differently the second time"
        before, previous = after, revision
