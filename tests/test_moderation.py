"""The moderation state machine: transitions, audit rows, owner mail, and two admins racing."""

from __future__ import annotations

import threading
from datetime import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.extensions import db
from directory.listings import services as listing_services
from directory.listings.models import Listing
from directory.listings.services import ListingError
from directory.listings.snapshots import snapshot
from directory.moderation import audit, revisions, services, users
from directory.moderation.models import ModerationEvent, Revision
from directory.moderation.rules import AlreadyDecided, ModerationError, NothingToReview


def events(action: str | None = None) -> list[ModerationEvent]:
    statement = select(ModerationEvent).order_by(ModerationEvent.id)
    if action:
        statement = statement.where(ModerationEvent.action == action)
    return list(db.session.scalars(statement))


@pytest.fixture
def owner(make_user):
    return make_user("owner@example.org", display_name="Owner")


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", admin=True, display_name="Admin")


@pytest.fixture
def pending(make_listing, owner):
    listing = make_listing(owner, status="draft")
    services.submit(listing, owner)
    return listing


def test_submit_needs_a_confirmed_owner(make_listing, make_user):
    unconfirmed = make_user(confirmed=False)
    listing = make_listing(unconfirmed, status="draft")
    with pytest.raises(ModerationError, match="confirm"):
        services.submit(listing, unconfirmed)
    assert db.session.get(Listing, listing.id).status == "draft"
    assert events() == []


def test_only_the_owner_submits(make_listing, owner, make_user):
    listing = make_listing(owner, status="draft")
    with pytest.raises(ModerationError, match="owner"):
        services.submit(listing, make_user())


def test_submit_then_approve_publishes_and_mails_the_owner(pending, owner, admin, sent_mail):
    assert pending.status == "pending" and pending.submitted_at is not None
    services.approve(pending, admin)
    listing = db.session.get(Listing, pending.id)
    assert listing.status == "published"
    assert listing.published_at is not None and listing.last_confirmed_at is not None
    assert [(event.action, event.actor_id) for event in events()] == [
        ("submit", owner.id), ("approve", admin.id)]
    mail = sent_mail()[-1]
    assert mail["To"] == owner.email and "published" in mail["Subject"]


def test_members_cannot_decide(pending, owner):
    with pytest.raises(ModerationError, match="admin"):
        services.approve(pending, owner)
    assert db.session.get(Listing, pending.id).status == "pending"


@pytest.mark.parametrize("decide, status", [
    (services.reject, "rejected"),
    (services.request_changes, "changes_requested"),
])
def test_reasoned_decisions_need_a_reason_and_the_owner_sees_it(pending, admin, sent_mail, decide, status):
    with pytest.raises(ModerationError, match="owner will see"):
        decide(pending, admin, "   ")
    assert db.session.get(Listing, pending.id).status == "pending"
    decide(pending, admin, "Please add the meeting room number.")
    listing = db.session.get(Listing, pending.id)
    assert listing.status == status
    assert listing.moderation_note == "Please add the meeting room number."
    assert events()[-1].reason == "Please add the meeting room number."
    body = sent_mail()[-1].get_body(("plain",)).get_content()
    assert "Please add the meeting room number." in body


def test_changes_requested_and_rejected_can_be_resubmitted(pending, admin, owner):
    services.request_changes(pending, admin, "Add a time.")
    services.submit(pending, owner)
    assert pending.status == "pending"
    services.reject(pending, admin, "Not a support group.")
    services.submit(pending, owner)
    assert pending.status == "pending"


def test_forbidden_transitions_raise_and_write_nothing(make_listing, owner, admin):
    draft = make_listing(owner, status="draft")
    published = make_listing(owner, status="published")
    before = len(events())
    with pytest.raises(ModerationError):
        services.approve(draft, admin)
    with pytest.raises(ModerationError):
        services.resume(published, owner)
    with pytest.raises(ModerationError):
        services.submit(published, owner)
    with pytest.raises(ModerationError):
        services.unpublish(draft, admin, "spam")
    assert len(events()) == before
    assert db.session.get(Listing, draft.id).status == "draft"


