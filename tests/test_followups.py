"""Check-ins (issue 22, "Did they answer you?"): opt-in on the contact form, one mail four days later with
Yes / Not yet / No, answers counted per listing, the address gone with the message, the owner's answer rate,
a kind reminder after three "No" in 60 days, the admins' list, and "Usually answers" after five "Yes"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import delete, func, inspect, select

from directory import data_version
from directory.contact.models import ContactMessage
from directory.extensions import db
from directory.followups.models import Answer, CheckIn, OwnerNudge
from directory.timeutil import utcnow

from .test_contact import post_message

START = datetime(2026, 4, 6, 10, 0, tzinfo=UTC)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def run(runner) -> str:
    result = runner.invoke(args=["send-followups"])
    assert result.exit_code == 0, result.output
    return result.output


def answer_path(message, answer: str) -> str:
    text = message.get_body(("plain",)).get_content()
    url = re.search(rf"http://localhost(/did-they-answer/[\w.\-]+\?answer={answer})", text)
    return url.group(1)


def add_answers(listing, answer: str, *ages_in_days: float) -> None:
    for age in ages_in_days:
        db.session.add(Answer(listing_id=listing.id, answer=answer,
                              answered_at=utcnow() - timedelta(days=age)))
    db.session.commit()


def test_one_mail_four_days_later_and_its_three_answers(client, runner, geo, sent_mail, make_listing):
    written = make_listing(name="Silent Circle", topics=("grief",))
    for number in range(4):
        make_listing(name=f"Other Grief Group {number}", topics=("grief",), latitude=40.75 + number / 100)
    with time_machine.travel(START, tick=False) as clock:
        for visitor in ("yes", "notyet", "no"):
            response = post_message(client, written, email=f"{visitor}@example.com", check_in="y")
            assert response.status_code == 303
        assert "In four days we'll send you one e-mail" in client.get(response.location).text
        post_message(client, written, email="noask@example.com")  # did not tick the box
        assert count(CheckIn) == 3
        owner_mails = len(sent_mail())

        clock.shift(timedelta(days=4) - timedelta(minutes=1))
        assert "Sent 0 check-in mails" in run(runner)
        clock.shift(timedelta(minutes=2))
        assert "Sent 3 check-in mails" in run(runner)
        assert "Sent 0 check-in mails" in run(runner)  # never twice
    mails = {str(m["To"]): m for m in sent_mail()[owner_mails:]}
    assert set(mails) == {"yes@example.com", "notyet@example.com", "no@example.com"}
    checkin_mail = mails["no@example.com"]
    assert checkin_mail["Subject"] == "Did Silent Circle answer you?"
    assert checkin_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The address is forgotten as the mail is written.
    assert all(checkin.email == "" for checkin in db.session.scalars(select(CheckIn)))

    # Following the link records nothing (mail scanners follow links); it shows the three buttons and help.
    path = answer_path(checkin_mail, "no")
    page = client.get(path)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert count(Answer) == 0
    response = client.post(path.split("?")[0], data={"answer": "no"})
    assert response.status_code == 200
    others = re.findall(r"Other Grief Group \d", response.text)
    assert len(set(others)) == 3 and "Silent Circle</a>" not in response.text
    assert "988" in response.text  # the crisis line
    # Counted once, against the listing, with nothing about who.
    assert client.post(path.split("?")[0], data={"answer": "yes"}).status_code == 200
    assert [(a.listing_id, a.answer) for a in db.session.scalars(select(Answer))] == [(written.id, "no")]
    assert {column["name"] for column in inspect(db.engine).get_columns("followup_answers")} == \
        {"id", "listing_id", "answer", "answered_at"}

    response = client.post(answer_path(mails["notyet@example.com"], "not_yet").split("?")[0],
                           data={"answer": "not_yet"})
    assert "Others near" in response.text and "Other Grief Group" in response.text
    response = client.post(answer_path(mails["yes@example.com"], "yes").split("?")[0], data={"answer": "yes"})
    assert "glad they answered" in response.text and "Other Grief Group" not in response.text
    assert sorted(a.answer for a in db.session.scalars(select(Answer))) == ["no", "not_yet", "yes"]


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_dont_ask_me_is_one_click_and_a_hidden_listing_is_not_asked_about(client, runner, sent_mail,
                                                                         make_listing, make_user):
    listing = make_listing()
    paused = make_listing(status="paused")
    with time_machine.travel(START, tick=False) as clock:
        message = ContactMessage(listing_id=listing.id, sender_name="Sam", sender_email="a@example.com",
                                 message="Hello")
        other = ContactMessage(listing_id=paused.id, sender_name="Sam", sender_email="b@example.com",
                               message="Hello")
        db.session.add_all([message, other])
        db.session.flush()
        from directory.followups.services import schedule
        schedule(message.id, listing.id, "a@example.com")
        schedule(other.id, paused.id, "b@example.com")
        db.session.commit()
        clock.shift(timedelta(days=5))
        output = run(runner)
    assert "Sent 1 check-in mail;" in output and "skipped 1" in output
    [mail] = sent_mail()
    path = mail["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert count(CheckIn) == 0
    assert client.get(answer_path(mail, "yes")).status_code == 410


@pytest.mark.config(CONTACT_RETENTION_DAYS=14)
def test_the_address_goes_with_the_message_and_answers_stay(client, runner, geo, make_listing):
    listing = make_listing()
    with time_machine.travel(START, tick=False) as clock:
        post_message(client, listing, email="waiting@example.com", check_in="y")
        add_answers(listing, "yes", 1)
        clock.shift(timedelta(days=13))
        runner.invoke(args=["purge"])
        assert count(CheckIn) == 1
        clock.shift(timedelta(days=2))
        assert runner.invoke(args=["purge"]).exit_code == 0
    assert count(CheckIn) == 0 and count(ContactMessage) == 0 and count(Answer) == 1
    assert not db.session.scalar(select(func.count()).select_from(CheckIn)
                                 .where(CheckIn.email == "waiting@example.com"))


def test_three_no_in_sixty_days_remind_the_owner_once_and_tell_admins(client, runner, sent_mail, make_listing,
                                                                     make_user):
    owner = make_user("organiser@example.org", display_name="Pat")
    listing = make_listing(owner=owner, name="Quiet Group")
    add_answers(listing, "no", 2, 30, 61)  # the oldest is out of the window
    assert "Sent 0 reminders" in run(runner)
    assert client.sign_in(make_user(admin=True)) is None
    assert "Quiet Group" not in client.get("/admin/may-not-be-answering").text

    add_answers(listing, "no", 1)
    assert "Sent 1 reminder to owners" in run(runner)
    [reminder] = sent_mail()
    assert reminder["To"] == "organiser@example.org" and "Quiet Group" in reminder["Subject"]
    body = reminder.get_body(("plain",)).get_content()
    assert "3 of them told us they haven't heard back" in body and "spam" in body
    assert "Sent 0 reminders" in run(runner)  # one reminder, not one a day
    page = client.get("/admin/may-not-be-answering")
    assert page.status_code == 200 and "Quiet Group" in page.text
    db.session.refresh(listing)
    assert listing.status == "published"  # never unpublished automatically
    assert db.session.get(OwnerNudge, listing.id).no_count == 3

    with time_machine.travel(datetime.now(UTC) + timedelta(days=1)):
        add_answers(listing, "no", 0, 0)
        assert "Sent 0 reminders" in run(runner)  # two new ones since the reminder: not yet
        add_answers(listing, "no", 0)
        assert "Sent 1 reminder" in run(runner)


@pytest.mark.config(KEEP_CHOICES=True)
def test_usually_answers_on_search_pages_is_kept_per_data_version_and_hour(client, geo, make_listing):
    """Every search page asks which listings usually answer: the answer is kept until the data version
    moves (a recorded answer moves it) or the hour turns (old answers leave the window with time alone)."""
    listing = make_listing(name="Answering Group")

    def marked() -> bool:
        page = client.get("/search?near=10001").text
        return re.search(r"Answering Group.*?Usually answers", page, re.S) is not None

    add_answers(listing, "yes", 1, 2, 3, 4, 89.95)
    assert marked()
    db.session.execute(delete(Answer).where(Answer.answered_at < utcnow() - timedelta(days=50)))
    db.session.commit()
    assert marked()  # kept: nothing moved the version
    data_version.bump()
    db.session.commit()
    assert not marked()

    add_answers(listing, "yes", 89.95)
    data_version.bump()
    db.session.commit()
    assert marked()
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=3)):
        assert not marked()  # the oldest "Yes" is past ninety days now, with no change to the data


def test_members_cannot_see_the_admin_list(client, make_user):
    client.sign_in(make_user())
    assert client.get("/admin/may-not-be-answering").status_code in (403, 404)


def test_five_yes_in_ninety_days_shows_usually_answers_and_the_owner_sees_the_rate(client, geo, make_listing,
                                                                                  make_user):
    owner = make_user()
    listing = make_listing(owner=owner, name="Answering Group")
    add_answers(listing, "yes", 1, 10, 20, 89, 91)
    add_answers(listing, "no", 5)
    assert "Usually answers" not in client.get(f"/listings/{listing.slug}").text
    add_answers(listing, "yes", 3)
    assert "Usually answers" in client.get(f"/listings/{listing.slug}").text
    search = client.get("/search?near=10001")
    assert re.search(r"Answering Group.*?Usually answers", search.text, re.S)

    client.sign_in(owner)
    dashboard = client.get("/my/listings").text
    assert "Answer rate: 83%" in dashboard and "5 heard back" in dashboard and "1 not at all" in dashboard
