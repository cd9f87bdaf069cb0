"""The SQL-injection lists against search (every parameter), its filters, the API and sign-in.

Each payload must be data, never syntax: no 500; the listings a search shows are exactly the ones the
search service finds when the same text is handed to it as a bound value; unpublished canaries with
names full of SQL words never appear; nobody is signed in; and every table holds as many rows after
the attack as before.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from directory.listings.search import SearchParams, resolve_vocabulary
from directory.listings.search import search as run_search
from tests.factories import DEFAULT_PASSWORD, make_listing, make_user

from .helpers import describe, row_counts
from .payloads import auth_bypass, sql_injection, tally
from .test_bad_input_search import SEARCH_PARAMS

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("bad_input")]

CANARY_WORDS = "admin or 1=1 union select password from users where sleep benchmark pg_sleep table drop"
RESULT_ID = re.compile(r'id="result-(\d+)"')


@pytest.fixture
def corpus_listings(app, gazetteer):
    """Published listings near 10001 and online, and unpublished canaries that must never show up."""
    public = [
        make_listing(name="Tuesday fathers circle", summary="Divorce and separation, union of dads."),
        make_listing(name="Admin of nothing: a grief group", format="hybrid",
                     summary="Select your own pace."),
        make_listing(name="Online anger group", format="online", summary="Users welcome, drop in."),
        make_listing(name="Mentor for veterans", kind="mentor", format="online", meetings=[],
                     summary="Password-free chats, 1=1 conversations."),
    ]
    canaries = [
        make_listing(name=f"CANARY {status} {CANARY_WORDS}", status=status, summary=CANARY_WORDS,
                     format="hybrid")
        for status in ("draft", "pending", "rejected", "paused", "unpublished", "withdrawn", "expired",
                       "changes_requested")
    ]
    suspended = make_user("suspended@example.org", suspended_at=datetime(2024, 1, 1))
    canaries.append(make_listing(suspended, name=f"CANARY suspended {CANARY_WORDS}", summary=CANARY_WORDS))
    return {listing.id for listing in public}, {listing.id for listing in canaries}


def service_ids(args: dict) -> list[int] | None:
    """What the search service finds for these arguments handed over as data (None: refused for the API)."""
    params = resolve_vocabulary(SearchParams.from_args(MultiDict(args)))
    results = run_search(params)
    return sorted(hit.listing.id for hit in [*results.local, *results.online])


def page_ids(html: str) -> list[int]:
    return sorted(int(found) for found in RESULT_ID.findall(html))


def test_search_page_and_api_treat_every_payload_as_text(visitor, corpus_listings, record_property):
    """Each payload in every parameter of the page at once (only published listings, never a canary), and
    as the API's keywords beside a place that is found: exactly what the search service finds for the
    same text handed over as data (the page and the API read their parameters with the same code)."""
    public, canaries = corpus_listings
    never_shown = slugs_of(canaries)
    before = row_counts()
    failures = []
    requests = 0
    for payload in sql_injection():
        keywords = {"q": payload, "near": "10001", "radius": "100"}
        expected = service_ids(keywords)
        for args in (dict.fromkeys(SEARCH_PARAMS, payload),):
            response = visitor.get("/search", query_string=args)
            requests += 1
            if response.status_code == 302:
                response = visitor.get(response.headers["Location"])
                requests += 1
            if response.status_code not in (200, 400):
                failures.append((payload, f"/search status {response.status_code} for {sorted(args)}"))
                continue
            shown = page_ids(response.get_data(as_text=True))
            if set(shown) & canaries or not set(shown) <= public:
                failures.append((payload, f"/search showed {shown} for {sorted(args)}"))
        for args in (keywords,):
            response = visitor.get("/api/v1/listings", query_string=args)
            requests += 1
            if response.status_code not in (200, 400):
                failures.append((payload, f"API status {response.status_code} for {sorted(args)}"))
                continue
            if response.status_code == 400:
                continue
            body = json.loads(response.get_data(as_text=True))
            slugs = {hit["slug"] for hit in [*body["results"], *(body["online"] or {}).get("results", [])]}
            if slugs & never_shown or (args is keywords and slugs != slugs_of(expected)):
                failures.append((payload, f"API showed {sorted(slugs)}, the service finds {expected}"))
    after = row_counts()
    tally("SQL injection: /search and /api/v1/listings", record_property, payloads=len(sql_injection()),
          requests=requests)
    assert not failures, describe(failures)
    assert after == before


def slugs_of(ids) -> set[str]:
    """The slugs of these listings, read as one column (loading each listing whole took half the test)."""
    from directory.extensions import db
    from directory.listings.models import Listing

    if not ids:
        return set()
    return set(db.session.scalars(select(Listing.slug).where(Listing.id.in_(ids))))


def test_sign_in_with_auth_bypass_payloads(app, record_property):
    """Every Auth_Bypass payload as the e-mail address (with a real password) and as the password (with a
    real address, of an admin too): never signed in, never a 500."""
    member = make_user("member@example.org")
    admin = make_user("admin@example.org", admin=True)
    before = row_counts()
    failures = []
    attempts = 0
    for payload in auth_bypass():
        for data in ({"email": payload, "password": DEFAULT_PASSWORD},
                     {"email": member.email, "password": payload},
                     {"email": admin.email, "password": payload},
                     {"email": payload, "password": payload}):
            client = app.test_client()
            response = client.post("/account/sign-in", data=data)
            attempts += 1
            with client.session_transaction() as session:
                signed_in = "_user_id" in session
            if response.status_code != 200 or signed_in:
                failures.append((payload, f"status {response.status_code}, signed in: {signed_in}"))
        # A run of failures pauses the real accounts; clear that so every payload meets a live account.
        from directory.extensions import db

        for user in (member, admin):
            user.failed_logins = 0
            user.locked_until = None
        db.session.commit()
    tally("SQL injection: sign-in (Auth_Bypass.txt)", record_property, payloads=len(auth_bypass()),
          attempts=attempts)
    assert not failures, describe(failures)
    assert row_counts() == before


def test_the_canaries_would_be_seen(visitor, corpus_listings):
    """The check can fail: a canary made public shows up in the very searches above."""
    public, canaries = corpus_listings
    from directory.extensions import db
    from directory.listings.models import Listing

    canary = db.session.get(Listing, min(canaries))
    canary.status = "published"
    db.session.commit()
    shown = page_ids(visitor.get("/search", query_string={"q": "canary union select"}).get_data(as_text=True))
    assert canary.id in shown