def test_pause_resume_withdraw(make_listing, owner):
    listing = make_listing(owner)
    services.pause(listing, owner)
    assert listing.status == "paused"
    services.resume(listing, owner)
    assert listing.status == "published"
    services.withdraw(listing, owner)
    assert listing.status == "withdrawn"
    with pytest.raises(ModerationError):
        services.withdraw(listing, owner)
    assert [event.action for event in events()] == ["pause", "resume", "withdraw"]


def test_unpublish_needs_a_reason_and_mails_it(make_listing, owner, admin, sent_mail):
    listing = make_listing(owner)
    with pytest.raises(ModerationError):
        services.unpublish(listing, admin, "")
    services.unpublish(listing, admin, "The group has closed.")
    assert db.session.get(Listing, listing.id).status == "unpublished"
    assert "The group has closed." in sent_mail()[-1].get_body(("plain",)).get_content()


def test_a_decision_on_a_decided_listing_is_already_decided(pending, admin, make_user):
    other = make_user(admin=True)
    services.approve(pending, admin)
    with pytest.raises(AlreadyDecided, match="another admin"):
        services.reject(pending, other, "too late")
    assert len(events("approve")) == 1 and events("reject") == []


def test_two_sessions_with_the_same_stale_page_cannot_both_decide(app, pending, admin, make_user):
    """Admin B loaded the pending listing before admin A approved it: B's conditional UPDATE matches none."""
    other_id = make_user(admin=True).id
    listing_id, admin_id = pending.id, admin.id
    db.session.commit()
    with (Session(db.engine, expire_on_commit=False) as first,
          Session(db.engine, expire_on_commit=False) as second):
        listing_a, admin_a = first.get(Listing, listing_id), first.get(type(admin), admin_id)
        listing_b, admin_b = second.get(Listing, listing_id), second.get(type(admin), other_id)
        first.commit()
        second.commit()  # both end their read transactions holding a "pending" listing in memory
        assert listing_a.status == listing_b.status == "pending"
        services.approve(listing_a, admin_a)
        with pytest.raises(AlreadyDecided):
            services.reject(listing_b, admin_b, "Duplicate")
    db.session.expire_all()
    assert db.session.get(Listing, listing_id).status == "published"
    assert [event.action for event in events()] == ["submit", "approve"]


