"""Property tests: arbitrary text in the listing form and in every search parameter.

The listing form either keeps exactly what was typed (read back from the database, after the
documented clean-up: trimmed, contact e-mail in lower case) or refuses it with a message next to the
field, saving nothing. The search page answers 200 or 400 (after its short-URL redirect), the API 200
or 400; never a 500. Derandomized, with a bounded number of examples, so CI runs the same cases.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from directory.extensions import db
from directory.listings.models import Listing, Meeting
from tests.factories import make_topic

from .test_bad_input_search import API_PARAMS, SEARCH_PARAMS
from .test_overlong import message_next_to

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("bad_input")]

SETTINGS = dict(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# Any text, now and then long enough to cross a field's limit.
TEXT = st.one_of(st.text(max_size=40), st.text(min_size=100, max_size=700))
# Field -> (the kind of listing that keeps it, how to read it back from the listing).
FIELDS = {
    "name": ("group", lambda listing: listing.name),
    "summary": ("group", lambda listing: listing.summary),
    "description": ("group", lambda listing: listing.description),
    "cost_details": ("group", lambda listing: listing.cost_details),
    "website": ("group", lambda listing: listing.website),
    "online_url": ("group", lambda listing: listing.online_url),
    "phone": ("group", lambda listing: listing.phone),
    "contact_email": ("group", lambda listing: listing.contact_email),
    "address_line": ("group", lambda listing: listing.address_line),
    "meetings-0-notes": ("group", lambda listing: listing.meetings[0].notes if listing.meetings else None),
    "experience": ("mentor", lambda listing: listing.experience),
    "availability": ("mentor", lambda listing: listing.availability),
    "location": ("group", None),  # looked up, not kept as typed: saved with a place, or refused
}


def base_form(kind: str) -> dict:
    """A complete, valid in-person draft in Manhattan."""
    data = {"name": "Property group", "summary": "A group.", "description": "We meet.", "cost": "paid",
            "cost_details": "Ten dollars", "topics": ["grief"], "languages": ["en"], "format": "in_person",
            "location": "10001", "address_line": "1 Main Street", "time_zone": "America/New_York",
            "contact_email": "organiser@example.org", "website": "https://example.org/",
            "online_url": "https://meet.example.org/x", "phone": "+1 212 555 0100",
            "save_draft": "Save draft"}
    if kind == "group":
        data.update({"meetings-0-weekday": "1", "meetings-0-start_time": "19:00",
                     "meetings-0-duration_minutes": "90", "meetings-0-recurrence": "weekly",
                     "meetings-0-notes": "Arrive early."})
    else:
        data.update(experience="Years of it.", availability="Evenings", meets_video="y")
    return data


def expected(field: str, value: str) -> str:
    value = value.strip()
    return value.lower() if field == "contact_email" else value


def listing_count() -> int:
    return db.session.scalar(select(func.count(Listing.id)))


def newest() -> Listing:
    return db.session.scalars(select(Listing).order_by(Listing.id.desc()).limit(1)).one()


def test_the_listing_form_keeps_any_text_as_typed_or_refuses_it_next_to_the_field(owner_client, gazetteer):
    make_topic("grief")

    @settings(max_examples=80, **SETTINGS)
    @given(field=st.sampled_from(sorted(FIELDS)), value=TEXT)
    def check(field, value):
        kind, read_back = FIELDS[field]
        before = listing_count()
        response = owner_client.post(f"/my/listings/new?kind={kind}", data={**base_form(kind), field: value})
        assert response.status_code in (200, 302), (field, value, response.status_code)
        if response.status_code == 302:
            assert listing_count() == before + 1
            if read_back is not None:
                assert read_back(newest()) == expected(field, value), field
            else:  # found, or left empty: a draft may be saved without a place yet
                assert newest().latitude is not None or not value.strip()
        else:
            assert listing_count() == before, "a refused form saved something"
            assert message_next_to(response.get_data(as_text=True), field), (field, value)

    check()


def test_the_listing_form_with_every_field_arbitrary_at_once(owner_client, gazetteer):
    make_topic("grief")
    kept = [name for name, (kind, read) in FIELDS.items() if kind == "group" and read is not None]

    @settings(max_examples=25, **SETTINGS)
    @given(values=st.fixed_dictionaries({name: TEXT for name in kept}))
    def check(values):
        before = listing_count()
        response = owner_client.post("/my/listings/new?kind=group", data={**base_form("group"), **values})
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            listing = newest()
            for name in kept:
                assert FIELDS[name][1](listing) == expected(name, values[name]), name
        else:
            assert listing_count() == before
            html = response.get_data(as_text=True)
            assert any(message_next_to(html, name) for name in kept), "refused without saying where"

    check()
    assert db.session.scalar(select(func.count(Meeting.id))) >= 0


def _values():
    return st.one_of(TEXT, st.lists(TEXT, max_size=4))


def test_any_search_parameters_are_a_200_or_a_400(visitor, gazetteer):
    @settings(max_examples=80, **SETTINGS)
    @given(args=st.fixed_dictionaries({}, optional={name: _values() for name in SEARCH_PARAMS}))
    def check(args):
        response = visitor.get("/search", query_string=args)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/search")
            response = visitor.get(response.headers["Location"])
        assert response.status_code in (200, 400), (args, response.status_code)

    check()


def test_any_api_parameters_are_a_200_or_a_400(visitor, gazetteer):
    @settings(max_examples=120, **SETTINGS)
    @given(args=st.fixed_dictionaries({}, optional={name: _values() for name in API_PARAMS}))
    def check(args):
        response = visitor.get("/api/v1/listings", query_string=args)
        assert response.status_code in (200, 400), (args, response.status_code)
        body = response.get_json()
        assert ("error" in body) == (response.status_code == 400)

    check()
