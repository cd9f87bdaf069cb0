"""The owner's side of listings: create, edit, save drafts, submit, pause, withdraw and delete."""

from __future__ import annotations

import html
import re
from datetime import time
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.listings import services
from directory.listings.models import Listing
from directory.listings.snapshots import snapshot
from directory.moderation import revisions
from directory.moderation.models import REVISION_PENDING, Revision
from tests.factories import make_audience, make_topic

NEW_GROUP = "/my/listings/new?kind=group"
NEW_MENTOR = "/my/listings/new?kind=mentor"


# ------------------------------------------------------------------------------------------------ helpers


def public_status(app, listing: Listing) -> int:
    """The status a visitor who is not signed in gets for the listing's public page."""
    status = app.test_client().get(f"/listings/{listing.slug}").status_code
    return status


def edit_url(listing: Listing) -> str:
    return f"/my/listings/{listing.id}/edit"


def group_form(**overrides) -> dict:
    """A complete group listing, online so no gazetteer is needed, with two meetings."""
    data = {
        "name": "Dayton Dads Circle",
        "summary": "A small group for fathers going through separation.",
        "description": "We meet, we listen, nobody has to talk.",
        "cost": "free",
        "topics": ["grief"],
        "languages": ["en"],
        "format": "online",
        "time_zone": "America/New_York",
        "online_url": "https://meet.example.org/dads",
        "contact_email": "organiser@example.org",
        "contact_enabled": "y",
        "meetings-0-weekday": "1",
        "meetings-0-start_time": "19:00",
        "meetings-0-duration_minutes": "90",
        "meetings-0-recurrence": "weekly",
        "meetings-1-weekday": "5",
        "meetings-1-start_time": "10:30",
        "meetings-1-duration_minutes": "60",
        "meetings-1-recurrence": "monthly",
        "meetings-1-week_of_month": "-1",
        "meetings-2-weekday": "",
        "meetings-2-start_time": "",
        "meetings-2-duration_minutes": "90",
        "meetings-2-recurrence": "weekly",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def only_listing() -> Listing:
    listings = list(db.session.scalars(select(Listing)))
    assert len(listings) == 1, listings
    return listings[0]


def count_listings() -> int:
    return len(list(db.session.scalars(select(Listing.id))))


class _Node:
    def __init__(self, tag: str, attrs: dict, parent: _Node | None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def text(self) -> str:
        parts = [child if isinstance(child, str) else child.text() for child in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def find(self, predicate) -> _Node | None:
        for child in self.children:
            if isinstance(child, _Node):
                if predicate(child):
                    return child
                found = child.find(predicate)
                if found is not None:
                    return found
        return None

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())


class _Tree(HTMLParser):
    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "embed", "wbr"}

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", {}, None)
        self.current = self.root
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def field_block(response, field_id: str) -> _Node:
    """The field's container from the form macro (label, input, help and error), found from the input id."""
    tree = _Tree(response.get_data(as_text=True)).root
    node = tree.find(lambda n: n.attrs.get("id") == field_id)
    assert node is not None, f"no element with id {field_id!r}"
    while node is not None and not ({"field", "meeting-row"} & node.classes()):
        node = node.parent
    assert node is not None, f"{field_id!r} is not inside a field container"
    return node


def input_value(response, field_id: str) -> str | None:
    tree = _Tree(response.get_data(as_text=True)).root
    node = tree.find(lambda n: n.attrs.get("id") == field_id)
    assert node is not None, f"no element with id {field_id!r}"
    if node.tag == "textarea":
        return node.text()
    if node.tag == "select":
        # Like a browser: the selected option, else the first one.
        selected = node.find(lambda n: n.tag == "option" and "selected" in n.attrs)
        selected = selected or node.find(lambda n: n.tag == "option")
        return selected.attrs.get("value") if selected else None
    return node.attrs.get("value")


def page_text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.fixture
def owner(make_user):
    make_topic("grief", "Grief and loss")
    make_topic("fatherhood", "Fatherhood")
    make_audience("veterans", "Veterans")
    return make_user("owner@example.org", display_name="Owner")


@pytest.fixture
def signed_in(client, owner):
    client.sign_in(owner)
    return client


# ------------------------------------------------------------------------------------------------ creating


def test_dashboard_offers_both_kinds_and_lists_nothing_at_first(signed_in):
    response = signed_in.get("/my/listings")
    assert response.status_code == 200
    text = page_text(response)
    assert "You have no listings yet" in text
    assert 'href="/my/listings/new?kind=group"' in response.get_data(as_text=True)
    assert 'href="/my/listings/new?kind=mentor"' in response.get_data(as_text=True)


def test_new_form_has_sections_and_defaults_the_contact_email_to_the_account(signed_in):
    response = signed_in.get(NEW_GROUP)
    assert response.status_code == 200
    text = page_text(response)
    headings = ("About the group", "Who it is for, topics and cost", "Where", "When", "How to get in touch")
    for heading in headings:
        assert heading in text
    assert input_value(response, "contact_email") == "owner@example.org"
    assert "Never shown publicly" in text
    # No JavaScript needed: blank meeting rows are there to fill in.
    assert 'name="meetings-0-weekday"' in response.get_data(as_text=True)
    assert 'name="meetings-1-weekday"' in response.get_data(as_text=True)


def test_without_a_kind_the_owner_chooses_one(signed_in):
    response = signed_in.get("/my/listings/new")
    assert response.status_code == 200
    assert "What would you like to list?" in page_text(response)


def test_create_a_group_with_two_meetings(signed_in, owner):
    response = signed_in.post(NEW_GROUP, data=group_form(save_draft="Save draft"))
    assert response.status_code == 302
    listing = only_listing()
    assert response.headers["Location"].endswith(edit_url(listing))
    assert listing.owner_id == owner.id
    assert listing.kind == "group"
    assert listing.status == "draft"
    assert listing.slug == "dayton-dads-circle"
    assert listing.contact_email == "organiser@example.org"
    assert [topic.slug for topic in listing.topics] == ["grief"]
    meetings = [(m.weekday, m.start_time, m.duration_minutes, m.recurrence, m.week_of_month)
                for m in listing.meetings]
    assert meetings == [(1, time(19, 0), 90, "weekly", None), (5, time(10, 30), 60, "monthly", -1)]


def test_edit_page_shows_the_saved_meetings_and_more_blank_rows(signed_in):
    signed_in.post(NEW_GROUP, data=group_form(save_draft="Save draft"))
    response = signed_in.get(edit_url(only_listing()))
    assert input_value(response, "meetings-0-start_time") == "19:00"
    assert input_value(response, "meetings-1-week_of_month") == "-1"
    assert input_value(response, "meetings-2-weekday") == ""
    assert input_value(response, "meetings-3-weekday") == ""


def test_a_meeting_marked_for_removal_is_removed(signed_in):
    signed_in.post(NEW_GROUP, data=group_form(save_draft="Save draft"))
    listing = only_listing()
    data = group_form(**{"meetings-0-remove": "y", "save_draft": "Save"})
    response = signed_in.post(edit_url(listing), data=data)
    assert response.status_code == 302
    db.session.refresh(listing)
    assert [meeting.weekday for meeting in listing.meetings] == [5]


def test_a_mentor_listing_keeps_its_own_fields(signed_in):
    data = group_form(name="Mike R.", experience="Twenty years sober.", meets_phone="y", meets_video="y",
                      accepting_mentees="y", availability="Weekday evenings", save_draft="Save draft")
    response = signed_in.post(NEW_MENTOR, data=data)
    assert response.status_code == 302
    listing = only_listing()
    assert listing.kind == "mentor"
    assert (listing.meets_in_person, listing.meets_phone, listing.meets_video) == (False, True, True)
    assert listing.accepting_mentees is True
    assert listing.availability == "Weekday evenings"
    assert listing.meetings == []


def test_a_draft_can_be_saved_half_done(signed_in):
    response = signed_in.post(NEW_GROUP, data={"name": "Half an idea", "save_draft": "Save draft"})
    assert response.status_code == 302
    listing = only_listing()
    assert (listing.name, listing.summary, listing.status) == ("Half an idea", "", "draft")
    assert listing.topics == []


def test_even_a_draft_needs_a_name(signed_in):
    response = signed_in.post(NEW_GROUP, data={"summary": "Something", "save_draft": "Save draft"})
    assert response.status_code == 200
    assert "Enter a name, even for a draft." in field_block(response, "name").text()
    assert count_listings() == 0


def test_submitting_asks_for_everything_needed_to_publish(signed_in):
    response = signed_in.post(NEW_GROUP, data={"name": "Half an idea", "format": "in_person",
                                               "submit_review": "Submit for review"})
    assert response.status_code == 200
    assert count_listings() == 0
    assert "Write a sentence or two" in field_block(response, "summary").text()
    assert "Choose at least one topic." in field_block(response, "topics").text()
    assert "Enter the town or ZIP/postcode" in field_block(response, "location").text()
    assert "Add at least one meeting" in page_text(response)
    assert "Add at least one meeting" not in field_block(response, "name").text()
    # The summary above the form links to each field.
    assert 'href="#summary"' in response.get_data(as_text=True)


def test_a_failed_save_keeps_every_value_and_puts_errors_next_to_their_fields(signed_in):
    data = group_form(
        summary="Fathers & sons <together>",
        website="javascript:alert(1)",
        phone="call me maybe",
        contact_email="not-an-address",
        **{"meetings-0-duration_minutes": "5", "meetings-1-week_of_month": ""},
        save_draft="Save draft",
    )
    response = signed_in.post(NEW_GROUP, data=data)
    assert response.status_code == 200
    assert count_listings() == 0
    # Every value comes back as typed (escaped, never executed).
    assert input_value(response, "name") == "Dayton Dads Circle"
    assert input_value(response, "summary") == "Fathers & sons <together>"
    assert "Fathers &amp; sons &lt;together&gt;" in response.get_data(as_text=True)
    assert input_value(response, "website") == "javascript:alert(1)"
    assert input_value(response, "phone") == "call me maybe"
    assert input_value(response, "meetings-0-start_time") == "19:00"
    assert input_value(response, "meetings-1-weekday") == "5"
    # ... and each error sits in its field's block.
    assert "starting with https://" in field_block(response, "website").text()
    assert "Use digits, spaces and + ( ) - only" in field_block(response, "phone").text()
    assert "Enter an e-mail address" in field_block(response, "contact_email").text()
    assert "between 15 and 600 minutes" in field_block(response, "meetings-0-duration_minutes").text()
    assert "Choose which week of the month" in field_block(response, "meetings-1-week_of_month").text()
    assert 'aria-invalid="true"' in str(response.get_data(as_text=True))


@pytest.mark.parametrize("url", [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "/relative/path",
    "//evil.example/x",
    "example.org",
    "ftp://example.org/file",
    "https://",
    "https://exa mple.org",
])
def test_only_http_and_https_links_are_accepted(signed_in, url):
    response = signed_in.post(NEW_GROUP, data=group_form(website=url, online_url=url, save_draft="Save"))
    assert response.status_code == 200
    assert count_listings() == 0
    assert "https://" in field_block(response, "website").text()
    assert "https://" in field_block(response, "online_url").text()


def test_http_links_are_kept(signed_in):
    response = signed_in.post(NEW_GROUP, data=group_form(website="http://dads.example.org/about?x=1",
                                                         save_draft="Save draft"))
    assert response.status_code == 302
    assert only_listing().website == "http://dads.example.org/about?x=1"


@pytest.mark.parametrize("field, limit", [("name", 120), ("summary", 300), ("description", 5000),
                                          ("cost_details", 200), ("website", 500)])
def test_over_long_input_is_refused_with_a_message_not_cut(signed_in, field, limit):
    value = "https://example.org/" + "a" * limit if field == "website" else "x" * (limit + 1)
    response = signed_in.post(NEW_GROUP, data=group_form(cost="paid", **{field: value}, save_draft="Save"))
    assert response.status_code == 200
    assert count_listings() == 0
    assert f"Please shorten this to {limit:,} characters or fewer" in field_block(response, field).text()
    assert input_value(response, field) == value
    # No maxlength attribute: a browser would cut a paste silently.
    assert "maxlength" not in response.get_data(as_text=True)


def test_text_at_the_limit_is_accepted(signed_in):
    data = group_form(name="n" * 120, summary="s" * 300, save_draft="Save")
    response = signed_in.post(NEW_GROUP, data=data)
    assert response.status_code == 302
    assert len(only_listing().name) == 120


def test_control_characters_are_refused(signed_in):
    response = signed_in.post(NEW_GROUP, data=group_form(name="Dads\x00 group", save_draft="Save draft"))
    assert response.status_code == 200
    assert "characters that can't be shown" in field_block(response, "name").text()


def test_topics_must_come_from_the_list(signed_in):
    response = signed_in.post(NEW_GROUP, data=group_form(topics=["grief", "not-a-topic"], save_draft="Save"))
    assert response.status_code == 200
    assert "not on the list" in field_block(response, "topics").text()


@pytest.mark.parametrize("row, field, message", [
    ({"meetings-0-recurrence": "biweekly"}, "anchor_date", "Give one date it meets"),
    ({"meetings-0-recurrence": "biweekly", "meetings-0-anchor_date": "2025-03-05"}, "anchor_date",
     "That date is not a Tuesday"),
    ({"meetings-0-recurrence": "biweekly", "meetings-0-anchor_date": "5 March"}, "anchor_date",
     "Enter a date like"),
    ({"meetings-0-start_time": "25:00"}, "start_time", "Enter a time like 19:00"),
    ({"meetings-0-start_time": ""}, "start_time", "Enter the time it starts"),
    ({"meetings-0-weekday": "9"}, "weekday", "Choose the day of the week"),
    ({"meetings-0-duration_minutes": "601"}, "duration_minutes", "between 15 and 600 minutes"),
    ({"meetings-0-duration_minutes": "14"}, "duration_minutes", "between 15 and 600 minutes"),
    ({"meetings-0-duration_minutes": "ninety"}, "duration_minutes", "whole number of minutes"),
    ({"meetings-0-recurrence": "yearly"}, "recurrence", "Choose how often it meets"),
    ({"meetings-0-recurrence": "monthly", "meetings-0-week_of_month": "7"}, "week_of_month",
     "Choose which week of the month"),
])
def test_each_meeting_row_is_checked(signed_in, row, field, message):
    response = signed_in.post(NEW_GROUP, data=group_form(**row, save_draft="Save draft"))
    assert response.status_code == 200
    assert message in field_block(response, f"meetings-0-{field}").text()
    assert count_listings() == 0


def test_a_row_with_only_a_duration_is_blank_and_ignored(signed_in):
    data = group_form(**{"meetings-2-duration_minutes": "45", "meetings-2-notes": ""}, save_draft="Save")
    assert signed_in.post(NEW_GROUP, data=data).status_code == 302
    assert len(only_listing().meetings) == 2


def test_every_other_week_keeps_its_first_date_and_times_in_words_are_understood(signed_in):
    data = group_form(**{"meetings-0-recurrence": "biweekly", "meetings-0-anchor_date": "2025-03-04",
                         "meetings-0-start_time": "7:30 pm"}, save_draft="Save draft")
    assert signed_in.post(NEW_GROUP, data=data).status_code == 302
    meeting = only_listing().meetings[0]
    assert (meeting.recurrence, meeting.anchor_date.isoformat(), meeting.start_time) == (
        "biweekly", "2025-03-04", time(19, 30))


# ------------------------------------------------------------------------------------------------ where


def test_online_listings_need_a_time_zone_to_go_to_review(signed_in):
    response = signed_in.post(NEW_GROUP, data=group_form(time_zone="", submit_review="Submit for review"))
    assert response.status_code == 200
    assert "Choose the time zone" in field_block(response, "time_zone").text()
    assert count_listings() == 0


def test_a_time_zone_must_be_a_real_one(signed_in):
    response = signed_in.post(NEW_GROUP, data=group_form(time_zone="Mars/Olympus_Mons", save_draft="Save"))
    assert response.status_code == 200
    assert "Choose a time zone from the list." in field_block(response, "time_zone").text()


def test_online_listings_need_no_address_and_keep_no_point(signed_in):
    data = group_form(location="45402", address_line="1 Main St", time_zone="Europe/London",
                      submit_review="Submit for review")
    assert signed_in.post(NEW_GROUP, data=data).status_code == 302
    listing = only_listing()
    assert (listing.latitude, listing.longitude, listing.city, listing.address_line) == (None, None, "", "")
    assert listing.time_zone == "Europe/London"


def test_a_zip_is_geocoded_to_a_town_point_and_time_zone(signed_in, gazetteer):
    data = group_form(format="in_person", location="45402", time_zone="", online_url="", save_draft="Save")
    response = signed_in.post(NEW_GROUP, data=data)
    assert response.status_code == 302
    listing = only_listing()
    place = (listing.city, listing.region, listing.postal_code, listing.country)
    assert place == ("Dayton", "OH", "45402", "US")
    assert listing.latitude == pytest.approx(39.76, abs=0.05)
    assert listing.longitude == pytest.approx(-84.19, abs=0.05)
    assert listing.time_zone == "America/New_York"
    assert listing.location_precision == "approximate"
    # The owner sees what the public will see, and the point to adjust.
    page = signed_in.get(edit_url(listing))
    assert "Shown as: near Dayton, OH" in page_text(page)
    assert input_value(page, "location") == "45402"
    assert float(input_value(page, "latitude")) == pytest.approx(listing.latitude)


def test_the_exact_address_is_shown_only_when_the_owner_says_so(signed_in, gazetteer):
    data = group_form(format="hybrid", location="Dayton, OH", address_line="12 Main Street",
                      location_exact="y",
                      save_draft="Save")
    assert signed_in.post(NEW_GROUP, data=data).status_code == 302
    listing = only_listing()
    assert listing.location_precision == "exact"
    assert listing.address_line == "12 Main Street"
    assert "Shown as: 12 Main Street, Dayton, OH" in page_text(signed_in.get(edit_url(listing)))
    assert services.public_place(snapshot(listing) | {"location_precision": "approximate"}) == (
        "near Dayton, OH")


def test_the_owner_can_correct_the_point_and_the_time_zone(signed_in, gazetteer):
    data = group_form(format="in_person", location="45402", time_zone="", save_draft="Save")
    signed_in.post(NEW_GROUP, data=data)
    listing = only_listing()
    page = signed_in.get(edit_url(listing))
    adjusted = group_form(format="in_person", location="45402", latitude="39.7001", longitude="-84.2002",
                          time_zone="America/Chicago", geocoded_for=input_value(page, "geocoded_for"),
                          geocoded_time_zone=input_value(page, "geocoded_time_zone"), save_draft="Save")
    assert signed_in.post(edit_url(listing), data=adjusted).status_code == 302
    db.session.refresh(listing)
    assert (listing.latitude, listing.longitude, listing.time_zone) == (39.7001, -84.2002, "America/Chicago")


def test_a_new_place_moves_the_point_and_the_time_zone_follows(signed_in, gazetteer):
    data = group_form(format="in_person", location="45402", time_zone="", save_draft="S")
    signed_in.post(NEW_GROUP, data=data)
    listing = only_listing()
    page = signed_in.get(edit_url(listing))
    moved = group_form(format="in_person", location="Denver, CO", latitude=input_value(page, "latitude"),
                       longitude=input_value(page, "longitude"), time_zone=input_value(page, "time_zone"),
                       geocoded_for=input_value(page, "geocoded_for"),
                       geocoded_time_zone=input_value(page, "geocoded_time_zone"), save_draft="Save")
    assert signed_in.post(edit_url(listing), data=moved).status_code == 302
    db.session.refresh(listing)
    assert (listing.city, listing.region, listing.time_zone) == ("Denver", "CO", "America/Denver")
    assert listing.latitude == pytest.approx(39.74, abs=0.1)


@pytest.mark.parametrize("latitude, longitude, field", [("95", "-84", "latitude"),
                                                       ("39", "-181", "longitude"),
                                                       ("north", "-84", "latitude")])
def test_the_point_must_be_on_earth(signed_in, gazetteer, latitude, longitude, field):
    data = group_form(format="in_person", location="45402", latitude=latitude, longitude=longitude,
                      geocoded_for="45402", save_draft="Save")
    response = signed_in.post(NEW_GROUP, data=data)
    assert response.status_code == 200
    assert "Enter a number" in field_block(response, field).text()
    assert input_value(response, field) == (latitude if field == "latitude" else longitude)


def test_an_unknown_place_is_an_error_next_to_the_field_with_suggestions(signed_in, gazetteer):
    data = group_form(format="in_person", location="Daytn, OH", save_draft="Save")
    response = signed_in.post(NEW_GROUP, data=data)
    assert response.status_code == 200
    block = field_block(response, "location").text()
    assert "We couldn't find “Daytn, OH”." in block
    assert "Did you mean" in block and "Dayton" in block
    assert input_value(response, "location") == "Daytn, OH"
    assert count_listings() == 0


def test_a_town_several_places_share_is_placed_and_the_others_are_named(signed_in, gazetteer):
    data = group_form(format="in_person", location="Springfield", save_draft="S")
    response = signed_in.post(NEW_GROUP, data=data, follow_redirects=True)
    listing = only_listing()
    assert listing.city == "Springfield" and listing.region
    text = page_text(response)
    assert f"We placed it near Springfield, {listing.region}." in text
    assert "If you meant another one" in text
    # The box now names the state, so saving again keeps the same town.
    assert input_value(response, "location") == f"Springfield, {listing.region}"


def test_nonsense_places_get_a_hint_instead(signed_in, gazetteer):
    data = group_form(format="in_person", location="zzqqxx", save_draft="S")
    response = signed_in.post(NEW_GROUP, data=data)
    assert response.status_code == 200
    assert "We couldn't find “zzqqxx”." in field_block(response, "location").text()


# ------------------------------------------------------------------------------------------------ review


def test_submit_from_the_form_sends_it_for_review(signed_in):
    response = signed_in.post(NEW_GROUP, data=group_form(submit_review="Submit for review"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/my/listings")
    listing = only_listing()
    assert listing.status == "pending"
    dashboard = page_text(signed_in.get("/my/listings"))
    assert "Dayton Dads Circle" in dashboard and "Waiting for review" in dashboard


def test_submit_from_the_dashboard(signed_in):
    signed_in.post(NEW_GROUP, data=group_form(save_draft="Save draft"))
    listing = only_listing()
    assert "Submit for review" in page_text(signed_in.get("/my/listings"))
    response = signed_in.post(f"/my/listings/{listing.id}/submit")
    assert response.status_code == 302
    db.session.refresh(listing)
    assert listing.status == "pending"


def test_an_incomplete_draft_submitted_from_the_dashboard_shows_what_is_missing(signed_in):
    signed_in.post(NEW_GROUP, data={"name": "Half an idea", "save_draft": "Save draft"})
    listing = only_listing()
    response = signed_in.post(f"/my/listings/{listing.id}/submit")
    assert response.status_code == 302
    assert "check=1" in response.headers["Location"]
    db.session.refresh(listing)
    assert listing.status == "draft"
    page = signed_in.get(response.headers["Location"])
    assert "Choose at least one topic." in field_block(page, "topics").text()


def test_submitting_needs_a_confirmed_email(client, make_user, owner):
    unconfirmed = make_user("new@example.org", confirmed=False)
    client.sign_in(unconfirmed)
    assert "Please confirm your e-mail address" in page_text(client.get("/my/listings"))
    response = client.post(NEW_GROUP, data=group_form(submit_review="Submit for review"))
    # The draft is kept; it just does not go to review.
    assert response.status_code == 302
    listing = only_listing()
    assert listing.status == "draft"
    assert "Confirm your e-mail address" in page_text(client.get(response.headers["Location"]))
    client.post(f"/my/listings/{listing.id}/submit")
    db.session.refresh(listing)
    assert listing.status == "draft"


def test_a_draft_is_edited_in_place_and_its_slug_follows_the_name(signed_in):
    signed_in.post(NEW_GROUP, data=group_form(save_draft="Save draft"))
    listing = only_listing()
    response = signed_in.post(edit_url(listing), data=group_form(name="Fathers of Dayton", save_draft="Save"))
    assert response.status_code == 302
    db.session.refresh(listing)
    assert (listing.name, listing.slug, listing.status) == ("Fathers of Dayton", "fathers-of-dayton", "draft")
    assert db.session.scalars(select(Revision)).all() == []


def test_changes_requested_are_shown_and_fixed_in_place(signed_in, owner, make_listing):
    listing = make_listing(owner, status="changes_requested", moderation_note="Please add the meeting room.")
    dashboard = page_text(signed_in.get("/my/listings"))
    assert "Changes requested" in dashboard
    assert "Please add the meeting room." in dashboard
    assert "Please add the meeting room." in page_text(signed_in.get(edit_url(listing)))
    response = signed_in.post(edit_url(listing), data=group_form(name=listing.name, submit_review="Submit"))
    assert response.status_code == 302
    db.session.refresh(listing)
    assert listing.status == "pending"


def test_a_rejected_listing_shows_the_reason(signed_in, owner, make_listing):
    make_listing(owner, status="rejected", moderation_note="This is an advert, not a group.")
    text = page_text(signed_in.get("/my/listings"))
    assert "Rejected" in text and "This is an advert, not a group." in text


def test_editing_a_published_listing_makes_a_revision_and_the_public_version_stays(app, signed_in, owner,
                                                                                     make_listing):
    listing = make_listing(owner, name="Dads of Manhattan", status="published", format="in_person")
    slug = listing.slug
    page = signed_in.get(edit_url(listing))
    assert "Your changes will be visible after review; the current version stays public meanwhile." in (
        page_text(page))
    assert input_value(page, "location") == "10001"
    data = group_form(name="Dads of Midtown", format="in_person", location="10001",
                      time_zone="America/New_York",
                      contact_email="someone-else@example.org", submit_review="Send changes for review")
    response = signed_in.post(edit_url(listing), data=data)
    assert response.status_code == 302

    db.session.refresh(listing)
    assert (listing.name, listing.slug, listing.status) == ("Dads of Manhattan", slug, "published")
    revision = db.session.scalars(select(Revision)).one()
    assert revision.status == REVISION_PENDING
    assert revision.data["name"] == "Dads of Midtown"
    assert revision.data["contact_email"] == "someone-else@example.org"
    assert revision.data["city"] == "New York"  # an unchanged place needs no lookup
    public = app.test_client().get(f"/listings/{slug}")
    assert public.status_code == 200
    assert "Dads of Manhattan" in page_text(public) and "Dads of Midtown" not in page_text(public)

    dashboard = page_text(signed_in.get("/my/listings"))
    assert "Your changes are waiting for review" in dashboard
    # Editing again continues from the changes waiting for review.
    assert input_value(signed_in.get(edit_url(listing)), "name") == "Dads of Midtown"


def test_an_approved_revision_keeps_the_slug(signed_in, owner, make_listing, make_user):
    listing = make_listing(owner, name="Dads of Manhattan", status="published", slug="dads-of-manhattan")
    data = group_form(name="Dads of Midtown", format="in_person", location="10001", submit_review="Send")
    signed_in.post(edit_url(listing), data=data)
    revision = db.session.scalars(select(Revision)).one()
    revisions.approve_revision(revision, make_user(admin=True))
    db.session.refresh(listing)
    assert (listing.name, listing.slug) == ("Dads of Midtown", "dads-of-manhattan")


def test_a_published_listing_with_nothing_changed_makes_no_revision(signed_in, owner, make_listing):
    listing = make_listing(owner, kind="mentor", status="published", format="online", meets_phone=True,
                           city="", region="", postal_code="", latitude=None, longitude=None)
    page = signed_in.get(edit_url(listing))
    fields = ("name", "summary", "description", "time_zone", "contact_email")
    form = {key: input_value(page, key) for key in fields}
    data = {**form, "format": "online", "cost": "free", "topics": ["grief"], "languages": ["en"],
            "contact_enabled": "y", "meets_phone": "y", "accepting_mentees": "y", "submit_review": "Send"}
    response = signed_in.post(edit_url(listing), data=data)
    assert response.status_code == 302
    assert db.session.scalars(select(Revision)).all() == []
    assert "You didn't change anything" in page_text(signed_in.get("/my/listings"))


def test_a_pending_listing_is_edited_in_place_but_only_completely(signed_in, owner, make_listing):
    listing = make_listing(owner, status="pending")
    response = signed_in.post(edit_url(listing), data={"name": "Just a name", "save_draft": "Save changes"})
    assert response.status_code == 200
    assert "Write a sentence or two" in field_block(response, "summary").text()
    response = signed_in.post(edit_url(listing), data=group_form(name="Renamed", save_draft="Save changes"))
    assert response.status_code == 302
    db.session.refresh(listing)
    assert (listing.name, listing.status) == ("Renamed", "pending")


# ------------------------------------------------------------------------------------------------ actions


def in_search(app, listing: Listing) -> bool:
    response = app.test_client().get("/search?near=10001")
    assert response.status_code == 200
    return listing.name in response.get_data(as_text=True)


def test_pause_hides_a_listing_from_the_public_and_resume_brings_it_back(app, gazetteer, signed_in, owner,
                                                                         make_listing):
    listing = make_listing(owner, status="published", name="Chelsea Fathers Circle")
    assert public_status(app, listing) == 200
    assert in_search(app, listing)

    assert signed_in.post(f"/my/listings/{listing.id}/pause").status_code == 302
    db.session.refresh(listing)
    assert listing.status == "paused"
    assert public_status(app, listing) == 410  # it was public: a bookmark is told it left
    assert not in_search(app, listing)
    assert "Paused" in page_text(signed_in.get("/my/listings"))

    assert signed_in.post(f"/my/listings/{listing.id}/resume").status_code == 302
    db.session.refresh(listing)
    assert listing.status == "published"
    assert public_status(app, listing) == 200
    assert in_search(app, listing)


def test_a_draft_cannot_be_paused(signed_in, owner, make_listing):
    listing = make_listing(owner, status="draft")
    response = signed_in.post(f"/my/listings/{listing.id}/pause", follow_redirects=True)
    assert "cannot be paused" in page_text(response)
    db.session.refresh(listing)
    assert listing.status == "draft"


def test_withdraw_asks_first_then_takes_the_listing_down(app, signed_in, owner, make_listing):
    listing = make_listing(owner, status="published")
    confirm = signed_in.get(f"/my/listings/{listing.id}/withdraw")
    assert confirm.status_code == 200
    assert "Withdraw “" in page_text(confirm)
    db.session.refresh(listing)
    assert listing.status == "published"  # looking at the question changes nothing

    assert signed_in.post(f"/my/listings/{listing.id}/withdraw").status_code == 302
    db.session.refresh(listing)
    assert listing.status == "withdrawn"
    assert public_status(app, listing) == 410
    assert signed_in.get(edit_url(listing)).status_code == 302  # nothing left to edit


def test_reconfirm_brings_an_expired_listing_back(signed_in, owner, make_listing):
    listing = make_listing(owner, status="expired")
    assert signed_in.post(f"/my/listings/{listing.id}/reconfirm").status_code == 302
    db.session.refresh(listing)
    assert listing.status == "published"


def test_delete_a_draft(signed_in, owner, make_listing):
    listing = make_listing(owner, status="draft")
    assert signed_in.get(f"/my/listings/{listing.id}/delete").status_code == 200
    assert count_listings() == 1
    response = signed_in.post(f"/my/listings/{listing.id}/delete")
    assert response.status_code == 302
    assert count_listings() == 0


def test_a_withdrawn_listing_with_history_can_be_deleted(signed_in, owner, make_listing):
    listing = make_listing(owner, status="published")
    signed_in.post(edit_url(listing), data=group_form(name="Changed", format="in_person", location="10001",
                                                      submit_review="Send"))
    signed_in.post(f"/my/listings/{listing.id}/withdraw")
    assert signed_in.post(f"/my/listings/{listing.id}/delete").status_code == 302
    assert count_listings() == 0
    assert db.session.scalars(select(Revision)).all() == []


@pytest.mark.parametrize("status", ["published", "pending", "paused"])
def test_only_drafts_and_withdrawn_listings_can_be_deleted(signed_in, owner, make_listing, status):
    listing = make_listing(owner, status=status)
    response = signed_in.post(f"/my/listings/{listing.id}/delete", follow_redirects=True)
    assert "Only drafts and withdrawn listings can be deleted" in page_text(response)
    assert count_listings() == 1


def test_the_dashboard_says_each_status_in_words(signed_in, owner, make_listing):
    for status in ("draft", "pending", "published", "paused", "expired", "withdrawn"):
        make_listing(owner, status=status, name=f"Listing {status}")
    text = page_text(signed_in.get("/my/listings"))
    for words in ("Draft", "Waiting for review", "Published", "Paused", "Expired", "Withdrawn",
                  "View public page", "Resume", "Pause", "Delete"):
        assert words in text


# ------------------------------------------------------------------------------------------------ services


def test_slugs_are_ascii_and_unique(make_listing):
    assert services.slugify("Père & Fils: Dayton!") == "pere-fils-dayton"
    assert services.slugify("!!!") == "listing"
    assert len(services.slugify("word " * 100)) <= services.SLUG_MAX_LENGTH
    make_listing(slug="dads-group")
    make_listing(slug="dads-group-2")
    make_listing(slug="dads-group-of-ohio")
    assert services.unique_slug("Dads Group") == "dads-group-3"
    assert services.unique_slug("Dads group of Ohio") == "dads-group-of-ohio-2"
    assert services.unique_slug("Something new") == "something-new"


def test_create_listing_refuses_a_nameless_or_unknown_kind(owner):
    with pytest.raises(services.ListingError):
        services.create_listing(owner, "group", {"name": "  "})
    with pytest.raises(services.ListingError):
        services.create_listing(owner, "club", {"name": "A club"})


def test_update_listing_refuses_an_approved_listing(owner, make_listing):
    listing = make_listing(owner, status="published")
    with pytest.raises(services.ListingError):
        services.update_listing(listing, {"name": "Sneaky edit"})


def test_missing_for_review_knows_what_each_kind_needs():
    mentor = services.missing_for_review("mentor", {"name": "M", "format": "in_person"})
    assert "meets" in mentor and "meetings" not in mentor
    group = services.missing_for_review("group", {"name": "G", "format": "online"})
    assert "time_zone" in group and "location" not in group and "meetings" in group