def test_two_admins_racing_in_threads_make_one_decision(app, pending, admin, make_user):
    other_id = make_user(admin=True).id
    listing_id, admin_ids = pending.id, [admin.id, other_id]
    db.session.commit()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(admin_id: int, action: str) -> None:
        with app.app_context(), app.test_request_context("/admin", method="POST"):
            start.wait(timeout=10)
            try:
                listing = db.session.get(Listing, listing_id)
                actor = db.session.get(type(admin), admin_id)
                if action == "approve":
                    services.approve(listing, actor)
                else:
                    services.reject(listing, actor, "Not suitable")
                outcomes.append(action)
            except AlreadyDecided:
                outcomes.append("already decided")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(admin_ids[0], "approve")),
               threading.Thread(target=decide, args=(admin_ids[1], "reject"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes, key=lambda outcome: outcome == "already decided")[1] == "already decided"
    assert len(outcomes) == 2
    db.session.expire_all()
    decisions = [event for event in events() if event.action in ("approve", "reject")]
    assert len(decisions) == 1
    winner = decisions[0].action
    expected = {"approve": "published", "reject": "rejected"}[winner]
    assert db.session.get(Listing, listing_id).status == expected


# ---------------------------------------------------------------------------------------------- revisions


def test_propose_revision_keeps_the_published_version_public(make_listing, owner):
    listing = make_listing(owner, name="Tuesday Circle")
    revision = revisions.propose_revision(listing, owner, {"name": "Wednesday Circle"})
    assert revision.status == "pending" and revision.data["name"] == "Wednesday Circle"
    assert db.session.get(Listing, listing.id).name == "Tuesday Circle"
    assert db.session.get(Listing, listing.id).status == "published"
    assert events()[-1].action == "propose_revision" and events()[-1].revision_id == revision.id


def test_a_new_revision_supersedes_the_pending_one(make_listing, owner):
    listing = make_listing(owner)
    first = revisions.propose_revision(listing, owner, {"name": "First try"})
    second = revisions.propose_revision(listing, owner, {"name": "Second try"})
    db.session.refresh(first)
    assert first.status == "superseded" and second.status == "pending"
    assert revisions.pending_revision(listing).id == second.id


def test_the_rules_refuse_in_the_language_of_the_page(app, make_listing, owner, admin, pending):
    """An owner or admin reading the site in Spanish is refused in Spanish: each rule's message is text
    from the catalogue, not English built in the code."""
    listing = make_listing(owner)
    # Each with an app context of its own, as each request has (the language is kept in its `g`).
    with app.app_context(), app.test_request_context("/?lang=es"):
        with pytest.raises(NothingToReview, match="Ese cambio no modifica nada"):
            revisions.propose_revision(listing, owner, {"name": listing.name})
        with pytest.raises(ModerationError, match="Campos desconocidos: status"):
            revisions.propose_revision(listing, owner, {"status": "published"})
        with pytest.raises(ModerationError, match="^Indica un motivo; la persona responsable lo verá"):
            services.reject(pending, admin, "  ")
        with pytest.raises(ModerationError, match="^Escribe una nota que diga qué hay que cambiar"):
            services.request_changes(pending, admin, "")
        with pytest.raises(ModerationError, match="^Escríbelo en menos de 2000 caracteres"):
            services.reject(pending, admin, "x" * 2001)
        with pytest.raises(AlreadyDecided, match="Esta cuenta no está suspendida"):
            users.unsuspend_user(owner, admin)
        assert str(AlreadyDecided()).startswith("Otra persona del equipo ya lo decidió")
        with pytest.raises(ListingError, match="^Elige si es un grupo o un mentor"):
            listing_services.create_listing(owner, "club", {"name": "Un club"})
        with pytest.raises(ListingError, match="^Este anuncio ya fue aprobado"):
            listing_services.update_listing(listing, {})  # published: edits go to review
    with app.app_context(), app.test_request_context("/?lang=en"):
        with pytest.raises(ModerationError, match="^Please give a reason; the owner will see it"):
            services.reject(pending, admin, "")


def test_an_edit_that_changes_nothing_is_refused(make_listing, owner):
    listing = make_listing(owner)
    # Its own class, so callers tell it from a refusal without reading the message.
    with pytest.raises(NothingToReview):
        revisions.propose_revision(listing, owner, {"name": listing.name})
    with pytest.raises(ModerationError) as refused:
        revisions.propose_revision(listing, owner, {"status": "published"})
    assert not isinstance(refused.value, NothingToReview)
    with pytest.raises(ModerationError, match="Unknown"):
        revisions.propose_revision(listing, owner, {"status": "published"})


def test_drafts_are_edited_directly_not_through_revisions(make_listing, owner):
    listing = make_listing(owner, status="draft")
    with pytest.raises(ModerationError):
        revisions.propose_revision(listing, owner, {"name": "x"})


def test_approve_revision_applies_the_meeting_time_change(make_listing, owner, admin, sent_mail):
    listing = make_listing(owner)
    data = snapshot(listing)
    data["meetings"][0]["start_time"] = "18:30"
    revision = revisions.propose_revision(listing, owner, {"meetings": data["meetings"]})
    changed = [field for field, _before, _after in revisions.revision_diff(revision)]
    assert changed == ["meetings"]
    revisions.approve_revision(revision, admin)
    listing = db.session.get(Listing, listing.id)
    assert listing.meetings[0].start_time == time(18, 30)
    assert db.session.get(Revision, revision.id).status == "approved"
    assert db.session.get(Revision, revision.id).decided_by_id == admin.id
    assert "edit is live" in sent_mail()[-1]["Subject"]


@pytest.mark.parametrize("decide, status", [
    (revisions.reject_revision, "rejected"),
    (revisions.request_revision_changes, "changes_requested"),
])
def test_refused_revisions_leave_the_listing_alone(make_listing, owner, admin, sent_mail, decide, status):
    listing = make_listing(owner, name="Keep me")
    revision = revisions.propose_revision(listing, owner, {"name": "Buy crypto"})
    with pytest.raises(ModerationError):
        decide(revision, admin, "")
    decide(revision, admin, "Spam link")
    assert db.session.get(Listing, listing.id).name == "Keep me"
    assert db.session.get(Revision, revision.id).status == status
    assert db.session.get(Revision, revision.id).note == "Spam link"
    assert "Spam link" in sent_mail()[-1].get_body(("plain",)).get_content()


def test_a_revision_decided_in_another_session_is_already_decided(make_listing, owner, admin, make_user):
    listing = make_listing(owner)
    revision_id = revisions.propose_revision(listing, owner, {"name": "New name"}).id
    other_id = make_user(admin=True).id
    db.session.commit()
    with Session(db.engine, expire_on_commit=False) as second:
        stale = second.get(Revision, revision_id)
        other = second.get(type(admin), other_id)
        second.commit()
        revisions.approve_revision(db.session.get(Revision, revision_id), admin)
        with pytest.raises(AlreadyDecided):
            revisions.reject_revision(stale, other, "No")
    assert len(events("approve_revision")) == 1 and events("reject_revision") == []


def test_unpublish_and_withdraw_supersede_pending_edits(make_listing, owner, admin):
    listing = make_listing(owner)
    revision = revisions.propose_revision(listing, owner, {"name": "Edit"})
    services.unpublish(listing, admin, "Closed")
    db.session.refresh(revision)
    assert revision.status == "superseded"


# ------------------------------------------------------------------------------------------- users and roles


def test_suspension_ends_sessions_and_is_audited(make_user, admin, sent_mail):
    user = make_user()
    version = user.session_version
    users.suspend_user(user, admin, "Spam listings")
    assert user.is_suspended and user.session_version == version + 1
    assert user.suspension_reason == "Spam listings"
    with pytest.raises(AlreadyDecided):
        users.suspend_user(user, admin, "again")
    users.unsuspend_user(user, admin)
    assert not user.is_suspended
    assert [(event.action, event.target_user_id) for event in events()] == [
        ("suspend", user.id), ("unsuspend", user.id)]
    assert "Spam listings" in sent_mail()[-1].get_body(("plain",)).get_content()


def test_admins_cannot_suspend_themselves(admin):
    with pytest.raises(ModerationError):
        users.suspend_user(admin, admin, "oops")


def test_role_change_writes_one_row_and_none_when_unchanged(make_user):
    user = make_user()
    users.set_role(user, "admin")
    assert users.set_role(user, "admin") is None
    assert db.session.scalar(select(func.count()).select_from(ModerationEvent)) == 1
    assert events()[0].reason == "member → admin"


# ---------------------------------------------------------------------------------------------- admin pages


@pytest.fixture
def admin_client(client, admin):
    client.sign_in(admin)
    return client


def test_queue_lists_pending_listings_and_revisions_oldest_first(admin_client, make_listing, owner):
    import time_machine

    with time_machine.travel("2025-01-01 10:00Z", tick=False) as clock:
        older = make_listing(owner, status="draft", name="Older group")
        services.submit(older, owner)
        clock.move_to("2025-01-02 10:00Z")
        newer = make_listing(owner, status="draft", name="Newer group")
        services.submit(newer, owner)
        published = make_listing(owner, name="Published group")
        revisions.propose_revision(published, owner, {"summary": "New summary"})
    make_listing(owner, status="draft", name="Draft group")
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert page.index("Older group") < page.index("Newer group")
    assert "Edit to “Published group”" in page
    assert "Draft group" not in page


def test_review_page_shows_the_full_listing_including_private_contact(admin_client, pending):
    page = admin_client.get(f"/admin/listings/{pending.id}").get_data(as_text=True)
    assert pending.name in page and pending.contact_email in page and "Tuesday 19:00" in page
    assert "Approve" in page and "Request changes" in page and "Reject" in page


def test_approve_from_the_review_page(admin_client, pending, sent_mail):
    response = admin_client.post(f"/admin/listings/{pending.id}/decide", data={"approve": "Approve"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    assert db.session.get(Listing, pending.id).status == "published"
    assert len(sent_mail()) == 1


def test_reject_without_a_reason_rerenders_with_the_message(admin_client, pending):
    response = admin_client.post(f"/admin/listings/{pending.id}/decide",
                                 data={"reject": "Reject", "note": " "})
    assert response.status_code == 400
    assert "the owner needs to know why" in response.get_data(as_text=True)
    assert db.session.get(Listing, pending.id).status == "pending"
    assert events("reject") == []


def test_a_second_decision_from_a_stale_page_says_already_decided(admin_client, pending, make_user):
    services.approve(pending, make_user(admin=True))
    response = admin_client.post(f"/admin/listings/{pending.id}/decide", data={"reject": "R", "note": "No"},
                                 follow_redirects=True)
    assert "already decided by another admin" in response.get_data(as_text=True)
    assert events("reject") == []


def test_unpublish_from_the_review_page_needs_a_reason(admin_client, make_listing, owner, sent_mail):
    listing = make_listing(owner)
    url = f"/admin/listings/{listing.id}/unpublish"
    assert admin_client.post(url, data={"unpublish": "U"}).status_code == 400
    admin_client.post(f"/admin/listings/{listing.id}/unpublish",
                      data={"unpublish": "U", "note": "The group closed in May."})
    assert db.session.get(Listing, listing.id).status == "unpublished"
    assert "The group closed in May." in sent_mail()[-1].get_body(("plain",)).get_content()


def test_revision_page_shows_a_diff_and_highlights_contact_changes(admin_client, make_listing, owner):
    listing = make_listing(owner, name="Tuesday Circle", contact_email="old@example.org")
    data = snapshot(listing)
    data["meetings"][0]["start_time"] = "18:30"
    revision = revisions.propose_revision(listing, owner, {
        "meetings": data["meetings"], "contact_email": "new@example.net", "online_url": "https://meet.example/x"})
    page = admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True)
    assert "Tuesday <del>19:00,</del> 90 min" in page and "Tuesday <ins>18:30,</ins> 90 min" in page
    assert "<del>old@example.org</del>" in page and "<ins>new@example.net</ins>" in page
    assert page.count('class="diff-sensitive"') == 2  # contact e-mail and join link
    assert "Name" not in page.split("What changes")[1].split("Decision")[0]  # unchanged fields are left out


def test_a_long_description_marks_only_the_words_that_changed(admin_client, make_listing, owner):
    sentence = "We meet in the library basement and share how the week went. "
    listing = make_listing(owner, description=sentence * 8 + "Newcomers are welcome.")
    revision = revisions.propose_revision(
        listing, owner, {"description": sentence * 8 + "Newcomers are always welcome, bring a friend."})
    page = admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True)
    diff = page.split("What changes")[1].split("Decision")[0]
    assert "Newcomers are <ins>always welcome, bring a friend.</ins>" in diff
    assert "Newcomers are <del>welcome.</del>" in diff
    assert diff.count("<ins>") == 1 and diff.count("<del>") == 1  # the eight unchanged sentences stay plain


def test_approve_revision_from_its_page(admin_client, make_listing, owner):
    listing = make_listing(owner, name="Old name")
    revision = revisions.propose_revision(listing, owner, {"name": "New name"})
    admin_client.post(f"/admin/revisions/{revision.id}/decide", data={"approve": "Approve edit"})
    assert db.session.get(Listing, listing.id).name == "New name"


# ---------------------------------------------------------------------------------------------- users


def test_users_page_searches_and_suspends(admin_client, make_user, make_listing, sent_mail):
    spammer = make_user("spam@example.org", display_name="Spammer")
    make_user("someone@example.org")
    make_listing(spammer, name="Buy now")
    page = admin_client.get("/admin/users?q=SPAM").get_data(as_text=True)
    assert "spam@example.org" in page and "someone@example.org" not in page

    refused = admin_client.post(f"/admin/users/{spammer.id}/suspend", data={"reason": ""})
    assert refused.status_code == 400 and "Please give a reason." in refused.get_data(as_text=True)
    admin_client.post(f"/admin/users/{spammer.id}/suspend", data={"reason": "Posting adverts"})
    db.session.refresh(spammer)
    assert spammer.is_suspended and spammer.suspension_reason == "Posting adverts"
    assert "suspended" in sent_mail()[-1]["Subject"]
    assert "spam@example.org" in admin_client.get("/admin/users?filter=suspended").get_data(as_text=True)

    admin_client.post(f"/admin/users/{spammer.id}/unsuspend")
    db.session.refresh(spammer)
    assert not spammer.is_suspended
    assert [event.action for event in events()] == ["suspend", "unsuspend"]


def test_a_suspended_owner_s_listing_cannot_be_reported_or_reached(client, make_user, make_listing, admin):
    owner = make_user()
    listing = make_listing(owner)
    users.suspend_user(owner, admin, "Spam")
    assert client.get(f"/listings/{listing.slug}/report").status_code == 404


# ---------------------------------------------------------------------------------------------- audit log


def test_audit_log_holds_one_row_per_decision_and_filters(admin_client, make_listing, owner, make_user):
    """A whole flow through the pages: each decision is exactly one audit row."""
    other_admin = make_user("other@example.org", admin=True)
    first = make_listing(owner, status="draft", name="First")
    second = make_listing(owner, status="draft", name="Second")
    services.submit(first, owner)                                                    # 1
    services.submit(second, owner)                                                   # 2
    admin_client.post(f"/admin/listings/{first.id}/decide", data={"approve": "A"})   # 3
    admin_client.post(f"/admin/listings/{second.id}/decide",
                      data={"request_changes": "C", "note": "Add a time"})            # 4
    admin_client.post(f"/admin/listings/{second.id}/decide", data={"approve": "A"})  # refused: not pending
    revision = revisions.propose_revision(first, owner, {"name": "First, renamed"})  # 5
    revisions.reject_revision(revision, other_admin, "No")                            # 6
    admin_client.post(f"/admin/listings/{first.id}/unpublish", data={"unpublish": "U", "note": "Closed"})  # 7
    rows = events()
    assert [row.action for row in rows] == [
        "submit", "submit", "approve", "request_changes", "propose_revision", "reject_revision", "unpublish"]
    assert db.session.scalar(select(func.count()).select_from(ModerationEvent)) == 7

    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert page.count("<tr>") == 8  # header + 7
    by_admin = admin_client.get(f"/admin/audit?actor={other_admin.id}").get_data(as_text=True)
    assert by_admin.count("<tr>") == 2 and "Edit rejected" in by_admin
    by_action = admin_client.get("/admin/audit?action=approve").get_data(as_text=True)
    assert by_action.count("<tr>") == 2
    by_listing = admin_client.get(f"/admin/audit?listing={second.slug}").get_data(as_text=True)
    assert by_listing.count("<tr>") == 3
    assert admin_client.get(f"/admin/audit?listing={second.id}").get_data(as_text=True).count("<tr>") == 3


def test_audit_log_is_paginated(admin_client, admin):
    for number in range(55):
        audit.record("admin_sign_in", admin, reason=f"sign-in {number}")
    db.session.commit()
    first = admin_client.get("/admin/audit").get_data(as_text=True)
    second = admin_client.get("/admin/audit?page=2").get_data(as_text=True)
    assert first.count("<tr>") == 51 and second.count("<tr>") == 6
    assert "Page 1 of 2" in first


def test_no_route_edits_or_deletes_audit_rows(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule
        assert "DELETE" not in rule.methods and "PUT" not in rule.methods and "PATCH" not in rule.methods


# ---------------------------------------------------------------------------------------------- create-admin


def test_create_admin_creates_an_account_from_stdin(app_context, runner):
    secret = "a long enough password 42"  # noqa: S105 - a test password
    result = runner.invoke(args=["create-admin", "Root@Example.org", "--password-stdin"], input=secret + "\n")
    assert result.exit_code == 0, result.output
    assert "Created admin root@example.org" in result.output
    from directory.accounts.models import User

    user = db.session.scalar(select(User).where(User.email == "root@example.org"))
    assert user.is_admin and user.is_confirmed and user.password_hash != secret
    [event] = events()
    assert (event.action, event.target_user_id, event.actor_id) == ("role_change", user.id, None)
    assert secret not in event.reason and secret not in result.output


def test_create_admin_prompts_for_a_password(runner):
    result = runner.invoke(args=["create-admin", "new@example.org"], input="short\nshort\n")
    assert result.exit_code != 0 and "at least 12" in result.output
    good = "another good password"
    result = runner.invoke(args=["create-admin", "new@example.org"], input=f"{good}\n{good}\n")
    assert result.exit_code == 0 and "Created admin" in result.output


def test_create_admin_promotes_an_existing_user_once(runner, make_user):
    user = make_user("member@example.org")
    hash_before = user.password_hash
    result = runner.invoke(args=["create-admin", "member@example.org"])
    assert result.exit_code == 0 and "Promoted admin member@example.org" in result.output
    assert "already an admin" in runner.invoke(args=["create-admin", "member@example.org"]).output
    db.session.refresh(user)
    assert user.is_admin and user.password_hash == hash_before
    assert len(events("role_change")) == 1
