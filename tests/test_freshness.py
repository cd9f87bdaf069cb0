"""Freshness: reminders after 60 days (once), "not confirmed since" after 90, out of the search after 180.

Time travels with time_machine; the reminder link works without signing in, once, and not forever.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from sqlalchemy import select

from directory.extensions import db
from directory.listings.freshness import freshness, is_stale
from directory.listings.models import Listing
from directory.moderation import reminders, services
from directory.moderation.models import ModerationEvent

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
LINK = re.compile(r"https?://[^\s\"<>]+/still-meeting/[A-Za-z0-9_.\-]+")


def reminder_links(sent_mail) -> list[str]:
    """The path of the still-meeting link in each message sent, in order."""
    links = []
    for message in sent_mail():
        found = LINK.search(message.get_body(("plain",)).get_content())
        if found:
            links.append(urlsplit(found.group(0)).path)
    return links


def reload(listing: Listing) -> Listing:
    db.session.expire_all()
    return db.session.get(Listing, listing.id)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def owner(make_user):
    return make_user("owner@example.org", display_name="Organiser")


@pytest.fixture
def listing(clock, make_listing, owner):
    return make_listing(owner, name="Tuesday Circle")


def later(clock, days: int) -> None:
    clock.move_to(START + timedelta(days=days))


# ---------------------------------------------------------------------------------------------- the helper


def test_freshness_labels_at_0_89_and_90_days(app, clock, listing):
    assert freshness(listing) == {"label": "Confirmed March 2025", "stale": False, "days": 0,
                                  "confirmed_at": listing.last_confirmed_at}
    later(clock, 89)
    assert freshness(listing)["stale"] is False and is_stale(listing) is False
    later(clock, 90)
    result = freshness(listing)
    assert result["stale"] is True and result["days"] == 90 and is_stale(listing) is True
    assert result["label"] == "Not confirmed since March 2025"
    never = Listing(name="Draft", slug="draft", kind="group")
    assert freshness(never)["stale"] is True and is_stale(never) is True


@pytest.mark.config(STALE_AFTER_DAYS=10)
def test_freshness_follows_configuration(app, clock, listing):
    later(clock, 9)
    assert is_stale(listing) is False
    later(clock, 10)
    assert freshness(listing)["stale"] is True and is_stale(listing) is True


# ---------------------------------------------------------------------------------------------- reminders


def test_no_reminder_before_60_days(app, clock, listing, runner, sent_mail):
    later(clock, 59)
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "Sent 0 reminder(s)" in result.output
    assert sent_mail() == []


def test_send_reminders_twice_sends_each_due_reminder_once(clock, make_listing, owner, runner, sent_mail):
    due = make_listing(owner, name="Due")
    later(clock, 30)
    make_listing(owner, name="Recent")
    make_listing(owner, name="Draft", status="draft")
    later(clock, 61)
    first = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0 and "Sent 1 reminder(s)" in first.output
    later(clock, 62)
    second = runner.invoke(args=["send-reminders"])
    assert "Sent 0 reminder(s)" in second.output
    later(clock, 120)  # "Due" is still unanswered: not reminded again; "Recent" is now due
    assert "Sent 1 reminder(s)" in runner.invoke(args=["send-reminders"]).output
    later(clock, 121)
    assert "Sent 0 reminder(s)" in runner.invoke(args=["send-reminders"]).output
    messages = sent_mail()
    assert [message["To"] for message in messages] == [owner.email, owner.email]
    assert "still meeting" in messages[0]["Subject"]
    assert "“Due”" in messages[0].get_body(("plain",)).get_content()
    assert "“Recent”" in messages[1].get_body(("plain",)).get_content()
    assert reload(due).reminder_sent_at == (START + timedelta(days=61)).replace(tzinfo=None)


def test_suspended_owners_get_no_reminder(app, clock, listing, owner, runner, sent_mail):
    owner.suspended_at = datetime(2025, 3, 4)
    db.session.commit()
    later(clock, 61)
    runner.invoke(args=["send-reminders"])
    assert sent_mail() == []


def test_the_link_shows_three_buttons_and_a_get_changes_nothing(clock, listing, client, runner, sent_mail):
    later(clock, 61)
    runner.invoke(args=["send-reminders"])
    [link] = reminder_links(sent_mail)
    page = client.get(link)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for button in ("Yes, nothing changed", "I need to change something", "We stopped meeting"):
        assert button in text
    assert text.count('method="post"') >= 1
    assert reload(listing).last_confirmed_at == START.replace(tzinfo=None)
    assert db.session.scalars(select(ModerationEvent)).all() == []


def test_yes_reconfirms_once_and_the_link_dies(app, clock, listing, client, runner, sent_mail):
    later(clock, 61)
    runner.invoke(args=["send-reminders"])
    [link] = reminder_links(sent_mail)
    later(clock, 63)
    response = client.post(link, data={"yes": "Yes, nothing changed"})
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    assert reload(listing).last_confirmed_at == (START + timedelta(days=63)).replace(tzinfo=None)
    again = client.post(link, data={"yes": "Yes, nothing changed"})
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert client.get(link).status_code == 400
    events = db.session.scalars(select(ModerationEvent)).all()
    assert [(event.action, event.actor_id, event.reason) for event in events] == [
        ("reconfirm", listing.owner_id, "via link")]
    # A new 60-day period starts: the next reminder comes 60 days after the confirmation.
    later(clock, 63 + 59)
    assert "Sent 0" in runner.invoke(args=["send-reminders"]).output
    later(clock, 63 + 61)
    assert "Sent 1" in runner.invoke(args=["send-reminders"]).output


def test_stopped_withdraws_the_listing(app, clock, listing, client, runner, sent_mail):
    later(clock, 61)
    runner.invoke(args=["send-reminders"])
    [link] = reminder_links(sent_mail)
    response = client.post(link, data={"stopped": "We stopped meeting"})
    assert response.status_code == 200
    assert reload(listing).status == "withdrawn"
    assert client.post(link, data={"yes": "Yes"}).status_code == 400


def test_change_sends_the_owner_to_the_edit_page(app, clock, listing, client, runner, sent_mail):
    later(clock, 61)
    runner.invoke(args=["send-reminders"])
    [link] = reminder_links(sent_mail)
    response = client.post(link, data={"change": "I need to change something"})
    assert response.status_code == 302
    if "owner.edit" in app.view_functions:
        assert response.headers["Location"].endswith(f"/my/listings/{listing.id}/edit")
    assert reload(listing).status == "published"


def test_the_link_expires_after_30_days(app, clock, listing, client, runner, sent_mail):
    later(clock, 61)
    runner.invoke(args=["send-reminders"])
    [link] = reminder_links(sent_mail)
    later(clock, 61 + 31)
    response = client.post(link, data={"yes": "Yes"})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert reload(listing).last_confirmed_at == START.replace(tzinfo=None)


def test_a_forged_or_foreign_token_is_refused(app, clock, listing, client):
    assert client.get("/still-meeting/not-a-token").status_code == 400
    from itsdangerous import URLSafeTimedSerializer

    other_purpose = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="something-else").dumps(
        {"l": listing.id, "c": None, "r": None})
    assert client.post(f"/still-meeting/{other_purpose}", data={"yes": "Yes"}).status_code == 400
    assert reload(listing).status == "published"


# ---------------------------------------------------------------------------------------------- expiry


def test_expire_at_180_days_and_reconfirm_brings_it_back(app, clock, listing, client, runner, sent_mail):
    later(clock, 179)
    assert "Expired 0" in runner.invoke(args=["expire"]).output
    later(clock, 180)
    result = runner.invoke(args=["expire"])
    assert result.exit_code == 0 and "Expired 1 listing(s)" in result.output
    assert reload(listing).status == "expired"
    assert "Expired 0" in runner.invoke(args=["expire"]).output  # idempotent
    events = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "expire")).all()
    assert len(events) == 1 and events[0].actor_id is None

    # The owner was sent a fresh link, which brings the listing back.
    message = sent_mail()[-1]
    assert "left the search" in message["Subject"]
    link = reminder_links(sent_mail)[-1]
    assert "Answer “Yes” and it comes back" in client.get(link).get_data(as_text=True)
    response = client.post(link, data={"yes": "Yes"})
    assert "back in the search" in response.get_data(as_text=True)
    listing = reload(listing)
    assert listing.status == "published"
    assert listing.last_confirmed_at == (START + timedelta(days=180)).replace(tzinfo=None)


def test_send_reminders_also_expires(app, clock, listing, runner):
    later(clock, 200)
    result = runner.invoke(args=["send-reminders"])
    assert "Expired 1 listing(s)" in result.output
    assert reload(listing).status == "expired"


def test_paused_and_draft_listings_never_expire(app, clock, make_listing, owner):
    paused = make_listing(owner, status="paused")
    later(clock, 400)
    assert services.expire_stale() == []
    assert reload(paused).status == "paused"


def test_reconfirm_from_the_dashboard_also_works_for_expired_listings(app, clock, listing, owner):
    later(clock, 181)
    reminders.expire_and_notify()
    services.reconfirm(reload(listing), owner, via="dashboard")
    assert reload(listing).status == "published"
