"""Statements run through the driver give what SQLAlchemy gives for the same statement."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import DateTime, Float, bindparam, literal, select

from directory import driver
from directory.extensions import db
from directory.listings.models import FORMAT_HYBRID, FORMAT_IN_PERSON, FORMAT_ONLINE, Listing
from tests.support import statements_run

# Confirmation times on a second boundary and off it: SQLite keeps them as text, which compares as text.
CONFIRMED = [datetime(2026, 3, 1, 9, 30), datetime(2026, 3, 1, 9, 30, 0, 250_000),
             datetime(2026, 3, 2, 18, 0, 59, 999_999), None]
FORMATS = [FORMAT_IN_PERSON, FORMAT_ONLINE, FORMAT_HYBRID]

STATEMENT = (
    select(Listing.id, Listing.name, Listing.last_confirmed_at,
           (Listing.format == FORMAT_HYBRID).label("hybrid"),
           (Listing.latitude * bindparam("scale", type_=Float)).label("scaled"),
           literal("fixed").label("fixed"),
           (Listing.last_confirmed_at != literal(CONFIRMED[0], DateTime)).label("another_time"))
    .where(Listing.id.in_(bindparam("ids", expanding=True)),
           Listing.format.in_(bindparam("formats", expanding=True)),
           Listing.last_confirmed_at > bindparam("after"))
    .order_by(Listing.id)
    .limit(bindparam("limit"))
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(chosen=st.lists(st.integers(0, 11), max_size=14),
       formats=st.lists(st.sampled_from(FORMATS), max_size=3), after=st.sampled_from(CONFIRMED[:3]),
       earlier=st.booleans(), limit=st.integers(0, 13))
def test_rows_through_the_driver_are_sqlalchemys(make_listing, chosen, formats, after, earlier, limit):
    if not Listing.query.count():
        for number in range(12):
            make_listing(name=f"Listing {number}", format=FORMATS[number % 3],
                         last_confirmed_at=CONFIRMED[number % 4], latitude=40 + number / 7)
        db.session.commit()
    ids = [row[0] for row in db.session.execute(select(Listing.id).order_by(Listing.id))]
    values = {"ids": [ids[index] for index in chosen], "formats": formats, "limit": limit, "scale": 0.5,
              "after": after - timedelta(microseconds=1) if earlier else after}
    connection = db.session.connection()
    expected = [tuple(row) for row in connection.execute(STATEMENT, values).all()]
    with statements_run() as seen:
        found = driver.rows(connection, STATEMENT, values)
    assert [tuple(row) for row in found] == expected
    assert [tuple(map(type, row)) for row in found] == [tuple(map(type, row)) for row in expected]
    assert [(row.id, row.last_confirmed_at, row.hybrid) for row in found] == [
        (row[0], row[2], row[3]) for row in expected]
    assert len(seen) == 1  # SQLAlchemy's events see the statement as any other
    kept = pickle.loads(pickle.dumps(found))  # noqa: S301 - our own bytes (kept search results are pickled)
    assert kept == found and [row.hybrid for row in kept] == [row.hybrid for row in found]


def test_a_bind_with_a_value_of_its_own_takes_the_callers_when_given(make_listing):
    for number in range(4):
        make_listing(latitude=40 + number)
    db.session.commit()
    statement = select(Listing.latitude).where(Listing.latitude > bindparam("above", value=40.5, type_=Float))
    connection = db.session.connection()
    for values in ({}, {"above": 41.5}, {}, {"above": 39.0}):
        expected = [tuple(row) for row in connection.execute(statement, values).all()]
        assert [tuple(row) for row in driver.rows(connection, statement, values)] == expected, values


def test_a_name_the_driver_would_take_otherwise_is_refused(app_context):
    statement = select(Listing.id).where(Listing.name == bindparam("name.typed"))
    with pytest.raises(ValueError, match="name.typed"):
        driver.rows(db.session.connection(), statement, {"name.typed": "x"})
