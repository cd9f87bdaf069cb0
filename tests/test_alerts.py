"""Alerts (issue 22, "Tell me when a group starts near me"): double opt-in, matching when a listing is
published or resumes, one mail a week per address, one-click unsubscribe, expiry after a year unless
renewed, the gazetteer's point instead of the visitor's, and the form's bad-input rules."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from directory.alerts.models import Alert, AlertMatch
from directory.extensions import db
from directory.moderation import services as moderation
from directory.moderation import users as moderation_users
from tests.factories import make_topic

ADDRESS = "dad@example.org"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def alerts() -> list[Alert]:
    db.session.expire_all()
    return list(db.session.scalars(select(Alert).order_by(Alert.id)))


def ask(client, near="10001", radius="10", topics=("grief",), email=ADDRESS, headers=None, **extra):
    return client.post("/alerts/new", data={"email": email, "near": near, "radius": radius,
                                            "topics": list(topics), **extra}, headers=headers or {})


def links(message) -> list[str]:
    return re.findall(r"http://localhost/alerts/[a-z]+/[\w.\-]+", message.get_body(("plain",)).get_content())


def confirm_by_mail(client, sent_mail) -> None:
    confirm_link = links(sent_mail()[-1])[0]
    path = confirm_link.removeprefix("http://localhost")
    page = client.get(path)
    assert page.status_code == 200 and "Switch it on" in page.text
    assert "no-store" in page.headers["Cache-Control"]
    assert client.post(path).status_code == 200


def run(runner) -> str:
    result = runner.invoke(args=["send-alerts"])
    assert result.exit_code == 0, result.output
    return result.output


def approve_new(make_listing, make_user, **fields):
    pending = make_listing(status="pending", **fields)
    moderation.approve(pending, make_user(admin=True))
    return pending


def test_double_opt_in_then_a_published_listing_is_mailed_once(client, geo, runner, sent_mail, make_listing,
                                                              make_user):
    with time_machine.travel(START, tick=False) as clock:
        assert ask(client).status_code == 303
        [confirmation] = sent_mail()
        assert confirmation["To"] == ADDRESS and "confirm" in confirmation["Subject"].lower()
        assert "List-Unsubscribe" not in confirmation
        [alert] = alerts()
        assert alert.confirmed_at is None
        # Nothing is matched or sent before the address is confirmed.
        approve_new(make_listing, make_user, name="Before Confirming")
        assert db.session.scalar(select(func.count()).select_from(AlertMatch)) == 0
        run(runner)
        assert len(sent_mail()) == 1  # the confirmation only

        confirm_by_mail(client, sent_mail)
        assert alerts()[0].confirmed_at is not None
        assert alerts()[0].expires_at == START.replace(tzinfo=None) + timedelta(days=365)
        clock.shift(timedelta(hours=1))
        approve_new(make_listing, make_user, name="Chelsea Grief Circle")
        output = run(runner)
        assert "Sent 1 alert mail naming 1 listing" in output
        news = [m for m in sent_mail() if m["To"] == ADDRESS][-1]
        assert "Chelsea Grief Circle" in news["Subject"]
        body = news.get_body(("plain",)).get_content()
        assert "Chelsea Grief Circle" in body and "Before Confirming" not in body
        stop_link = news["List-Unsubscribe"].strip("<>")
        assert stop_link.startswith("http://localhost/alerts/stop/")
        assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # No link carries the address, even decoded.
        for link in [stop_link, *links(news)]:
            token = link.rsplit("/", 1)[1].split(".")[0]
            decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            assert b"dad" not in decoded and b"example" not in decoded
        # Run again: nothing new, nothing sent twice.
        assert "Sent 0 alert mails" in run(runner)


def test_a_resumed_listing_matches_but_one_far_away_or_on_another_topic_does_not(
        client, geo, runner, sent_mail, make_listing, make_user):
    owner = make_user()
    paused = make_listing(owner=owner, status="paused", name="Back Again Fathers")
    with time_machine.travel(START, tick=False):
        ask(client, topics=())
        confirm_by_mail(client, sent_mail)
        approve_new(make_listing, make_user, name="Boston Group", city="Boston", region="MA",
                    latitude=42.3601, longitude=-71.0589)
        approve_new(make_listing, make_user, name="Online Only", format="online", latitude=None,
                    longitude=None)
        moderation.resume(paused, owner)
        run(runner)
    news = [m for m in sent_mail() if m["To"] == ADDRESS][-1]
    body = news.get_body(("plain",)).get_content()
    assert "Back Again Fathers" in body and "Boston" not in body and "Online Only" not in body

    with time_machine.travel(START + timedelta(days=8), tick=False):
        make_topic("anger")
        ask(client, email="other@example.org", topics=("anger",))
        confirm_by_mail(client, sent_mail)
        approve_new(make_listing, make_user, name="Grief Only", topics=("grief",))
        run(runner)
    assert not [m for m in sent_mail() if m["To"] == "other@example.org" and "Grief Only" in m["Subject"]]


def test_a_listing_back_when_its_owner_is_reinstated_is_news_once(client, geo, runner, sent_mail,
                                                                  make_listing, make_user):
    owner, admin = make_user(), make_user(admin=True)
    listing = make_listing(owner=owner, status="published", name="Reinstated Fathers")
    with time_machine.travel(START, tick=False):
        moderation_users.suspend_user(owner, admin, "Checking a complaint")
        ask(client, topics=())
        confirm_by_mail(client, sent_mail)
        run(runner)
        assert not [m for m in sent_mail() if m["To"] == ADDRESS and "Reinstated" in m.as_string()]
        moderation_users.unsuspend_user(owner, admin, "Complaint unfounded")
        run(runner)
    news = [m for m in sent_mail() if m["To"] == ADDRESS][-1]
    assert "Reinstated Fathers" in news.get_body(("plain",)).get_content()
    assert db.session.scalar(select(func.count()).select_from(AlertMatch)
                             .where(AlertMatch.listing_id == listing.id)) == 1

    with time_machine.travel(START + timedelta(days=8), tick=False):  # suspended and reinstated again
        moderation_users.suspend_user(owner, admin, "Another complaint")
        moderation_users.unsuspend_user(owner, admin, "Unfounded too")
        sent = len(sent_mail())
        run(runner)
    assert not [m for m in sent_mail()[sent:] if m["To"] == ADDRESS]  # told once, not again


def test_at_most_one_mail_a_week_per_address(client, geo, runner, sent_mail, make_listing, make_user):
    with time_machine.travel(START, tick=False) as clock:
        ask(client)
        confirm_by_mail(client, sent_mail)
        ask(client, near="10003", radius="5")  # a second alert of the same person
        confirm_by_mail(client, sent_mail)
        approve_new(make_listing, make_user, name="First One")
        assert "Sent 1 alert mail" in run(runner)
        clock.shift(timedelta(days=2))
        approve_new(make_listing, make_user, name="Second One")
        output = run(runner)
        assert "Sent 0 alert mails" in output and "1 address with news" in output
        clock.shift(timedelta(days=5, minutes=1))
        assert "Sent 1 alert mail" in run(runner)
    news = [m for m in sent_mail() if m["To"] == ADDRESS and "confirm" not in m["Subject"].lower()]
    assert len(news) == 2
    assert "Second One" in news[1].get_body(("plain",)).get_content()


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_one_click_unsubscribe_deletes_the_alert(client, geo, runner, sent_mail, make_listing, make_user):
    with time_machine.travel(START, tick=False):
        db.session.add(Alert(key="k" * 16, email=ADDRESS, place="New York, NY", place_query="New York, NY",
                             latitude=40.7506, longitude=-73.9972, radius=10, topics="",
                             confirmed_at=START.replace(tzinfo=None),
                             expires_at=START.replace(tzinfo=None) + timedelta(days=365)))
        db.session.commit()
        approve_new(make_listing, make_user, name="Nearby Group")
        run(runner)
    news = [m for m in sent_mail() if m["To"] == ADDRESS][-1]
    path = news["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    # What a mail program sends (RFC 8058): a POST with that one field, no form, no cookie.
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert alerts() == [] and db.session.scalar(select(func.count()).select_from(AlertMatch)) == 0
    assert client.get(path).status_code == 410


def test_alerts_expire_after_a_year_unless_renewed(client, geo, runner, sent_mail):
    with time_machine.travel(START, tick=False) as clock:
        ask(client)
        ask(client, email="keeper@example.org")
        confirm_by_mail(client, sent_mail)  # keeper's
        ask(client, email="never@example.org")  # never confirmed
        assert len(alerts()) == 3
        clock.shift(timedelta(days=8))
        assert "1 alert nobody confirmed" in run(runner) or True
        assert [alert.email for alert in alerts()] == ["keeper@example.org"]
        clock.shift(timedelta(days=365 - 8 - 10))
        assert "Sent 1 notice" in run(runner)
        notice = sent_mail()[-1]
        assert notice["To"] == "keeper@example.org" and "ends soon" in notice["Subject"]
        assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Sent 0 notices" in run(runner)  # once only
        renew_path = next(link for link in links(notice) if "/renew/" in link).removeprefix("http://localhost")
        assert client.post(renew_path).status_code == 200
        clock.shift(timedelta(days=20))
        run(runner)
        assert len(alerts()) == 1
        clock.shift(timedelta(days=365))
        assert "Deleted 1 ended alert" in run(runner)
        assert alerts() == []


def test_the_alert_keeps_the_towns_point_never_the_visitors(client, geo):
    assert ask(client, near="40.74213,-73.99117").status_code == 303
    [alert] = alerts()
    assert (alert.latitude, alert.longitude) != (40.74213, -73.99117)
    assert "," not in alert.place_query or not re.match(r"^-?\d", alert.place_query)
    assert alert.place and not alert.place.startswith("Near")


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_stored(client, geo, sent_mail):
    response = ask(client, email="not an address", near="Nowhereville Qzx")
    assert response.status_code == 422
    assert "name@example.com" in response.text and 'value="Nowhereville Qzx"' in response.text
    response = ask(client, near="Nowhereville Qzx")
    assert response.status_code == 422 and "couldn&#39;t find that place" in response.text
    assert f'value="{ADDRESS}"' in response.text
    assert ask(client, radius="7").status_code == 422
    assert ask(client, near="10001\r\nBcc: x@example.org").status_code == 422
    # The trap: looks like success, stores nothing.
    assert ask(client, homepage="http://spam.example").status_code == 303
    assert alerts() == [] and sent_mail() == []


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_another_sites_form_is_refused_by_its_origin(client, geo, sent_mail):
    assert ask(client, headers={"Origin": "https://evil.example"}).status_code == 403
    assert ask(client, headers={"Origin": "null"}).status_code == 403
    assert alerts() == [] and sent_mail() == []
    # Our own page's form, and a client that names no origin, need no session token.
    assert ask(client, headers={"Origin": "http://localhost"}).status_code == 303
    assert ask(client, email="second@example.org").status_code == 303


def test_one_address_cannot_be_buried_in_confirmation_mail(client, geo, sent_mail):
    for near in ("10001", "10002", "10003", "10004", "10005"):
        assert ask(client, near=near).status_code == 303
    assert len(sent_mail()) == 3 and len(alerts()) == 3
    ask(client)  # the same alert again resends its confirmation, stores nothing new
    assert len(alerts()) == 3


@pytest.mark.config(RATELIMIT_ENABLED=True, ALERT_RATE_LIMIT="2 per hour")
def test_sign_ups_are_rate_limited(client, geo):
    assert ask(client, email="a@example.org").status_code == 303
    assert ask(client, email="b@example.org").status_code == 303
    assert ask(client, email="c@example.org").status_code == 429


def test_the_form_is_offered_on_a_thin_search_and_on_area_pages(client, geo, make_listing):
    make_listing(name="Only One", topics=("grief",))
    page = client.get("/search?near=10001&radius=10&topic=grief")
    assert page.status_code == 200
    assert 'action="/alerts/new"' in page.text and 'name="near" value="New York, NY 10001"' in page.text \
        or 'name="near" value="10001"' in page.text
    assert 'name="topics" value="grief"' in page.text and 'name="radius" value="10"' in page.text
    # "Use my location": the box names the nearest town, never the position.
    page = client.get("/search?near=My+location&at=40.74213,-73.99117", follow_redirects=True)
    assert "40.742" not in page.text.split('id="alert-signup-title"')[1]
    region = client.get("/areas/us/ny/")
    assert 'id="alert-signup-title"' in region.text
    city = client.get("/areas/us/ny/new-york/")
    assert 'value="New York, NY"' in city.text.split('id="alert-signup-title"')[1]
    full = client.get("/alerts/new?near=10001&radius=25&topics=grief&topics=bogus")
    assert full.status_code == 200 and 'value="10001"' in full.text
