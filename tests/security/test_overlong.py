"""Over-long input is refused with a message next to its field, never cut short and never a 500.

For every text field with a limit: one character over gives the field's message, shows the whole value
back, saves nothing, and the form carries no `maxlength` (a browser cuts a paste there without a word);
exactly at the limit the value is accepted and stored as typed, wherever that means something. A body
over MAX_CONTENT_LENGTH gets the 413 page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from markupsafe import escape
from sqlalchemy import select

from directory.accounts.models import User
from directory.contact import services as contact_services
from directory.contact.models import ContactMessage
from directory.extensions import db
from directory.listings.models import Listing
from directory.moderation.models import REPORT_OPEN, ModerationEvent, Report
from tests.factories import DEFAULT_PASSWORD, make_listing, make_topic, make_user

from .helpers import row_counts

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("bad_input")]

STRONG = "vole quartz lantern 83"  # noqa: S105 - a test account's password


def long_email(length: int) -> str:
    """A valid address of exactly `length` characters (up to 254)."""
    domain = "b" * 63 + "." + "c" * 63 + "."
    local_length = min(64, length - len(domain) - 1 - 4 - 1)
    middle = length - local_length - 1 - len(domain) - 4
    return "a" * local_length + "@" + domain + "d" * middle + ".org"


def text_of(length: int) -> str:
    return ("Overlong words " * (length // 15 + 1))[:length - 1] + "."


class _ErrorText(HTMLParser):
    """The text inside the element with a given id (the macro's "<field>-error" block)."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth, self.parts = element_id, 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def message_next_to(html: str, field_id: str) -> str:
    parser = _ErrorText(f"{field_id}-error")
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@dataclass
class Case:
    """One limited field: where its form posts, what else the form needs, how to read back what was stored."""

    path: str
    field: str
    limit: int
    base: dict[str, Any] = field(default_factory=dict)
    accepted: int | None = None  # the status of an accepted submission; None: nothing to store at the limit
    stored: Any = None  # () -> the stored value, after an accepted submission
    field_id: str | None = None
    value: Any = text_of  # length -> a value of that length
    client: str = "visitor"
    method: str = "post"


def _last(model, column):
    return lambda: db.session.scalar(select(column).order_by(model.id.desc()).limit(1))


def owner_base(**extra) -> dict:
    data = {"name": "Long fields group", "summary": "A group.", "description": "We meet.", "cost": "paid",
            "cost_details": "Ten dollars", "topics": ["grief"], "languages": ["en"], "format": "online",
            "time_zone": "America/New_York", "contact_email": "organiser@example.org",
            "meetings-0-weekday": "1", "meetings-0-start_time": "19:00", "meetings-0-duration_minutes": "90",
            "meetings-0-recurrence": "weekly", "save_draft": "Save draft"}
    data.update(extra)
    return data


def web(length: int) -> str:
    return "https://example.org/" + "p" * (length - len("https://example.org/"))


def digits(length: int) -> str:
    return "1" * length


def owner_case(name: str, limit: int, *, kind: str = "group", field_id: str | None = None, value=text_of,
               stored=True, **extra) -> Case:
    column = getattr(Listing, name, None)
    return Case(f"/my/listings/new?kind={kind}", name, limit, owner_base(**extra), 302 if stored else None,
                _last(Listing, column) if stored and column is not None else None, field_id, value, "owner")


CASES = {
    "register display name": Case("/account/register", "display_name", 80,
                                  {"email": "new@example.org", "password": STRONG, "confirm": STRONG},
                                  303, _last(User, User.display_name)),
    "register e-mail": Case("/account/register", "email", 254,
                            {"display_name": "Sam", "password": STRONG, "confirm": STRONG},
                            303, _last(User, User.email), value=long_email),
    "register password": Case("/account/register", "password", 1024,
                              {"display_name": "Sam", "email": "new@example.org"}, 303, None,
                              value=lambda n: (STRONG + " ") * (n // 23) + "x" * (n % 23)),
    "sign-in e-mail": Case("/account/sign-in", "email", 254, {"password": DEFAULT_PASSWORD}, None,
                           value=long_email),
    "forgot e-mail": Case("/account/forgot", "email", 254, {}, 303, None, value=long_email),
    "change e-mail": Case("/account/email", "new_email", 254, {"current_password": DEFAULT_PASSWORD}, 303,
                          None, value=long_email, client="owner"),
    "listing name": owner_case("name", 120),
    "listing summary": owner_case("summary", 300),
    "listing description": owner_case("description", 5000),
    "listing cost details": owner_case("cost_details", 200),
    "listing website": owner_case("website", 500, value=web),
    "listing join link": owner_case("online_url", 500, value=web),
    "listing phone": owner_case("phone", 40, value=digits),
    "listing contact e-mail": owner_case("contact_email", 254, value=long_email),
    "listing place": owner_case("location", 100, stored=False),
    "listing street address": owner_case("address_line", 200, format="in_person", location="10001"),
    "listing meeting note": owner_case("notes", 200, field_id="meetings-0-notes", stored=False),
    "mentor experience": owner_case("experience", 3000, kind="mentor", meets_video="y"),
    "mentor availability": owner_case("availability", 200, kind="mentor", meets_video="y"),
    "contact name": Case("contact", "name", 80, {"email": "sam@example.org", "message": "Hello"}, 303,
                         _last(ContactMessage, ContactMessage.sender_name)),
    "contact e-mail": Case("contact", "email", 254, {"name": "Sam", "message": "Hello"}, 303,
                           _last(ContactMessage, ContactMessage.sender_email), value=long_email),
    "contact how to reach": Case("contact", "how_to_reach", 200, {"name": "Sam", "email": "sam@example.org",
                                                                   "message": "Hello"},
                                 303, _last(ContactMessage, ContactMessage.how_to_reach)),
    "contact message": Case("contact", "message", 5000, {"name": "Sam", "email": "sam@example.org"}, 303,
                            _last(ContactMessage, ContactMessage.message)),
    "report message": Case("report", "message", 2000, {"reason": "other"}, 302,
                           _last(Report, Report.message)),
    "report e-mail": Case("report", "email", 254, {"reason": "other"}, 302, _last(Report, Report.email),
                          value=long_email),
    "review note": Case("review", "note", 2000, {"request_changes": "Request changes"}, 302,
                        _last(ModerationEvent, ModerationEvent.reason), client="admin"),
    "unpublish note": Case("unpublish", "note", 2000, {"unpublish": "Unpublish"}, 302,
                           _last(ModerationEvent, ModerationEvent.reason), client="admin"),
    "report note": Case("resolve", "note", 2000, {"dismiss": "Dismiss"}, 302,
                        _last(ModerationEvent, ModerationEvent.reason), client="admin"),
    "suspend reason": Case("suspend", "reason", 500, {}, 302, _last(ModerationEvent, ModerationEvent.reason),
                           client="admin"),
}


@pytest.fixture
def places(app, owner, request):
    """Whatever the case's form needs to exist: a listing to contact or report, one to decide on, a member."""
    make_topic("grief")
    listing = make_listing(make_user("listing-owner@example.org"), contact_email="organiser@example.org")
    pending = make_listing(make_user("pending-owner@example.org"), status="pending")
    report = Report(listing_id=listing.id, reason="other", message="It moved.", status=REPORT_OPEN)
    db.session.add(report)
    member = make_user("member@example.org")
    db.session.commit()
    with time_machine.travel(time.time() - 60, tick=False):
        token = contact_services.form_token(listing.slug)
    return {
        "contact": (f"/listings/{listing.slug}/contact", {"started": token}),
        "report": (f"/listings/{listing.slug}/report", {}),
        "review": (f"/admin/listings/{pending.id}/decide", {}),
        "unpublish": (f"/admin/listings/{listing.id}/unpublish", {}),
        "resolve": (f"/admin/reports/{report.id}/resolve", {}),
        "suspend": (f"/admin/users/{member.id}/suspend", {}),
        "report_prefix": f"report-{report.id}-",
    }


@pytest.mark.config(CONTACT_MIN_SECONDS=0)
@pytest.mark.parametrize("name", sorted(CASES))
def test_one_over_the_limit_is_refused_and_at_the_limit_is_kept(name, places, request, gazetteer):
    case = CASES[name]
    client = request.getfixturevalue({"visitor": "visitor", "owner": "owner_client",
                                      "admin": "admin_client"}[case.client])
    path, extra = places.get(case.path, (case.path, {}))
    prefix = places["report_prefix"] if case.path == "resolve" else ""
    field_id = case.field_id or prefix + case.field

    def send(value: str):
        data = {**case.base, **extra, field_id: value}
        if case.field == "password":
            data["confirm"] = value
        data = {(prefix + key if prefix and key in ("note", "dismiss") else key): item
                for key, item in data.items()}
        return client.post(path, data=data)

    over = case.value(case.limit + 1)
    assert len(over) == case.limit + 1
    before = row_counts()
    refused = send(over)
    html = refused.get_data(as_text=True)
    assert refused.status_code in (200, 400, 422), refused.status_code
    assert message_next_to(html, field_id), f"no message next to {field_id}"
    if case.field not in ("password",):
        assert str(escape(over)) in html, "the value was not shown back in full"
    assert "maxlength" not in html, "a maxlength attribute lets the browser cut a paste short without a word"
    assert row_counts() == before, "something was saved"

    if case.accepted is None:
        return
    exact = case.value(case.limit)
    assert len(exact) == case.limit
    accepted = send(exact)
    assert accepted.status_code == case.accepted, message_next_to(accepted.get_data(as_text=True), field_id)
    if case.stored is not None:
        assert case.stored() == (exact.lower() if "@" in exact else exact)


@pytest.mark.parametrize("path, name, limit", [("/search", "near", 100), ("/search", "q", 200)])
def test_search_refuses_over_long_words_with_a_message(visitor, path, name, limit):
    over = visitor.get(path, query_string={name: "w" * (limit + 1)})
    assert over.status_code == 400
    assert message_next_to(over.get_data(as_text=True), name)
    assert visitor.get(path, query_string={name: "w" * limit}).status_code == 200
    api = visitor.get("/api/v1/listings", query_string={name: "w" * (limit + 1)})
    assert api.status_code == 400 and name in api.get_json()["error"]["fields"]
    assert visitor.get("/api/v1/listings", query_string={name: "w" * limit}).status_code == 200


@pytest.mark.parametrize("path", ["/account/sign-in", "/account/register", "/listings/{slug}/contact",
                                  "/listings/{slug}/report"])
def test_a_body_over_the_configured_size_is_a_413_page(app, visitor, path):
    listing = make_listing()
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = visitor.post(path.format(slug=listing.slug), data={"message": "x" * (limit + 1)})
    assert response.status_code == 413
    assert "too much" in response.get_data(as_text=True)
