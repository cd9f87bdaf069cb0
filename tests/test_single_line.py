"""Line breaks of every kind are refused in every one-line field, with a message next to the field; the
calendar file never carries one into a property of its own."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import EmailField, PasswordField, SearchField, StringField, TextAreaField
from wtforms.fields.core import UnboundField

from directory.extensions import db
from directory.validators import LINE_BREAK_MESSAGE

from .test_owner_listings import group_form

# A meeting row with nothing in it is skipped, not checked.
MEETING = {"weekday": "1", "start_time": "19:00", "duration_minutes": "90", "recurrence": "weekly"}
BREAKS = {"CR": "\r", "LF": "\n", "CRLF": "\r\n", "NEL": "\x85", "LS": "\u2028", "PS": "\u2029"}
# The search box is a GET form the search service reads itself: any control character is a space there.
NOT_ONE_LINE_FIELDS = {("SearchForm", "near"), ("SearchForm", "q")}


def all_forms() -> list[type[FlaskForm]]:
    import directory.accounts.forms
    import directory.contact.forms
    import directory.listings.forms
    import directory.moderation.forms  # noqa: F401 - every form class is a FlaskForm subclass once imported

    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        if form.__module__.startswith("directory."):
            found.append(form)
    return found


def one_line_fields(form: type) -> list[str]:
    """Names of the text inputs (not text areas or passwords) a form class declares."""
    names = []
    for name in dir(form):
        field = getattr(form, name, None)
        if isinstance(field, UnboundField) and issubclass(field.field_class, StringField | EmailField
                                                          | SearchField):
            if not issubclass(field.field_class, TextAreaField | PasswordField) and name not in (
                    "csrf_token", "homepage", "started", "geocoded_for", "geocoded_time_zone"):
                names.append(name)
    return names


def cases():
    from directory.owner.meetings import MeetingForm

    for form in [*all_forms(), MeetingForm]:
        for name in one_line_fields(form):
            if (form.__name__, name) not in NOT_ONE_LINE_FIELDS:
                yield form, name


def test_the_search_box_reads_a_line_break_as_a_space(client):
    assert client.get("/search", query_string={"near": "New\nYork", "q": "grief\r\nloss"}).status_code == 200


def test_the_sweep_finds_the_fields_the_issue_names():
    found = {(form.__name__, name) for form, name in cases()}
    assert {("ListingForm", "name"), ("ListingForm", "address_line"), ("ListingForm", "cost_details"),
            ("ListingForm", "availability"), ("MeetingForm", "notes"), ("ContactForm", "name"),
            ("RegisterForm", "display_name"), ("ReportForm", "email")} <= found
    assert len(found) >= 20


@pytest.mark.parametrize("char", BREAKS.values(), ids=BREAKS.keys())
def test_every_one_line_field_of_every_form_refuses_a_line_break(app, char):
    failures = []
    for form_class, name in cases():
        value = f"Tuesday{char}X-Injected: yes"
        with app.test_request_context("/", method="POST"):
            base = dict(MEETING) if form_class.__name__ == "MeetingForm" else {}
            form = form_class(formdata=MultiDict({**base, name: value}))
            form.validate()
            errors = form[name].errors
        if not errors:
            failures.append(f"{form_class.__name__}.{name} took it")
    assert not failures, failures


@pytest.mark.parametrize("char", ["\r", "\n", "\x85", "\u2028"], ids=["CR", "LF", "NEL", "LS"])
def test_the_listing_form_says_so_next_to_the_field_and_keeps_the_input(client, make_user, char):
    client.sign_in(make_user("owner@example.org"))
    response = client.post("/my/listings/new?kind=group",
                           data=group_form(name=f"Dads{char}Circle", save_draft="Save draft"))
    assert response.status_code == 200  # the form again, nothing saved
    page = response.get_data(as_text=True)
    assert LINE_BREAK_MESSAGE.replace("'", "&#39;") in page
    assert 'aria-invalid="true"' in page and 'id="name"' in page and "Dads" in page
    from directory.listings.models import Listing

    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0


def test_a_stored_name_with_line_breaks_stays_inside_the_calendar_name(client, make_listing):
    """A name stored before the forms refused line breaks: the .ics answers, with one property each."""
    listing = make_listing(name="Dads\r\nX-INJECTED:1\rBEGIN:VEVENT\u2028Circle; one, two")
    db.session.commit()
    response = client.get(f"/listings/{listing.slug}.ics")
    assert response.status_code == 200
    body = response.get_data()
    lines = body.split(b"\r\n")
    assert not any(line.startswith((b"X-INJECTED", b"BEGIN:VEVENT\\")) for line in lines)
    assert b"\r" not in body.replace(b"\r\n", b"")
    calname = next(line for line in lines if line.startswith(b"X-WR-CALNAME:"))
    assert calname == b"X-WR-CALNAME:Dads X-INJECTED:1 BEGIN:VEVENT Circle\\; one\\, two"
    assert lines.count(b"BEGIN:VEVENT") == len(listing.meetings) == 1
