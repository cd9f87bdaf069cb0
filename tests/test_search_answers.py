"""What the search and a listing answer before the visitor has to ask: his own position named as his, the
form folded after a search, cost and welcome on cards, meeting today or this week, mentors taking nobody
new put after those who are, one count for the online list, and a listing that left said to have left."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from directory.listings.models import STATUS_UNPUBLISHED, STATUS_WITHDRAWN
from directory.timeutil import utcnow
from tests.factories import make_audience


def text_of(response) -> str:
    return text_of_html(response.get_data(as_text=True))


def result_names(response) -> list[str]:
    return [html.unescape(name) for name in re.findall(r'<h3 id="result-\d+"><a href="[^"]*">([^<]+)</a>',
                                                        response.get_data(as_text=True))]


def card(response, name: str) -> str:
    """The text of the result card whose name is `name`."""
    cards = response.get_data(as_text=True).split('<li class="result"')[1:]
    return text_of_html(next(found for found in cards if f">{name}</a>" in found))


def text_of_html(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


# 1. "Use my location" -------------------------------------------------------------------------------


def test_my_location_is_named_as_the_visitors_own_with_the_chosen_distance(geo, client, make_listing):
    make_listing(name="Chelsea circle")
    sent = client.get("/search?near=My+location&at=40.748,-73.997&radius=25")
    assert sent.status_code == 302
    assert sent.headers["Location"] == "/search?near=40.748,-73.997&radius=25"
    page = client.get(sent.headers["Location"])
    text = text_of(page)
    assert "Support near you (New York, NY)" in text and "Near New York" not in text
    assert "within 25 miles of you (New York, NY)" in text
    body = page.get_data(as_text=True)
    assert re.search(r'<input[^>]*id="near"[^>]*value="My location"', body)
    assert '<input type="hidden" name="at" value="40.748,-73.997">' in body
    assert re.search(r'<option selected value="25">|<option value="25" selected', body)
    assert "<title>Mentors and men's groups near you (New York, NY)" in body


def test_my_location_without_a_position_is_no_place(geo, client):
    page = client.get("/search?near=My+location")
    assert page.status_code == 200 and "Support near" not in text_of(page)


def test_a_typed_place_replaces_my_location(geo, client):
    sent = client.get("/search?near=Dayton%2C+OH&at=40.748,-73.997")
    assert sent.headers["Location"] == "/search?near=Dayton,+OH"


# 2. The form folds after a search -------------------------------------------------------------------


def test_after_a_search_the_form_folds_to_one_line(geo, client, make_listing):
    make_listing()
    body = client.get("/search?near=10001&radius=25").get_data(as_text=True)
    summary = re.search(r'<details class="search-refine" data-open-wide>\s*<summary>(.*?)</summary>', body,
                        re.S)
    assert summary
    assert text_of_html(summary.group(1)).split() == ["10001", "·", "25", "mi", "Change"]
    # Without a place there is nothing to fold: the form is the page's first question.
    assert "search-refine" not in client.get("/search").get_data(as_text=True)


# 3. Cards: cost, welcome; meets today or this week -------------------------------------------------


def test_cards_show_cost_and_new_members_welcome(geo, client, make_listing):
    make_listing(name="Open circle", cost="donation", audiences=[make_audience("first-timers")])
    make_listing(name="Closed circle", cost="paid")
    response = client.get("/search?near=10001")
    open_card, closed_card = card(response, "Open circle"), card(response, "Closed circle")
    assert "By donation" in open_card and "New members welcome" in open_card
    assert "Paid" in closed_card and "New members welcome" not in closed_card


def test_meets_today_and_this_week_follow_the_places_own_day(geo, client, make_listing):
    tuesday = {"weekday": 1, "start_time": datetime(2026, 1, 1, 19).time(), "recurrence": "weekly"}
    thursday = dict(tuesday, weekday=3)
    make_listing(name="Tuesday group", meetings=[tuesday])
    make_listing(name="Thursday group", meetings=[thursday])
    # 03:00 UTC on a Wednesday is still Tuesday evening in New York.
    with time_machine.travel(datetime(2026, 12, 9, 3, 0, tzinfo=UTC), tick=False):
        body = client.get("/search?near=10001").get_data(as_text=True)
        today = re.search(r'href="([^"]+)"[^>]*>Meets today<', body).group(1)
        week = re.search(r'href="([^"]+)"[^>]*>This week<', body).group(1)
        assert html.unescape(today).endswith("day=tue")
        assert html.unescape(week).endswith("day=tue&day=wed&day=thu&day=fri&day=sat&day=sun")
        assert result_names(client.get(html.unescape(today))) == ["Tuesday group"]
        on = client.get(html.unescape(today)).get_data(as_text=True)
        assert re.search(r'aria-current="true">Meets today<', on)
        assert sorted(result_names(client.get(html.unescape(week)))) == ["Thursday group", "Tuesday group"]


# 4. Mentors taking nobody new ------------------------------------------------------------------------


def test_mentors_taking_nobody_new_come_after_those_who_are(geo, client, make_listing):
    make_listing(name="Full mentor", kind="mentor", format="online", accepting_mentees=False,
                 latitude=40.75, longitude=-73.99)
    make_listing(name="Open mentor", kind="mentor", format="online", latitude=42.36, longitude=-71.06)
    response = client.get("/search?near=10001")
    assert result_names(response) == ["Open mentor", "Full mentor"]
    assert "Not taking new mentees" in response.get_data(as_text=True)


def test_a_mentor_taking_nobody_offers_others_instead_of_get_in_touch(geo, client, make_listing):
    full = make_listing(name="Full mentor", kind="mentor", accepting_mentees=False)
    make_listing(name="Open mentor", kind="mentor", topics=("grief",))
    make_listing(name="A group", kind="group")
    body = client.get(f"/listings/{full.slug}").get_data(as_text=True)
    assert "Get in touch" not in body
    offered = body.split('id="instead-title"', 1)[1].split("</ul>", 1)[0]
    assert "Open mentor" in offered and "A group" not in offered and "Full mentor" not in offered


# 7. One count for the online list ------------------------------------------------------------------


def test_the_see_all_link_names_the_count_its_page_shows_and_chooses_no_filter(geo, client, make_listing):
    make_listing(name="Hybrid nearby", format="hybrid", online_url="https://example.org/join")
    for number in range(6):
        make_listing(name=f"Online {number}", format="online", latitude=None, longitude=None)
    body = client.get("/search?near=10001").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">See all (\d+) online options</a>', body)
    assert link and link.group(2) == "7"
    assert "7 options online" in text_of(client.get("/search?near=10001"))
    target = client.get(html.unescape(link.group(1)))
    assert "7 options online" in text_of(target)
    assert re.search(r"<summary>Filters</summary>", target.get_data(as_text=True))
    assert "Hybrid nearby" in result_names(target)


# 8. A listing that left ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [STATUS_WITHDRAWN, STATUS_UNPUBLISHED])
def test_a_listing_that_left_answers_410_with_current_ones_near_it(geo, client, make_listing, status):
    gone = make_listing(name="Old circle", status=status, published_at=utcnow() - timedelta(days=90))
    make_listing(name="Current circle")
    response = client.get(f"/listings/{gone.slug}")
    assert response.status_code == 410
    text = text_of(response)
    assert "This group is no longer listed" in text and "Current listings near where it was" in text
    assert result_names(response) == ["Current circle"]
    assert '<meta name="robots" content="noindex">' in response.get_data(as_text=True)
    assert client.get(f"/listings/{gone.slug}.ics").status_code == 410


def test_a_listing_never_published_is_still_unknown(geo, client, make_listing):
    draft = make_listing(status="pending")
    assert client.get(f"/listings/{draft.slug}").status_code == 404


# 9. Small words -----------------------------------------------------------------------------------


def test_find_more_support_keeps_the_distance_of_the_search(geo, client, make_listing):
    listing = make_listing(location_precision="exact")
    body = client.get("/search?near=10001&radius=25").get_data(as_text=True)
    assert f'href="/listings/{listing.slug}?radius=25"' in body
    page = client.get(f"/listings/{listing.slug}?radius=25").get_data(as_text=True)
    assert 'href="/search?near=10001&amp;radius=25">Find more support near 10001' in page
    # A made-up distance is ignored, and the default one is left out of the link.
    made_up = client.get(f"/listings/{listing.slug}?radius=7").get_data(as_text=True)
    assert 'href="/search?near=10001">' in made_up


def test_a_mentors_page_speaks_of_the_mentor(geo, client, make_listing):
    mentor = make_listing(kind="mentor")
    text = text_of(client.get(f"/listings/{mentor.slug}"))
    assert "The mentor's e-mail address is never shown" in text and "organiser" not in text


def test_the_admin_review_names_languages(client, make_listing, make_user):
    client.sign_in(make_user(admin=True))
    listing = make_listing(status="pending", languages=("en", "es"))
    assert "English, Spanish" in text_of(client.get(f"/admin/listings/{listing.id}"))
