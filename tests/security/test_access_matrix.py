"""Every route in the URL map, as every kind of visitor: who gets in, who signs in first, who gets 403 or 404.

ACCESS says, for each endpoint (and each listing it can be asked about), what kind of route it is;
OUTCOMES says what each role gets from that kind. A rule the table does not know fails the suite, so no
new route ships before someone decides who may use it. POSTs run with CSRF off: this is about
authorisation only (test_csrf.py checks the tokens).

The world, the role clients and the database fingerprint here are shared with the other access and
session tests in this folder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from directory.accounts.models import User
from directory.contact.models import ContactMessage
from directory.contact.services import ACTION_READ_MESSAGES
from directory.extensions import db
from directory.interop.ids import public_id
from directory.interop.sources.models import Claim, Source
from directory.listings.models import Listing
from directory.moderation.models import ModerationEvent, Report, Revision
from directory.outbox import FAILED, OutboxMessage
from directory.timeutil import utcnow
from tests.factories import make_listing, make_user

# member: signed in, e-mail not confirmed yet, owns nothing. owner: owns the listings the URLs point at.
# other: a confirmed member with a listing of their own. suspended: signed in, then suspended.
ROLES = ("anonymous", "member", "owner", "other", "suspended", "admin")
IGNORED_METHODS = {"HEAD", "OPTIONS"}  # answered by Flask from GET / the rule itself

# What kind of route an endpoint is (for one listing).
PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any account that may sign in
OWNER_OR_ADMIN = "owner_or_admin"  # a /my page of one listing: its owner or an admin, 404 to the rest
PREVIEW = "preview"  # a public page of a listing that is not public: only its owner or an admin see it
ADMIN = "admin"
TOKEN = "token"  # a link from an e-mail; a broken one is refused the same way whoever opens it
HIDDEN = "hidden"  # not there for anyone (the contact form of a draft)
# "Claim it" exists only for an imported listing nobody owns (the world's listings have owners: 404 once
# signed in; test_sources_pages checks the claimable case).
CLAIM = "claim"
SIGNED_IN_TOKEN = "signed_in_token"  # a link from an e-mail that works only for the account that asked

# What a visitor gets.
ALLOWED = "allowed"  # the page, or a redirect that is not to sign-in; a POST's empty form may be refused
SIGN_IN = "sent to sign in"
FORBIDDEN = "403"
NOT_FOUND = "404"
BAD_LINK = "400 broken link"

OUTCOMES: dict[str, dict[str, str]] = {
    PUBLIC: dict.fromkeys(ROLES, ALLOWED),
    SIGNED_IN: {"anonymous": SIGN_IN, "member": ALLOWED, "owner": ALLOWED, "other": ALLOWED,
                "suspended": SIGN_IN, "admin": ALLOWED},
    OWNER_OR_ADMIN: {"anonymous": SIGN_IN, "member": NOT_FOUND, "owner": ALLOWED, "other": NOT_FOUND,
                     "suspended": SIGN_IN, "admin": ALLOWED},
    PREVIEW: {"anonymous": NOT_FOUND, "member": NOT_FOUND, "owner": ALLOWED, "other": NOT_FOUND,
              "suspended": NOT_FOUND, "admin": ALLOWED},
    ADMIN: {"anonymous": SIGN_IN, "member": FORBIDDEN, "owner": FORBIDDEN, "other": FORBIDDEN,
            "suspended": SIGN_IN, "admin": ALLOWED},
    TOKEN: dict.fromkeys(ROLES, BAD_LINK),
    HIDDEN: dict.fromkeys(ROLES, NOT_FOUND),
    CLAIM: {"anonymous": SIGN_IN, "member": NOT_FOUND, "owner": NOT_FOUND, "other": NOT_FOUND,
            "suspended": SIGN_IN, "admin": NOT_FOUND},
    SIGNED_IN_TOKEN: {"anonymous": SIGN_IN, "member": BAD_LINK, "owner": BAD_LINK, "other": BAD_LINK,
                      "suspended": SIGN_IN, "admin": BAD_LINK},
}

# Listing pages are asked about the owner's published listing and the owner's draft.
LISTING_PAGE = {"published": PUBLIC, "draft": PREVIEW}
OWNED = {"published": OWNER_OR_ADMIN, "draft": OWNER_OR_ADMIN}
ADMIN_LISTING = {"published": ADMIN, "draft": ADMIN}
ONLY_IF_PUBLIC = {"published": PUBLIC, "draft": HIDDEN}
REPORTED = {"published": ADMIN}  # kept messages exist only for a reported (so published) listing

ACCESS: dict[str, str | dict[str, str]] = {
    "static": PUBLIC,
    "core.home": PUBLIC,
    "core.about": PUBLIC,
    "core.privacy": PUBLIC,
    "core.favicon": PUBLIC,
    "core.health": PUBLIC,
    "listings.search": PUBLIC,
    "listings.areas": PUBLIC,
    "listings.area_region": PUBLIC,
    "listings.area_city": PUBLIC,
    "listings.detail": LISTING_PAGE,
    "listings.ics": LISTING_PAGE,
    "contact.contact_form": ONLY_IF_PUBLIC,
    "contact.sent": ONLY_IF_PUBLIC,
    "moderation.report_form": ONLY_IF_PUBLIC,
    "moderation.report_thanks": ONLY_IF_PUBLIC,
    "moderation.still_meeting": TOKEN,
    "api.listings": PUBLIC,
    "api.listing": ONLY_IF_PUBLIC,
    "api.topics": PUBLIC,
    "api.audiences": PUBLIC,
    "api.openapi": PUBLIC,
    "api.demand": PUBLIC,
    "needed.page": PUBLIC,
    "needed.admin_chart": ADMIN,
    "interop.meeting_guide_feed": PUBLIC,
    "interop.hsds_index": PUBLIC,
    "interop.hsds_services": PUBLIC,
    "interop.hsds_service": ONLY_IF_PUBLIC,
    "interop.hsds_organizations": PUBLIC,
    "interop.hsds_organization": ONLY_IF_PUBLIC,
    "interop.hsds_taxonomies": PUBLIC,
    "interop.hsds_taxonomy": PUBLIC,
    "interop.hsds_taxonomy_terms": PUBLIC,
    "interop.hsds_taxonomy_term": PUBLIC,
    "interop.hsds_openapi": PUBLIC,
    "interop.hsds_profile": PUBLIC,
    "interop.hsds_datapackage": PUBLIC,
    "embed.finder": PUBLIC,
    "embed.snippet": PUBLIC,
    "accounts.register": PUBLIC,
    "accounts.registered": PUBLIC,
    "accounts.sign_in": PUBLIC,
    "accounts.sign_out": PUBLIC,  # signing out when nobody is signed in just goes home
    "accounts.forgot": PUBLIC,
    "accounts.forgot_sent": PUBLIC,
    "accounts.confirm": TOKEN,
    "accounts.reset": TOKEN,
    "accounts.email_confirm": TOKEN,
    "accounts.confirm_resend": SIGNED_IN,
    "accounts.sign_out_everywhere": SIGNED_IN,
    "accounts.sign_out_device": SIGNED_IN,
    "accounts.language": SIGNED_IN,
    "moderation.mail": ADMIN,
    "moderation.send_mail_again": ADMIN,
    "contact.sent_copy": HIDDEN,  # only the browser that sent the message gets its copy
    "accounts.account": SIGNED_IN,
    "accounts.password": SIGNED_IN,
    "accounts.email": SIGNED_IN,
    "datarights.export": SIGNED_IN,
    "datarights.delete": SIGNED_IN,
    "owner.dashboard": SIGNED_IN,
    "owner.place": SIGNED_IN,
    "owner.create": SIGNED_IN,
    "owner.edit": OWNED,
    "owner.submit": OWNED,
    "owner.pause": OWNED,
    "owner.resume": OWNED,
    "owner.reconfirm": OWNED,
    "owner.withdraw": OWNED,
    "owner.delete": OWNED,
    "moderation.queue": ADMIN,
    "moderation.two_factor": ADMIN,
    "moderation.two_factor_setup": ADMIN,
    "moderation.audit": ADMIN,
    "moderation.reports": ADMIN,
    "moderation.users": ADMIN,
    "moderation.review_listing": ADMIN_LISTING,
    "moderation.decide_listing": ADMIN_LISTING,
    "moderation.unpublish_listing": ADMIN_LISTING,
    "moderation.review_revision": ADMIN,
    "moderation.decide_revision": ADMIN,
    "moderation.resolve_report": ADMIN,
    "moderation.user_detail": ADMIN,
    "moderation.suspend_user": ADMIN,
    "moderation.unsuspend_user": ADMIN,
    "contact.admin_messages": REPORTED,
    "contact.delete_message": REPORTED,
    "sources.index": ADMIN,
    "sources.new": ADMIN,
    "sources.detail": ADMIN,
    "sources.dry_run": ADMIN,
    "sources.sync": ADMIN,
    "sources.claims": ADMIN,
    "sources.decide_claim": ADMIN,
    "sources.claim": {"published": CLAIM, "draft": CLAIM},
    "sources.confirm_claim": SIGNED_IN_TOKEN,
    "sources.following": {"published": CLAIM, "draft": CLAIM},  # an imported listing's owner only
    "alerts.new": PUBLIC,
    "alerts.check_inbox": PUBLIC,
    "alerts.confirm": TOKEN,
    "alerts.renew": TOKEN,
    "alerts.stop": TOKEN,
    "followups.answer": TOKEN,
    "followups.forget": TOKEN,
    "followups.not_answering": ADMIN,
}

BROKEN_TOKEN = "not-a-valid-link.Zm9v.YmFy"  # any signature check refuses it


# ---------------------------------------------------------------------------------------------- the world


@dataclass
class World:
    """One of everything a URL can point at, and one account per role (anonymous has none)."""

    users: dict[str, User]
    published: Listing
    draft: Listing
    revision_id: int
    report_id: int
    message_id: int
    static_file: str
    source_id: int
    claim_id: int
    mail_id: int

    def values(self, subject: str) -> dict[str, object]:
        """Every URL argument a rule may have, for the listing `subject` ('published', 'draft' or none)."""
        listing = self.draft if subject == "draft" else self.published
        return {
            "listing_id": listing.id,
            "slug": listing.slug,
            "revision_id": self.revision_id,
            "report_id": self.report_id,
            "user_id": self.users["other"].id,
            "message_id": self.message_id,
            "token": BROKEN_TOKEN,
            "country": "us",
            "region": "ny",
            "city": "new-york",
            "filename": self.static_file,
            # HSDS ids of the listing (interop/ids.py), a taxonomy and one of its terms.
            "service_id": public_id("service", listing.id),
            "organization_id": public_id("organization", listing.id),
            "taxonomy_id": public_id("taxonomy", "kind"),
            "term_id": public_id("taxonomy_term", "kind", "group"),
            "source_id": self.source_id,
            "claim_id": self.claim_id,
            "mail_id": self.mail_id,
            "device_id": 1,  # someone's device session: only its own account can end it
        }

    def fresh(self, subject: str) -> dict[str, object]:
        """The same arguments, for a new listing of the same kind: a POST may change or delete the one it
        is about, and the next request must find the world as it was."""
        values = self.values(subject)
        if subject in ("published", "draft"):
            listing, message_id = listing_with_history(self.users["owner"], subject)
            values.update(listing_id=listing.id, slug=listing.slug, message_id=message_id)
        return values


def listing_with_history(owner: User, status: str) -> tuple[Listing, int]:
    """A listing of `owner`; a published one also has an open report and a kept contact message."""
    listing = make_listing(owner, status=status, name=f"Owner's {status} listing")
    message_id = 0
    if status == "published":
        message = ContactMessage(listing_id=listing.id, sender_name="Visitor", sender_email="v@example.org",
                                 message="Hello", how_to_reach="")
        report = Report(listing_id=listing.id, reason="other", message="", email="", status="open")
        db.session.add_all([report, message])
        db.session.commit()
        message_id = message.id
    return listing, message_id


def build_world(app: Flask) -> World:
    users = {
        "member": make_user("member@example.org", confirmed=False, display_name="Member"),
        "owner": make_user("owner@example.org", display_name="Owner"),
        "other": make_user("other@example.org", display_name="Other"),
        "suspended": make_user("suspended@example.org", display_name="Suspended"),
        "admin": make_user("admin@example.org", admin=True, display_name="Admin"),
    }
    make_listing(users["other"], status="published", name="Other's own listing")
    published, message_id = listing_with_history(users["owner"], "published")
    draft, _ = listing_with_history(users["owner"], "draft")
    revision = Revision(listing_id=published.id, author_id=users["owner"].id, data={"name": "Renamed"},
                        status="pending", note="")
    db.session.add(revision)
    db.session.commit()
    report_id = db.session.scalar(select(Report.id).where(Report.listing_id == published.id))
    static_root = Path(app.static_folder)
    static_file = min(path.relative_to(static_root).as_posix() for path in static_root.glob("css/*.css"))
    # A source on a private address: refused before any request (the sweep never uses the network).
    source = Source(name="Feed", url="http://127.0.0.1:9/feed.json", format="meeting-guide", last_error="",
                    last_summary="")
    claim = Claim(listing_id=published.id, user_id=users["other"].id, message="Mine")
    # Mail given up: an admin may send it again.
    mail = OutboxMessage(message_id="<given-up@example.org>", recipient="owner@example.org",
                         template="accounts/deleted", raw=b"", status=FAILED, last_error="TimeoutError")
    db.session.add_all([source, claim, mail])
    db.session.commit()
    return World(users, published, draft, revision.id, report_id, message_id, static_file, source.id,
                 claim.id, mail.id)


# ---------------------------------------------------------------------------------------------- clients


def suspend(user: User) -> None:
    """Suspended after signing in, without a new session version: only the suspension can stop them."""
    db.session.expire_all()
    db.session.get(User, user.id).suspended_at = utcnow()
    db.session.commit()


class RoleClient:
    """A browser for one role: signed in again before every request (a POST may sign it out)."""

    def __init__(self, app: Flask, world: World, role: str) -> None:
        self.role = role
        self.user = world.users.get(role)
        self.client = app.test_client()
        if self.user is not None:
            self.client.sign_in(self.user)
        if role == "suspended":
            suspend(self.user)

    def ready(self) -> None:
        """Signed in again (a device session opened again if a POST ended it), before the fingerprint."""
        if self.user is not None:
            db.session.refresh(self.user)  # the account's current session version
            self.client.sign_in(self.user)

    def open(self, url: str, method: str = "GET", **kwargs):
        self.ready()
        return self.client.open(url, method=method, **kwargs)


# ---------------------------------------------------------------------------------------------- the routes


@dataclass(frozen=True)
class Case:
    endpoint: str
    rule: Rule
    method: str
    subject: str  # 'published', 'draft' or '-'
    category: str

    def url(self, values: dict[str, object]) -> str:
        built = self.rule.build({name: values[name] for name in self.rule.arguments}, append_unknown=False)
        assert built is not None, f"cannot fill {self.rule.rule} from {sorted(values)}"
        return built[1]

    def __str__(self) -> str:
        about = "" if self.subject == "-" else f" [{self.subject}]"
        return f"{self.method} {self.rule.rule}{about}"


def methods_of(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - IGNORED_METHODS)


def cases(app: Flask, *, writes: bool | None = None) -> Iterator[Case]:
    """Every (rule, method, listing) the table covers; only reads or only writes when asked."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda item: (item.rule, item.endpoint)):
        expectation = ACCESS[rule.endpoint]
        subjects = expectation.items() if isinstance(expectation, dict) else [("-", expectation)]
        for method in methods_of(rule):
            if writes is not None and (method != "GET") != writes:
                continue
            for subject, category in subjects:
                yield Case(rule.endpoint, rule, method, subject, category)


