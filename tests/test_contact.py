"""The "Get in touch" relay: who can be written to, what owner and visitor receive, and what stops abuse."""

from __future__ import annotations

import email
import re
import time
from datetime import UTC, datetime, timedelta
from email import policy
from email.utils import getaddresses

import pytest
import time_machine
from sqlalchemy import func, select

from directory.contact import services
from directory.contact.forms import ContactForm
from directory.contact.models import ContactMessage
from directory.extensions import db
from directory.listings.models import Listing
from directory.moderation.models import Report
from directory.timeutil import utcnow

from .support import blns, corpus_lines

# Headers our relay may write. Anything else (Bcc, Cc, a second To...) means a header was injected.
ALLOWED_HEADERS = {
    "from", "to", "subject", "date", "message-id", "reply-to", "mime-version", "content-type",
    "content-transfer-encoding",
}


def contact_url(listing) -> str:
    return f"/listings/{listing.slug}/contact"


def started_token(slug: str, seconds_ago: int = 60) -> str:
    """A form timestamp from `seconds_ago`, as if the visitor had been typing that long."""
    with time_machine.travel(time.time() - seconds_ago, tick=False):
        return services.form_token(slug)


def post_message(client, listing, seconds_ago: int = 60, environ_base: dict | None = None, **fields):
    data = {
        "name": "Sam",
        "email": "sam@example.com",
        "message": "Hello, I would like to come along on Tuesday. Is that all right?",
        "how_to_reach": "",
        "started": started_token(listing.slug, seconds_ago),
    }
    data.update(fields)
    return client.post(contact_url(listing), data=data, environ_base=environ_base or {})


def parts(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def send(listing, **fields) -> ContactMessage:
    """The service as a view calls it (it builds links to the site, so it needs a request)."""
    from flask import current_app

    with current_app.test_request_context("/", method="POST"):
        return services.send_contact_message(listing, **fields)


def message_count() -> int:
    return db.session.scalar(select(func.count(ContactMessage.id)))


def assert_well_formed(message, to: str, reply_to: str | None) -> None:
    """Exactly one of each address header, nothing injected, no line breaks smuggled into a value."""
    names = [name.lower() for name in message.keys()]
    assert set(names) <= ALLOWED_HEADERS, names
    for header in ("from", "to", "subject"):
        assert names.count(header) == 1, (header, names)
    assert names.count("reply-to") == (1 if reply_to else 0), names
    assert [address for _, address in getaddresses([str(message["To"])])] == [to]
    if reply_to:
        assert [address for _, address in getaddresses([str(message["Reply-To"])])] == [reply_to]
    for header in ("From", "To", "Subject", "Reply-To"):
        if message[header] is not None:
            # Folding is fine; a bare line break is not.
            unfolded = re.sub(r"\r?\n[ \t]", " ", str(message[header]))
            assert "\n" not in unfolded and "\r" not in unfolded


# --- Who can be written to ----------------------------------------------------------------------------


def test_form_shows_for_a_published_listing_without_its_address(client, make_listing):
    listing = make_listing(contact_email="hidden.organiser@example.org")
    response = client.get(contact_url(listing))
    assert response.status_code == 200
    html = response.text
    assert f"Get in touch with {listing.name}" in html
    for name in ("name", "email", "message", "how_to_reach", "started"):
        assert f'name="{name}"' in html
    assert "hidden.organiser" not in html


def test_the_trap_field_is_hidden_by_a_class_skipped_by_keyboard_and_labelled(client, make_listing):
    html = client.get(contact_url(make_listing())).text
    trap = re.search(r'<div class="visually-hidden">(.*?)</div>\s*</div>', html, re.S)
    assert trap, "the trap field sits in a visually-hidden block"
    block = trap.group(1)
    assert "Leave this empty" in block
    field = re.search(r"<input[^>]*name=\"homepage\"[^>]*>", block).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    assert "style=" not in html.split("<main", 1)[1]


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "draft"},
        {"status": "pending"},
        {"status": "unpublished"},
        {"status": "paused"},
        {"contact_enabled": False},
        {"contact_email": ""},
    ],
    ids=["draft", "pending", "unpublished", "paused", "contact-off", "no-address"],
)
def test_form_is_404_unless_the_listing_takes_messages(client, make_listing, sent_mail, fields):
    listing = make_listing(**fields)
    assert client.get(contact_url(listing)).status_code == 404
    assert post_message(client, listing).status_code == 404
    assert client.get(f"{contact_url(listing)}/sent").status_code == 404
    assert sent_mail() == [] and message_count() == 0


