"""The listing form helps before it complains: what review needs is marked, the place's time zone is named as
soon as the town is known (a small JSON answer for the form's script), and rare languages are folded."""

from __future__ import annotations

import re

import pytest

from directory.owner.choices import LANGUAGES, zone_name

NEW_GROUP = "/my/listings/new?kind=group"


@pytest.fixture
def signed_in(client, make_user):
    client.sign_in(make_user("owner@example.org"))
    return client


@pytest.mark.parametrize(("zone", "name"), [
    ("America/Denver", "Mountain time"), ("America/Boise", "Mountain time"),
    ("America/Indiana/Indianapolis", "Eastern time"), ("America/Los_Angeles", "Pacific time"),
    ("Europe/London", "UK time"), ("Australia/Perth", "Australian Western time"),
    ("Europe/Paris", "Paris time"), ("Not/AZone", ""),
])
def test_zones_are_named_as_people_say_them(zone, name):
    assert zone_name(zone) == name


def test_the_place_answer_names_the_town_and_its_zone(signed_in, gazetteer):
    answer = signed_in.get("/my/place", query_string={"q": "Bozeman, MT"}).get_json()
    assert answer == {"found": True, "place": "Bozeman, MT", "time_zone": "America/Denver",
                      "zone_name": "Mountain time", "line": "Bozeman, MT · Mountain time"}
    assert signed_in.get("/my/place", query_string={"q": "59715"}).get_json()["zone_name"] == "Mountain time"
    assert signed_in.get("/my/place", query_string={"q": "Nowhere at all xq"}).get_json() == {"found": False}
    assert signed_in.get("/my/place").get_json() == {"found": False}


def test_the_place_answer_is_for_signed_in_owners_only(client, gazetteer):
    assert client.get("/my/place", query_string={"q": "Bozeman, MT"}).status_code == 302


def test_every_field_review_needs_is_marked_required(signed_in):
    page = signed_in.get(NEW_GROUP).get_data(as_text=True)
    for name in ("summary", "description", "location", "time_zone", "contact_email"):
        tag = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{name}"[^>]*>', page).group(0)
        assert 'aria-required="true"' in tag, name
        label = re.search(rf'<label for="{name}"[^>]*>(.*?)</label>', page, re.S).group(1)
        assert "(required)" in label, name
    assert re.search(r'<fieldset[^>]*id="format"[^>]*role="radiogroup" aria-required="true"', page)
    for legend in ("Topics", "Languages"):
        assert re.search(rf"<legend>{legend} <span class=\"field-required\">\(required\)", page), legend
    # Optional fields stay unmarked.
    assert 'aria-required' not in re.search(r'<input[^>]*id="website"[^>]*>', page).group(0)


def test_five_languages_show_and_the_rest_fold_open_when_one_is_chosen(signed_in):
    page = signed_in.get(NEW_GROUP).get_data(as_text=True)
    shown, folded = page.split('<details class="more-choices"', 1)
    assert folded.startswith(">")  # closed
    assert len(re.findall(r'name="languages"', shown)) == 5
    assert len(re.findall(r'name="languages"', folded.split("</details>")[0])) == len(LANGUAGES) - 5

    response = signed_in.post(NEW_GROUP, data={"name": "Welsh circle", "languages": ["en", "cy"],
                                               "format": "online", "cost": "free", "save_draft": "1"},
                              follow_redirects=True)
    page = response.get_data(as_text=True)
    assert '<details class="more-choices" open>' in page
    assert re.search(r'value="cy" checked', page)
