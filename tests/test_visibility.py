"""Who may see a listing: the Python rule and the SQL rule agree, and every public door asks them."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.listings.models import STATUS_PUBLISHED, STATUSES, Listing
from directory.listings.search import SearchParams, search
from directory.listings.visibility import is_public, public_clause
from directory.listings.vocabularies import languages_in_use

OWNERS = ("no owner", "active owner", "suspended owner")


@pytest.fixture
def every_case(make_user, make_listing):
    """A listing for each status and kind of owner, all at one place: {listing id: (status, owner)}."""
    owners = {
        "no owner": None,
        "active owner": make_user("active@example.org"),
        "suspended owner": make_user("suspended@example.org", suspended_at=datetime(2024, 1, 1)),
    }
    cases = {}
    for status in STATUSES:
        for owner in OWNERS:
            listing = make_listing(owners[owner], status=status, name=f"{status} listing, {owner}",
                                   city="Dayton", region="OH")
            cases[listing.id] = (status, owner)
    db.session.expunge_all()  # each listing and its owner read back from the database
    return cases


def expected(status: str, owner: str) -> bool:
    return status == STATUS_PUBLISHED and owner != "suspended owner"


def test_the_python_rule_and_the_sql_rule_agree_on_every_status_and_owner(every_case):
    assert len(every_case) == len(STATUSES) * len(OWNERS)
    by_sql = set(db.session.scalars(select(Listing.id).where(public_clause())))
    for listing_id, (status, owner) in every_case.items():
        listing = db.session.get(Listing, listing_id)
        case = f"{status}, {owner}"
        assert is_public(listing) is expected(status, owner), case
        assert (listing_id in by_sql) is expected(status, owner), case


def test_every_public_door_shows_exactly_the_listings_the_rule_allows(gazetteer, client, every_case):
    """The listing page, its calendar, the API, the report and contact forms, the area pages and the
    search: an anonymous visitor reaches a listing through each of them only when it is public."""
    public_ids = {listing_id for listing_id, case in every_case.items() if expected(*case)}
    assert len(public_ids) == 2
    city_page = client.get("/areas/us/oh/dayton/").get_data(as_text=True)
    found = search(SearchParams.parse({"near": "10001", "radius": "1"}, per_page=100))
    assert {hit.listing.id for hit in found.local} == public_ids
    for listing_id, (status, owner) in every_case.items():
        listing = db.session.get(Listing, listing_id)
        wanted = 200 if listing_id in public_ids else 404
        case = f"{status}, {owner}"
        for url in (f"/listings/{listing.slug}", f"/listings/{listing.slug}.ics",
                    f"/api/v1/listings/{listing.slug}", f"/listings/{listing.slug}/report",
                    f"/listings/{listing.slug}/contact"):
            assert client.get(url).status_code == wanted, (url, case)
        assert (listing.name in city_page) is (listing_id in public_ids), case


CODES = ("ar", "bg", "cs", "da", "de", "el", "fa", "fi", "fr", "he", "hi", "hu", "id", "it", "ja", "ko", "nl",
         "pl", "pt", "ro", "ru", "sk", "sv", "th", "tr", "uk", "vi", "zh")


def test_the_search_offers_only_the_languages_of_public_listings(make_user, make_listing):
    """The language filter's choices: one language per status and kind of owner, offered only where the
    listing is public (a choice that finds nothing is a dead end)."""
    owners = {"no owner": None, "active owner": make_user("active@example.org"),
              "suspended owner": make_user("suspended@example.org", suspended_at=datetime(2024, 1, 1))}
    cases = [(status, owner) for status in STATUSES for owner in OWNERS]
    assert len(cases) <= len(CODES)
    for code, (status, owner) in zip(CODES, cases, strict=False):
        make_listing(owners[owner], status=status, languages=(code,))
    db.session.commit()
    wanted = {code for code, case in zip(CODES, cases, strict=False) if expected(*case)}
    assert len(wanted) == 2 and set(languages_in_use()) == wanted