def outcome(response, sign_in_path: str) -> str:
    status = response.status_code
    if 300 <= status < 400:
        # Sent away to sign in, with the way back; "/account/sign-in" alone follows a sign-out.
        location = urlsplit(response.headers["Location"])
        return SIGN_IN if location.path == sign_in_path and "next=" in location.query else ALLOWED
    if 200 <= status < 300:
        return ALLOWED
    return {400: "400", 422: "422", 403: FORBIDDEN, 404: NOT_FOUND}.get(status, str(status))


def accepted(actual: str, expected: str, method: str) -> bool:
    if expected == ALLOWED:
        # An empty POST may be refused by the form (400/422): that is the input, not the visitor.
        return actual == ALLOWED or (method != "GET" and actual in ("400", "422"))
    if expected == BAD_LINK:
        return actual == "400"
    return actual == expected


# ---------------------------------------------------------------------------------------------- fingerprint

KEPT_OUT = {"places", "alembic_version"}  # the gazetteer is large and read-only


def database_fingerprint() -> dict[str, tuple[int, str]]:
    """Rows and a checksum of their contents, per table: any insert, update or delete changes it.

    Read on a connection of its own (what it sees never hangs on the test session's transaction), through
    the driver's cursor: the test takes some two thousand fingerprints of thirty-odd tables, and the ORM's
    work per statement was a third of its time.
    """
    found = {}
    with db.engine.connect() as connection:
        cursor = connection.connection.cursor()
        try:
            for name, statement in _fingerprint_statements(db.engine.dialect):
                cursor.execute(statement)
                rows = cursor.fetchall()
                digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
                found[name] = (len(rows), digest)
        finally:
            cursor.close()
    return found