def test_form_is_404_for_a_suspended_owner_and_an_unknown_slug(client, make_listing, make_user):
    owner = make_user(suspended_at=utcnow())
    assert client.get(contact_url(make_listing(owner))).status_code == 404
    assert client.get("/listings/no-such-listing/contact").status_code == 404


# --- Sending ------------------------------------------------------------------------------------------


def test_a_message_reaches_the_owner_with_reply_to_and_the_visitor_sees_his_copy(client, make_listing,
                                                                                 sent_mail):
    listing = make_listing(contact_email="organiser@example.org", name="Tuesday Dads")
    response = post_message(client, listing, name="Sam", email="sam@example.com",
                            message="Hello!\r\nCan I bring a friend?", how_to_reach="Evenings, by e-mail")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/listings/{listing.slug}/contact/sent")

    (to_owner,) = sent_mail()  # nothing to the visitor's unconfirmed address
    assert_well_formed(to_owner, "organiser@example.org", reply_to="sam@example.com")
    assert str(to_owner["Reply-To"]) == "sam@example.com"
    assert "Sam" in str(to_owner["Subject"]) and "Tuesday Dads" in str(to_owner["Subject"])
    text, html = parts(to_owner)
    assert "Hello!\nCan I bring a friend?" in text and "Evenings, by e-mail" in text
    assert "Can I bring a friend?" in html

    stored = db.session.scalars(select(ContactMessage)).one()
    assert (stored.sender_name, stored.sender_email, stored.how_to_reach) == ("Sam", "sam@example.com",
                                                                               "Evenings, by e-mail")
    assert stored.message == "Hello!\nCan I bring a friend?"
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).contact_count == 1

    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "Your message is sent" in thanks.text
    assert "What happens next" in thanks.text and "Can I bring a friend?" in thanks.text
    assert "organiser@example.org" not in thanks.text


def test_a_private_join_link_is_on_the_sent_page_only(client, make_listing, sent_mail):
    url = "https://meet.example.net/j/123456?pwd=secret"
    listing = make_listing(format="online", online_url=url, online_url_private=True)
    page = client.get(f"/listings/{listing.slug}")
    if page.status_code == 200:  # the listing page belongs to the listings feature
        assert "meet.example.net" not in page.text
    form = client.get(contact_url(listing)).text
    assert "meet.example.net" not in form and "it will be on that page" in form
    response = post_message(client, listing)
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).text
    assert f'href="{url.replace("&", "&amp;")}"' in thanks
    download = client.get(f"{contact_url(listing)}/sent/copy.txt")
    assert url in download.text
    other_browser = client.application.test_client()
    assert other_browser.get(f"{contact_url(listing)}/sent/copy.txt").status_code == 404


def test_a_public_join_link_is_not_repeated_in_the_copy(client, make_listing, sent_mail):
    listing = make_listing(format="online", online_url="https://meet.example.net/j/1",
                           online_url_private=False)
    response = post_message(client, listing)
    assert "meet.example.net" not in client.get(f"{contact_url(listing)}/sent/copy.txt").text
    assert response.status_code == 303


def test_links_in_the_message_are_not_clickable_for_the_owner(client, make_listing, sent_mail):
    listing = make_listing()
    post_message(client, listing, name="www.win-a-prize.com",
                 message="Visit https://evil.example.com/login?next=/ or www.phish.co.uk, mail bob@spam.org\n"
                         "<a href=\"https://evil.example.com\">click</a> <script>alert(1)</script>")
    (to_owner,) = sent_mail()
    for message in (to_owner,):
        text, html = parts(message)
        html = html.split("<body", 1)[1]  # the subject in <title> is not shown as text
        for body in (text, html):
            assert "evil.example.com" not in body and "www.phish.co.uk" not in body
            assert "hxxps[://]evil[.]example[.]com/login" in body and "www[.]phish[.]co[.]uk" in body
            assert "spam.org" not in body and "win-a-prize.com" not in body
        assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<a" not in parts(to_owner)[1]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("see https://example.com/x", "see hxxps[://]example[.]com/x"),
        ("HTTP://EXAMPLE.COM", "HXXP[://]EXAMPLE[.]COM"),
        ("www.example.org.", "www[.]example[.]org."),
        ("javascript:alert(1)", "javascript[:]alert(1)"),
        ("me@mail.example.de", "me@mail[.]example[.]de"),
        ("пример.рф", "пример[.]рф"),
        ("e.g. 3.5 hours, U.S. time", "e.g. 3.5 hours, U.S. time"),
        ("Note: nothing here", "Note: nothing here"),
    ],
)
def test_defang(text, expected):
    assert services.defang(text) == expected


