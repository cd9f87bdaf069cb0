"""The outbox (issue 15, point 4): every mail stored with the action that causes it, then sent; a real SMTP
server (aiosmtpd, on 127.0.0.1, started here) that takes mail, refuses it, is down, or is too slow. Each
case ends with every message delivered exactly once: the Message-IDs the server received say so."""

from __future__ import annotations

import asyncio
import email
import re
import socket
from datetime import timedelta
from email import policy

import pytest
import time_machine
from sqlalchemy import select

from directory import outbox
from directory.datarights.services import delete_person
from directory.extensions import db
from directory.moderation.models import ModerationEvent
from directory.outbox import FAILED, INTERRUPTED, QUEUED, SENDING, SENT, OutboxMessage
from directory.timeutil import utcnow
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support import missing

from .test_contact import post_message

pytestmark = pytest.mark.own_app


class Handler:
    """Keeps every message it accepted; can refuse the next ones (5xx) or answer slowly."""

    def __init__(self) -> None:
        self.received: list[email.message.EmailMessage] = []
        self.refuse_next = 0
        self.delay = 0.0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd's name
        if self.delay:
            await asyncio.sleep(self.delay)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.refuse_next:
            self.refuse_next -= 1
            return "554 5.7.1 Refused for this test"
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 2.0.0 Accepted"

    def message_ids(self) -> list[str]:
        return [str(message["Message-ID"]) for message in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    """An aiosmtpd server on 127.0.0.1 that the test starts and stops."""

    def __init__(self, port: int) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            missing("aiosmtpd is not installed (pip install -e '.[test]')")
        self.port = port
        self.handler = Handler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port)
        self.running = False

    def start(self) -> None:
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False
        if not self.controller.loop.is_closed():
            self.controller.loop.close()


@pytest.fixture
def smtp(app):
    """A server on a free port, not yet started, with the app pointed at it and a short timeout."""
    server = SMTPServer(free_port())
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=1)
    yield server
    server.stop()


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def queue_one(to: str = "owner@example.org") -> OutboxMessage:
    from flask import current_app

    with current_app.test_request_context("/"):
        row = outbox.queue_mail(to, "Hello", "accounts/deleted", name="Sam")
    db.session.commit()
    return row


def run_cli(runner) -> str:
    result = runner.invoke(args=["mail", "send-queued"])
    assert result.exit_code == 0, result.output
    return result.output


def assert_exactly_once(server: SMTPServer) -> None:
    ids = server.handler.message_ids()
    assert sorted(ids) == sorted({row.message_id for row in rows()}), "a message missing or sent twice"
    assert all(row.status == SENT for row in rows())


# ------------------------------------------------------------------------------------------ the four cases


def test_delivered_at_once_and_the_visitor_is_told_it_was_sent(app, client, smtp, make_listing):
    smtp.start()
    listing = make_listing()
    response = post_message(client, listing)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have passed your message to" in page
    (row,) = rows()
    assert row.status == SENT and row.raw == b"" and row.sent_at is not None
    assert smtp.handler.received[0]["To"] == listing.contact_email
    assert "nothing was due" in run_cli(app.test_cli_runner()).lower()
    assert_exactly_once(smtp)


def test_refused_with_5xx_then_taken_on_the_next_run(app, client, smtp, make_listing):
    smtp.start()
    smtp.handler.refuse_next = 1
    listing = make_listing()
    response = post_message(client, listing)
    assert response.status_code == 303  # stored: never an error for the visitor
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "on its way" in page and "could not" not in page.lower()
    (row,) = rows()
    assert (row.status, row.attempts, row.last_error) == (QUEUED, 1, "SMTPDataError")
    assert timedelta(seconds=50) < row.next_attempt_at - row.created_at < timedelta(seconds=70)
    assert "nothing was due" in run_cli(app.test_cli_runner()).lower()  # not before its time
    assert smtp.handler.received == []
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        output = run_cli(app.test_cli_runner())
    assert "sent 1" in output.lower()
    assert_exactly_once(smtp)


def test_server_down_then_up(app, smtp):
    with app.app_context():
        make_user("member@example.org")
    client = app.test_client()
    assert client.post("/account/forgot", data={"email": "member@example.org"}).status_code == 303
    with app.app_context():
        (row,) = rows()
        assert (row.status, row.last_error) == (QUEUED, "ConnectionRefusedError")
        smtp.start()
        with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
            assert "sent 1" in run_cli(app.test_cli_runner()).lower()
        assert_exactly_once(smtp)
        assert "/account/reset/" in smtp.handler.received[0].get_body(("plain",)).get_content()


def test_slow_server_times_out_then_delivers_once(app, app_context, smtp):
    smtp.start()
    smtp.handler.delay = 3  # MAIL_TIMEOUT is 1 second
    row = queue_one()
    assert outbox.deliver(row) is False
    (row,) = rows()
    assert (row.status, row.last_error) == (QUEUED, "TimeoutError")
    smtp.handler.delay = 0
    run = outbox.send_queued(now=utcnow() + timedelta(minutes=2))
    assert (run.sent, run.retrying) == (1, 0)
    assert_exactly_once(smtp)


def test_a_crash_between_send_and_mark_sends_nothing_twice(app, app_context, smtp, monkeypatch):
    smtp.start()
    row = queue_one()

    def crash(row_id):
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(outbox, "mark_sent", crash)
    with pytest.raises(RuntimeError):
        outbox.deliver(row)
    monkeypatch.undo()
    db.session.rollback()
    assert len(smtp.handler.received) == 1
    assert rows()[0].status == SENDING
    later = utcnow() + timedelta(minutes=2)
    assert outbox.send_queued(now=later).sent == 0
    much_later = utcnow() + timedelta(hours=1)
    assert outbox.send_queued(now=much_later).interrupted == 1
    (row,) = rows()
    assert (row.status, row.last_error) == (FAILED, INTERRUPTED)
    assert outbox.send_queued(now=much_later + timedelta(hours=1)).sent == 0
    assert smtp.handler.message_ids() == [row.message_id]  # once, never again