@lru_cache(maxsize=2)
def _fingerprint_statements(dialect) -> list[tuple[str, str]]:
    """Each table's `SELECT ... ORDER BY` its key, as the dialect writes it (no bound values)."""
    return [(table.name, str(select(table).order_by(*table.primary_key.columns).compile(dialect=dialect)))
            for table in db.metadata.sorted_tables if table.name not in KEPT_OUT]


# A GET may write only this: an admin reading the messages kept for a reported listing is itself audited
# (like an access log, the row records a read; it changes nothing anyone asked to change).
AUDITED_READS = {"contact.admin_messages": ACTION_READ_MESSAGES}


def audited_read(case: Case, before, after) -> bool:
    """True when the only change is the one audit row AUDITED_READS allows this endpoint."""
    action = AUDITED_READS.get(case.endpoint)
    if action is None:
        return False
    others_unchanged = all(before[name] == after[name] for name in before if name != "moderation_events")
    one_more = after["moderation_events"][0] == before["moderation_events"][0] + 1
    if not (others_unchanged and one_more):
        return False
    newest = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id.desc()).limit(1)).one()
    return newest.action == action


def changed_tables(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return [f"{name} ({before[name][0]} -> {after[name][0]} rows)" for name in before
            if before[name] != after.get(name)]


# ---------------------------------------------------------------------------------------------- tests


def test_every_rule_in_the_url_map_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unknown = sorted(endpoints - set(ACCESS))
    assert not unknown, f"routes nobody decided access for (add them to ACCESS): {unknown}"
    gone = sorted(set(ACCESS) - endpoints)
    assert not gone, f"ACCESS lists endpoints the app no longer has: {gone}"
    for rule in app.url_map.iter_rules():
        assert methods_of(rule), rule.rule
        assert set(methods_of(rule)) <= {"GET", "POST", "PUT", "PATCH", "DELETE"}, rule.rule


def test_the_table_treats_a_suspended_account_as_anonymous():
    for category, by_role in OUTCOMES.items():
        assert set(by_role) == set(ROLES), category
        assert by_role["suspended"] == by_role["anonymous"], category
    for expectation in ACCESS.values():
        for category in expectation.values() if isinstance(expectation, dict) else [expectation]:
            assert category in OUTCOMES


def test_the_matrix_covers_every_kind_of_route(app):
    """The sweep reaches every category and both methods, and lists each route at least once."""
    found = list(cases(app))
    assert {case.category for case in found} == set(OUTCOMES)
    assert {case.method for case in found} >= {"GET", "POST"}
    assert {case.endpoint for case in found} == set(ACCESS)
    assert len(found) * len(ROLES) >= 500


def sweep(app: Flask, world: World, role: str, *, writes: bool) -> list[str]:
    """Each case as `role`: the outcome the table expects, and no change to the database from a GET or a
    refused request."""
    browser = RoleClient(app, world, role)
    sign_in_path = app.url_map.bind("localhost").build("accounts.sign_in")
    failures = []
    for case in cases(app, writes=writes):
        expected = OUTCOMES[case.category][role]
        may_change = writes and expected == ALLOWED
        # A POST that goes through may change or delete what it is about: it gets a listing of its own.
        values = world.fresh(case.subject) if may_change else world.values(case.subject)
        browser.ready()
        before = database_fingerprint()
        response = browser.open(case.url(values), method=case.method,
                                data={"message_id": str(values["message_id"])} if writes else None)
        response.close()
        actual = outcome(response, sign_in_path)
        if not accepted(actual, expected, case.method):
            failures.append(f"{case} ({case.category}): expected {expected}, got {actual}"
                            f" [{response.status_code} {response.headers.get('Location', '')}]")
        elif not may_change:
            after = database_fingerprint()
            changes = changed_tables(before, after)
            if changes and not (not writes and audited_read(case, before, after)):
                what = f"refused ({actual})" if writes else "a GET"
                failures.append(f"{case}: {what}, yet the database changed: {changes}")
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_reads(app, world, role):
    """Every GET route as this role: the status the table expects, and not one row changed (test_csrf.py's
    other half: state changes are POST-only)."""
    failures = sweep(app, world, role, writes=False)
    assert not failures, f"{role}: {len(failures)} routes answered wrongly:\n" + "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_writes(app, world, role):
    """Every POST (PUT, PATCH, DELETE) route as this role; a refused one changes nothing."""
    failures = sweep(app, world, role, writes=True)
    assert not failures, f"{role}: {len(failures)} routes answered wrongly:\n" + "\n".join(failures)


def test_a_suspended_account_is_anonymous_even_with_a_current_session(app, world):
    """The suspended role's session carries the account's current version: only the suspension stops it."""
    browser = RoleClient(app, world, "suspended")
    page = browser.open("/").get_data(as_text=True)
    assert "Sign out" not in page and "/account/sign-in" in page
    assert browser.open("/account").status_code == 302
    # Lifting the suspension (set here without the admin service) brings that very session back,
    # which shows it was the suspension, not a stale session, that kept them out.
    db.session.get(User, world.users["suspended"].id).suspended_at = None
    db.session.commit()
    assert browser.open("/account").status_code == 200
