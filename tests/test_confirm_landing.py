"""Confirming the e-mail address signs its person in and shows where the work is: an organiser his listings
with "List your group" first, an admin the review queue. A suspended account is not signed in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from directory.accounts import services
from directory.extensions import db
from directory.timeutil import utcnow


def confirm_path(sent_mail, to: str) -> str:
    for message in reversed(sent_mail()):
        if message["To"] == to:
            text = message.get_body(preferencelist=("plain",)).get_content()
            (link,) = [link for link in re.findall(r"https?://\S+", text) if "/account/confirm/" in link]
            return urlsplit(link).path
    raise AssertionError(f"no confirmation mail to {to}")


def test_confirming_signs_an_organiser_in_and_opens_his_listings(client, make_user, sent_mail):
    user = make_user("new@example.org", confirmed=False)
    services.send_confirmation(user)
    path = confirm_path(sent_mail, "new@example.org")
    assert client.get("/my/listings").status_code == 302  # not signed in yet

    response = client.post(path)
    assert response.status_code == 303 and response.headers["Location"] == "/my/listings"
    page = client.get("/my/listings").get_data(as_text=True)
    assert "your e-mail address is confirmed" in page
    buttons = re.findall(r'<div class="owner-new">(.*?)</div>', page, re.S)[0]
    assert re.findall(r">([^<]+)</a>", buttons) == ["List your group", "List yourself as a mentor"]
    db.session.expire_all()
    assert user.is_confirmed and user.last_login_at is not None


def test_confirming_lands_an_admin_on_the_review_queue(client, make_user, sent_mail):
    admin = make_user("admin@example.org", admin=True, confirmed=False)
    services.send_confirmation(admin)
    response = client.post(confirm_path(sent_mail, "admin@example.org"))
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_confirmation_link_signs_in_nobody_else_and_no_suspended_account(client, make_user, sent_mail):
    other = make_user("other@example.org")
    suspended = make_user("gone@example.org", confirmed=False)
    services.send_confirmation(suspended)
    suspended.suspended_at = utcnow()
    db.session.commit()
    client.sign_in(other)

    response = client.post(confirm_path(sent_mail, "gone@example.org"))
    assert response.headers["Location"] == "/account/sign-in"
    assert client.get("/account").get_data(as_text=True).count("other@example.org")  # still the other one


def test_a_used_link_signs_nobody_in(client, make_user, sent_mail):
    user = make_user("twice@example.org", confirmed=False)
    services.send_confirmation(user)
    path = confirm_path(sent_mail, "twice@example.org")
    assert client.post(path).status_code == 303
    client.post("/account/sign-out")
    assert client.post(path).status_code == 400
    assert client.get("/my/listings").status_code == 302
