"""Statements on the hot path (the search's, its cards', the postal-code lookup), compiled once and run
through the driver's own SQL.

Running a Core statement costs SQLAlchemy some 50 to 100 µs besides the database's own time: the compiled
form looked up by the statement's key, every parameter built and the lists expanded, a Row made per row
through the result's processors. A search runs half a dozen of them. Here each statement keeps, per
database and per length of each list it expands, the SQL and the order its values go in (as SQLAlchemy's
`construct_expanded_state` gives them); a run binds the values in that order, sends the SQL with
`Connection.exec_driver_sql` (in the session's transaction; SQLAlchemy's events and logging see it as any
other statement) and converts only the columns whose type needs it, as SQLAlchemy would (SQLite's dates
and booleans are text and integers in the driver).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Expanded:
    """The statement's SQL for one length of each list it expands, and where each parameter comes from
    (`plan`, in the driver's order): the caller's value `name` (its `index`th element for a list the
    statement expands), or, when `name` is None, the statement's own value, converted already. Positional
    drivers (SQLite's) take them in order, the others (PostgreSQL's) by `names`."""

    sql: str
    positional: bool
    names: tuple[str, ...]
    plan: tuple[tuple[str | None, int | None, Any], ...]
    converted: tuple[tuple[int, Processor], ...]  # the positions whose values the database's type converts

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        bound = [constant if name is None else values[name] if index is None else values[name][index]
                 for name, index, constant in self.plan]
        for position, convert in self.converted:
            if bound[position] is not None:
                bound[position] = convert(bound[position])
        return tuple(bound) if self.positional else dict(zip(self.names, bound, strict=True))


@dataclass
class Prepared:
    """A statement compiled for one database; its SQL per length of each list it expands is made on the
    first run that asks it."""

    compiled: SQLCompiler
    row: type[tuple[Any, ...]]
    expanding: tuple[str, ...]
    # The binds with a value of their own, which a caller may give another (a literal's, most often).
    optional: tuple[str, ...]
    bind_processors: dict[str, Processor | None]
    expanded: dict[tuple[Any, ...], _Expanded] = field(default_factory=dict)
    # (column, conversion) for each column SQLAlchemy converts; set on the first run, from the cursor.
    converted_columns: tuple[tuple[int, Processor], ...] | None = None

    def expand(self, values: Mapping[str, Any]) -> _Expanded:
        key = (*(len(values[name]) for name in self.expanding), *(name in values for name in self.optional))
        found = self.expanded.get(key)
        if found is None:
            found = self.expanded[key] = self._expanded(values)
        return found

    def _expanded(self, values: Mapping[str, Any]) -> _Expanded:
        state = self.compiled.construct_expanded_state(dict(values))
        element_of = {expanded: (name, index) for name, names in state.parameter_expansion.items()
                      for index, expanded in enumerate(names)}
        names = tuple(state.positiontup if state.positiontup is not None else state.parameters)
        plan: list[tuple[str | None, int | None, Any]] = []
        converted = []
        for position, name in enumerate(names):
            original, index = element_of.get(name, (name, None))
            convert = self.bind_processors.get(original)
            if original in values:
                plan.append((original, index, None))
                if convert is not None:
                    converted.append((position, convert))
            else:
                constant = state.parameters[name]
                plan.append((None, None, convert(constant) if convert and constant is not None else constant))
        return _Expanded(state.statement, state.positiontup is not None, names, tuple(plan), tuple(converted))


def rows(connection: Connection, statement: Select[Any], values: Mapping[str, Any]) -> list[Any]:
    """The statement's rows as named tuples (read as SQLAlchemy's Rows are: by column name or position)."""
    prepared = _prepared(statement, connection.dialect)
    expanded = prepared.expand(values)
    result = connection.exec_driver_sql(expanded.sql, expanded.parameters(values))
    try:
        fetched = result.cursor.fetchall() if result.cursor is not None else []
        converted = prepared.converted_columns
        if converted is None:
            description = result.cursor.description if result.cursor is not None else None
            converted = prepared.converted_columns = tuple(
                (column, convert) for column, convert in enumerate(
                    _result_processors(statement, connection.dialect, description)) if convert is not None)
    finally:
        result.close()
    make = prepared.row._make  # type: ignore[attr-defined]
    if not converted:
        return [make(row) for row in fetched]
    made = []
    for row in fetched:
        read = list(row)
        for column, convert in converted:
            if read[column] is not None:
                read[column] = convert(read[column])
        made.append(make(read))
    return made


@lru_cache(maxsize=512)
def _prepared(statement: Select[Any], dialect: Dialect) -> Prepared:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)  # noqa: S101  # nosec B101 - a Select compiles to SQL
    if compiled.escaped_bind_names:
        # The driver would get them under other names than the caller's: each would be taken for a constant.
        escaped = sorted(compiled.escaped_bind_names)
        raise ValueError(f"bind names the driver cannot take as they are: {escaped}")
    processors: dict[str, Processor | None] = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect)
        for bind, name in compiled.bind_names.items()}
    expanding = tuple(sorted({name for bind, name in compiled.bind_names.items() if bind.expanding}))
    optional = tuple(sorted({name for bind, name in compiled.bind_names.items() if not bind.required}))
    return Prepared(compiled, row_type(tuple(statement.selected_columns.keys())), expanding, optional,
                    processors)


@lru_cache(maxsize=512)
def row_type(columns: tuple[str, ...]) -> type[tuple[Any, ...]]:
    """A named tuple for rows of these columns, which pickles (kept search results hold some) as its
    columns and values."""
    named = namedtuple("Row", columns, rename=True)  # type: ignore[misc]

    def __reduce__(row: tuple[Any, ...]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return _row, (columns, tuple(row))

    return type("Row", (named,), {"__slots__": (), "__reduce__": __reduce__})


def _row(columns: tuple[str, ...], values: tuple[Any, ...]) -> tuple[Any, ...]:
    return row_type(columns)._make(values)  # type: ignore[attr-defined,no-any-return]


def _result_processors(statement: Select[Any], dialect: Dialect,
                       description: Sequence[Sequence[Any]] | None) -> tuple[Processor | None, ...]:
    """Each column's conversion, chosen as SQLAlchemy chooses it: by its type and the driver's own type
    for the column (in the cursor's description)."""
    columns = list(statement.selected_columns)
    kinds = [entry[1] for entry in description] if description else [None] * len(columns)
    return tuple(column.type.dialect_impl(dialect).result_processor(dialect, kind)
                 for column, kind in zip(columns, kinds, strict=True))