# --- Anti-abuse ---------------------------------------------------------------------------------------


def test_a_filled_trap_looks_like_success_but_sends_and_keeps_nothing(client, make_listing, sent_mail):
    listing = make_listing()
    response = post_message(client, listing, homepage="http://spam.example")
    assert response.status_code == 303
    assert sent_mail() == [] and message_count() == 0
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).contact_count == 0


def test_a_form_sent_too_fast_is_held_back_with_a_clear_request_to_try_again(client, make_listing, sent_mail):
    listing = make_listing()
    start = datetime(2025, 3, 4, 12, 0, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        token = services.form_token(listing.slug)
    with time_machine.travel(start + timedelta(seconds=1), tick=False):
        response = post_message(client, listing, started=token, message="Quick one")
    assert response.status_code == 422
    assert "faster than we expected" in response.text and "press Send again" in response.text
    assert "Quick one" in response.text  # what they wrote is still there
    assert f'value="{token}"' in response.text  # and the clock keeps running from the first view
    assert sent_mail() == []
    with time_machine.travel(start + timedelta(seconds=4), tick=False):
        assert post_message(client, listing, started=token).status_code == 303
    assert len(sent_mail()) == 1


@pytest.mark.config(CONTACT_MIN_SECONDS=0)
@pytest.mark.parametrize("stamp", ["", "forged.stamp.value", "other-listing"])
def test_a_missing_or_foreign_timestamp_is_refused_and_replaced(client, make_listing, sent_mail, stamp):
    listing = make_listing()
    if stamp == "other-listing":
        stamp = services.form_token(make_listing().slug)
    response = post_message(client, listing, started=stamp)
    assert response.status_code == 422 and "send it again" in response.text
    fresh = re.search(r'name="started" type="hidden" value="([^"]+)"', response.text).group(1)
    assert fresh != stamp
    assert sent_mail() == []
    assert post_message(client, listing, started=fresh).status_code == 303


@pytest.mark.parametrize(
    "fields, field_id, message",
    [
        ({"message": "x" * 5001}, "message", "5,001 characters"),
        ({"message": "   "}, "message", "Please write a message"),
        ({"name": "n" * 81}, "name", "under 80 characters"),
        ({"name": ""}, "name", "A first name is enough"),
        ({"name": "Sam\r\nBcc: victim@example.org"}, "name", "letters, numbers and punctuation"),
        ({"name": "Sam\x07"}, "name", "letters, numbers and punctuation"),
        ({"name": "\u202eevil"}, "name", "letters, numbers and punctuation"),
        ({"email": "not-an-address"}, "email", "name@example.com"),
        ({"email": "sam@example.com\nBcc: victim@example.org"}, "email", "name@example.com"),
        ({"how_to_reach": "p" * 201}, "how_to_reach", "under 200 characters"),
        ({"how_to_reach": "call\nme"}, "how_to_reach", "letters, numbers and punctuation"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_kept(client, make_listing, sent_mail, fields, field_id,
                                                       message):
    listing = make_listing()
    response = post_message(client, listing, **fields)
    assert response.status_code == 422
    error = re.search(rf'<div class="field-error" id="{field_id}-error">(.*?)</div>', response.text, re.S)
    assert error and message in error.group(1)
    assert 'aria-invalid="true"' in response.text
    assert sent_mail() == [] and message_count() == 0


def test_a_long_message_is_kept_when_refused_and_line_breaks_count_once(client, make_listing, sent_mail):
    listing = make_listing()
    too_long = "word " * 1001
    response = post_message(client, listing, message=too_long)
    assert response.status_code == 422 and too_long.strip() in response.text
    # 2,500 lines typed in a browser arrive as CRLF, 5,000 characters as a person counts them.
    exactly = "a\r\n" * 2500
    assert post_message(client, listing, message=exactly).status_code == 303


@pytest.mark.config(RATELIMIT_ENABLED=True, CONTACT_RATE_LIMIT_IP="1 per 10 minutes")
def test_a_second_rapid_message_is_refused_with_a_clear_explanation(client, make_listing, sent_mail):
    listing, other = make_listing(), make_listing()
    assert post_message(client, listing).status_code == 303
    response = post_message(client, other, message="My second message, please keep it")
    assert response.status_code == 429
    assert "Please wait before sending another message" in response.text
    assert "Your message has not been sent" in response.text
    assert re.search(r"in about (9|10) minutes", response.text)
    assert 0 < int(response.headers["Retry-After"]) <= 600
    assert "My second message, please keep it" in response.text  # shown back so it is not lost
    assert len(sent_mail()) == 1 and message_count() == 1
    # Reading the form is never limited.
    assert client.get(contact_url(other)).status_code == 200


@pytest.mark.config(RATELIMIT_ENABLED=True, CONTACT_RATE_LIMIT_IP="1 per 10 minutes")
def test_a_refused_form_does_not_use_up_the_limit(client, make_listing):
    listing = make_listing()
    assert post_message(client, listing, message="").status_code == 422
    assert post_message(client, listing, name="\x00").status_code == 422
    assert post_message(client, listing).status_code == 303


@pytest.mark.config(RATELIMIT_ENABLED=True, CONTACT_RATE_LIMIT_IP="100 per minute",
                    CONTACT_RATE_LIMIT_LISTING="2 per day")
def test_one_listing_takes_only_so_many_messages_a_day_from_anyone(client, make_listing, sent_mail):
    listing, other = make_listing(), make_listing()
    for number in (1, 2):
        visitor = {"REMOTE_ADDR": f"10.0.0.{number}"}
        assert post_message(client, listing, environ_base=visitor).status_code == 303
    refused = post_message(client, listing, environ_base={"REMOTE_ADDR": "10.0.0.3"})
    assert refused.status_code == 429 and "each listing receives only so many a day" in refused.text
    assert post_message(client, other, environ_base={"REMOTE_ADDR": "10.0.0.3"}).status_code == 303


def test_the_post_needs_a_csrf_token_when_protection_is_on(app, make_listing, sent_mail):
    app.config["WTF_CSRF_ENABLED"] = True
    listing = make_listing()
    response = post_message(app.test_client(), listing)
    assert response.status_code in (400, 422)
    assert sent_mail() == []


def test_a_mail_server_failure_keeps_the_message_and_says_it_is_on_its_way(app, client, make_listing,
                                                                             sent_mail):
    """Nothing listens on port 9: the message is stored and counted, and the visitor is told the truth."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_TIMEOUT=1)
    try:
        listing = make_listing()
        response = post_message(client, listing)
        assert response.status_code == 303
        thanks = client.get(response.headers["Location"]).text
        assert "on its way" in thanks and "could not" not in thanks.lower()
        assert message_count() == 1
        db.session.expire_all()
        assert db.session.get(Listing, listing.id).contact_count == 1
        assert sent_mail() == []
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25, MAIL_TIMEOUT=10)


# --- Header injection, with the corpus -----------------------------------------------------------------


@pytest.mark.corpus
def test_every_naughty_string_as_name_and_message_gives_well_formed_mail(app, make_listing, mail_folder):
    """Every BLNS string, as the name and as the message, through the form's validation and the service.

    Accepted ones must produce mail to the organiser with exactly one From, To, Reply-To and Subject and
    nothing injected.
    """
    listing = make_listing(contact_email="organiser@example.org")
    strings = blns()
    tried = accepted = 0
    for value in strings:
        for fields in ({"name": value, "message": "Hello"}, {"name": "Sam", "message": value}):
            tried += 1
            data = {"email": "sam@example.com", "how_to_reach": "", **fields}
            with app.test_request_context(contact_url(listing), method="POST", data=data):
                form = ContactForm()
                if not form.validate():
                    continue
                services.send_contact_message(
                    listing, name=form.name.data, email=form.email.data, message=form.message.data
                )
                accepted += 1
    db.session.commit()
    files = sorted(mail_folder.glob("*.eml"))
    assert len(files) == accepted  # the organiser's mail only: the visitor's copy is shown, never mailed
    for path in files:
        # compat32 parses headers lazily, which keeps 1,000 files fast; the checks read only headers.
        message = email.message_from_bytes(path.read_bytes(), policy=policy.compat32)
        assert_well_formed(message, "organiser@example.org", reply_to="sam@example.com")
        assert [part.get_content_type() for part in message.walk()][1:] == ["text/plain", "text/html"]
    print(f"BLNS: {len(strings)} strings, {tried} name/message submissions tried, {accepted} accepted")
    assert tried == 2 * len(strings) and accepted > len(strings)  # most strings are fine as a message


def test_raw_hostile_names_cannot_add_headers_even_past_the_form(app, make_listing, sent_mail):
    """Defence in depth: if a name with line breaks ever reached the service, mail.py still holds."""
    listing = make_listing(contact_email="organiser@example.org")
    hostile = [
        "Sam\r\nBcc: victim@example.org",
        "Sam\nTo: second@example.org",
        "Sam\r\n\r\n<html>body</html>",
        'Sam" <x@example.org>, "Eve',
    ]
    for name in hostile:
        send(listing, name=name, email="sam@example.com", message="hi")
    db.session.commit()
    mails = sent_mail()
    assert len(mails) == len(hostile)
    for message in mails:
        assert_well_formed(message, "organiser@example.org", reply_to="sam@example.com")


@pytest.mark.corpus
def test_a_sample_of_naughty_strings_over_http_never_gives_a_500(client, make_listing):
    listing = make_listing()
    sample = blns()[::8] + corpus_lines("payloadsallthethings", "xss_injection", "XSS_Polyglots.txt")[:10]
    statuses = set()
    for value in sample:
        for fields in ({"name": value}, {"message": value}, {"how_to_reach": value}, {"email": value}):
            response = post_message(client, listing, **fields)
            assert response.status_code in (303, 422), (fields, response.status_code)
            statuses.add(response.status_code)
            if response.status_code == 422:
                assert "<script>alert" not in response.text
    assert statuses == {303, 422}


# --- Admins, and only for a reported listing -----------------------------------------------------------


def admin_url(listing) -> str:
    return f"/admin/listings/{listing.id}/messages"


def test_admins_see_messages_only_for_a_reported_listing(client, make_listing, make_user):
    listing, quiet = make_listing(), make_listing()
    post_message(client, listing, message="Message to the reported one")
    post_message(client, quiet, message="Message to the quiet one")
    admin = make_user(admin=True)
    client.sign_in(admin)
    assert client.get(admin_url(listing)).status_code == 404  # not reported yet
    db.session.add(Report(listing_id=listing.id, reason="inappropriate", message="Spam"))
    db.session.commit()
    page = client.get(admin_url(listing))
    assert page.status_code == 200
    assert "Message to the reported one" in page.text and "sam@example.com" in page.text
    assert "Message to the quiet one" not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get(admin_url(quiet)).status_code == 404
    assert client.get("/admin/listings/999999/messages").status_code == 404


def test_reading_and_deleting_kept_messages_is_audited(client, make_listing, make_user):
    from directory.moderation.models import ModerationEvent

    listing = make_listing()
    post_message(client, listing, message="Please delete this one")
    post_message(client, listing, message="Keep this one")
    db.session.add(Report(listing_id=listing.id, reason="other", message="Sender asked for deletion"))
    db.session.commit()
    admin = make_user(admin=True)
    client.sign_in(admin)
    assert "Please delete this one" in client.get(admin_url(listing)).text
    target = db.session.scalar(
        select(ContactMessage.id).where(ContactMessage.message == "Please delete this one")
    )
    response = client.post(f"{admin_url(listing)}/delete", data={"message_id": target})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "The message was deleted." in page
    assert "Please delete this one" not in page and "Keep this one" in page
    # Another listing's message cannot be deleted through this one's page.
    other = make_listing()
    post_message(client, other, message="Not yours")
    stray = db.session.scalar(select(ContactMessage).where(ContactMessage.message == "Not yours"))
    delete_url = f"{admin_url(listing)}/delete"
    assert client.post(delete_url, data={"message_id": stray.id}).status_code == 404
    assert client.post(delete_url, data={"message_id": target}).status_code == 404  # already gone
    assert client.post(delete_url, data={"message_id": "x"}).status_code == 400
    events = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id)).all()
    assert [(event.action, event.actor_id, event.listing_id) for event in events] == [
        ("read_contact_messages", admin.id, listing.id),
        ("delete_contact_message", admin.id, listing.id),
        ("read_contact_messages", admin.id, listing.id),
    ]
    assert message_count() == 2


def test_the_messages_page_is_closed_to_visitors_and_members(app, client, make_listing, make_user):
    listing = make_listing()
    db.session.add(Report(listing_id=listing.id, reason="other"))
    db.session.commit()
    anonymous = client.get(admin_url(listing))
    assert anonymous.status_code in (302, 401)
    client.sign_in(make_user())
    assert client.get(admin_url(listing)).status_code == 403
    send(listing, name="Sam", email="sam@example.com", message="hi")
    db.session.commit()
    kept = db.session.scalar(select(ContactMessage.id))
    assert client.post(f"{admin_url(listing)}/delete", data={"message_id": kept}).status_code == 403
    assert message_count() == 1


# --- Keeping messages only briefly --------------------------------------------------------------------


def _message_at(listing, when: datetime, text: str) -> None:
    with time_machine.travel(when, tick=False):
        send(listing, name="Sam", email="sam@example.com", message=text)
        db.session.commit()


def test_purge_removes_messages_older_than_the_limit_and_nothing_else(runner, make_listing):
    listing = make_listing()
    now = datetime(2025, 6, 1, 9, 0, 0, tzinfo=UTC)
    _message_at(listing, now - timedelta(days=45), "old")
    _message_at(listing, now - timedelta(days=30, minutes=1), "just over")
    _message_at(listing, now - timedelta(days=29, hours=23), "just under")
    _message_at(listing, now - timedelta(hours=1), "new")
    with time_machine.travel(now, tick=False):
        result = runner.invoke(args=["purge"])
        assert result.exit_code == 0, result.output
        assert "Removed 2 contact messages older than 30 days." in result.output
        again = runner.invoke(args=["purge"])
        assert "Removed 0 contact messages" in again.output
    db.session.expire_all()
    assert sorted(db.session.scalars(select(ContactMessage.message))) == ["just under", "new"]
    # The counter is history, not personal data: it stays.
    assert db.session.get(Listing, listing.id).contact_count == 4


@pytest.mark.config(CONTACT_RETENTION_DAYS=7)
def test_purge_follows_the_configured_limit(runner, make_listing):
    listing = make_listing()
    now = datetime(2025, 6, 1, 9, 0, 0, tzinfo=UTC)
    _message_at(listing, now - timedelta(days=8), "eight days")
    _message_at(listing, now - timedelta(days=6), "six days")
    with time_machine.travel(now, tick=False):
        result = runner.invoke(args=["purge"])
    assert "Removed 1 contact message older than 7 days." in result.output
    assert list(db.session.scalars(select(ContactMessage.message))) == ["six days"]


def test_messages_go_with_their_listing(make_listing):
    """A listing deleted outright takes its messages with it (the foreign key cascades)."""
    listing = make_listing()
    send(listing, name="Sam", email="sam@example.com", message="hi")
    db.session.commit()
    db.session.delete(listing)
    db.session.commit()
    assert message_count() == 0


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_the_default_limit_lets_a_visitor_write_to_six_groups_in_an_hour_then_asks_them_to_wait(client,
                                                                                                  make_listing):
    """Writing to four or five groups in one sitting is what the site is for; a seventh within the hour waits,
    and the page that says so carries the crisis line."""
    for _ in range(6):
        listing = make_listing()
        assert client.get(contact_url(listing)).status_code == 200  # the visitor's cookie, as a browser has
        assert post_message(client, listing).status_code == 303
    refused = post_message(client, make_listing())
    assert refused.status_code == 429 and re.search(r"in about (59|60) minutes", refused.text)
    assert "call or text 988" in refused.text


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_people_behind_one_address_each_have_their_own_allowance(app, make_listing):
    """A mobile carrier puts many people behind one address: one visitor's messages do not use up the next
    one's. A client that keeps no cookie counts against its address."""
    listings = [make_listing() for _ in range(7)]
    first, second, cookieless = app.test_client(), app.test_client(), app.test_client(use_cookies=False)
    for listing in listings[:6]:
        first.get(contact_url(listing))
        assert post_message(first, listing).status_code == 303
    assert post_message(first, listings[6]).status_code == 429
    second.get(contact_url(listings[6]))
    assert post_message(second, listings[6]).status_code == 303
    for listing in listings[:6]:
        assert post_message(cookieless, listing).status_code == 303
    assert post_message(cookieless, listings[6]).status_code == 429


@pytest.mark.config(RATELIMIT_ENABLED=True, CONTACT_RATE_LIMIT_IP="2 per hour")
def test_the_address_limit_still_holds_whatever_the_cookies(app, make_listing):
    listings = [make_listing() for _ in range(3)]
    for listing in listings[:2]:
        visitor = app.test_client()
        visitor.get(contact_url(listing))
        assert post_message(visitor, listing).status_code == 303
    another = app.test_client()
    another.get(contact_url(listings[2]))
    assert post_message(another, listings[2]).status_code == 429


def test_the_form_shows_the_crisis_line(client, make_listing):
    page = client.get(contact_url(make_listing())).text
    assert "Need to talk to someone now" in page and 'href="tel:988"' in page