# ------------------------------------------------------------------------------ backoff, giving up, admins


def test_backoff_grows_then_gives_up_after_48_hours(app, app_context, smtp):
    row = queue_one()  # the server never starts
    created = rows()[0].created_at
    waits = []
    now = created
    assert outbox.deliver(row) is False
    while rows()[0].status == QUEUED:
        current = rows()[0]
        waits.append(round((current.next_attempt_at - now).total_seconds() / 60))
        now = current.next_attempt_at
        outbox.send_queued(now=now)
    assert waits[:5] == [1, 5, 15, 60, 60]
    (row,) = rows()
    assert row.status == FAILED and row.last_error == "ConnectionRefusedError"
    assert timedelta(hours=48) <= now - created < timedelta(hours=49)


def test_admins_see_waiting_and_failed_mail_with_the_recipient_masked(app, app_context, smtp):
    queue_one("someone.private@example.org")
    admin = make_user("admin@example.org", admin=True)
    client = app.test_client(user=admin)
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "s***@example.org" in page and "someone.private" not in page
    assert "queued" in page
    member = app.test_client(user=make_user("member@example.org"))
    assert member.get("/admin/mail").status_code == 403


def test_an_admin_sends_given_up_mail_again_once_and_the_log_says_so(app, app_context, smtp):
    given_up = queue_one("someone.private@example.org")
    interrupted = queue_one("other@example.org")
    waiting = queue_one("third@example.org")
    for row, error in ((given_up, "ConnectionRefusedError"), (interrupted, INTERRUPTED)):
        row.status, row.last_error = FAILED, error
    db.session.commit()
    admin = app.test_client(user=make_user("admin@example.org", admin=True))
    page = admin.get("/admin/mail").get_data(as_text=True)
    assert page.count(">Send again</button>") == 1 and page.count(">Send again (may arrive twice)<") == 1
    assert f'action="/admin/mail/{waiting.id}/send-again"' not in page  # queued: nothing to decide

    answer = admin.post(f"/admin/mail/{given_up.id}/send-again", follow_redirects=True)
    assert "The message is queued again" in answer.get_data(as_text=True)
    assert [row.status for row in rows()] == [QUEUED, FAILED, QUEUED]
    again = admin.post(f"/admin/mail/{given_up.id}/send-again", follow_redirects=True)  # a second click
    assert "no longer waiting for a decision" in again.get_data(as_text=True)
    events = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id)).all()
    assert [(event.action, event.reason) for event in events] == [("mail_queued_again", "accounts/deleted")]
    assert "someone.private" not in admin.get("/admin/audit").get_data(as_text=True)

    smtp.start()
    run_cli(app.test_cli_runner())
    assert {row.recipient: row.status for row in rows()} == {
        "someone.private@example.org": SENT, "other@example.org": FAILED, "third@example.org": SENT}
    member = app.test_client(user=make_user("member@example.org"))
    assert member.post(f"/admin/mail/{interrupted.id}/send-again").status_code == 403


def test_without_a_mail_server_mail_goes_to_the_folder_and_leaves_at_once(app, app_context, sent_mail):
    app.config["MAIL_SERVER"] = None
    row = queue_one()
    assert outbox.deliver(row) is True
    assert [message["Message-ID"] for message in sent_mail()] == [rows()[0].message_id]


# --------------------------------------------------------------------------------- the visitor's own copy


def test_the_visitors_copy_is_shown_not_mailed(app, client, make_listing, sent_mail):
    listing = make_listing()
    response = post_message(client, listing, message="Hello, this is my own text about Tuesday evenings.")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert [message["To"] for message in sent_mail()] == [listing.contact_email]  # nothing to the visitor
    assert "this is my own text about Tuesday evenings" in page
    link = re.search(r'href="([^"]+/copy[^"]*)"', page).group(1)
    download = client.get(link)
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert "this is my own text about Tuesday evenings" in download.get_data(as_text=True)
    assert app.test_client().get(link).status_code == 404  # another browser gets nothing


# ------------------------------------------------------------------------------------ what is kept, how long


def test_purge_removes_old_finished_mail_and_keeps_what_still_waits(app, app_context):
    old_sent, old_failed, old_queued, recent_sent = (queue_one(f"person{n}@example.org") for n in range(4))
    long_ago = utcnow() - timedelta(days=app.config["OUTBOX_RETENTION_DAYS"] + 1)
    for row, status in ((old_sent, SENT), (old_failed, FAILED), (old_queued, QUEUED)):
        row.status, row.created_at = status, long_ago
    recent_sent.status = SENT
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["purge"])

    assert result.exit_code == 0, result.output
    assert "Removed 2 sent or given-up e-mails older than 30 days." in result.output
    assert {row.recipient for row in rows()} == {"person2@example.org", "person3@example.org"}


def test_deleting_an_account_deletes_the_mail_kept_for_its_address(app, app_context):
    leaving = make_user("leaving@example.org")
    kept_for_them = queue_one("leaving@example.org").id
    kept_for_another = queue_one("staying@example.org").id

    delete_person(leaving, DEFAULT_PASSWORD)

    remaining = {row.id for row in rows()}
    assert kept_for_another in remaining and kept_for_them not in remaining
