"""The admin's source pages (add, dry run, import), the listing's "From <source>" line and the claim pages."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.interop.sources import registry
from directory.interop.sources.models import Claim, Source
from directory.listings.models import Listing

from .feeds import FeedServer
from .test_sources_import import meeting

pytestmark = pytest.mark.config(SOURCES_ALLOW_PRIVATE=True)


@pytest.fixture
def feeds():
    with FeedServer() as server:
        yield server


def test_an_admin_adds_a_source_runs_a_dry_run_and_imports(geo, feeds, app, make_user):
    feeds.routes["/feed.json"] = (200, "application/json", json.dumps(
        [meeting("a"), meeting("b", group_id=2, group="Second", time="25:00")]).encode())
    admin = app.test_client(user=make_user(admin=True))
    response = admin.post("/admin/sources/new", data={"name": "", "url": "ftp://x", "format": "meeting-guide",
                                                      "sync_hours": "24"})
    assert response.status_code == 400 and b"Give the source a name." in response.data
    response = admin.post("/admin/sources/new", data={"name": "X", "url": "ftp://x",
                                                      "format": "meeting-guide",
                                                      "sync_hours": "24"})
    assert response.status_code == 400 and b"Only http:// and https://" in response.data
    response = admin.post("/admin/sources/new", data={"name": "Dayton AA", "url": feeds.url("/feed.json"),
                                                      "format": "meeting-guide", "sync_hours": "24"})
    assert response.status_code == 302
    source = db.session.scalars(select(Source)).one()
    page = admin.post(f"/admin/sources/{source.id}/dry-run").get_data(as_text=True)
    assert "Nothing was changed." in page and "1 new, 0 changed, 0 gone, 1 refused" in page
    assert "Men at Noon" in page and "bad time &#39;25:00&#39;: HH:MM, 24-hour" in page
    assert db.session.scalars(select(Listing)).all() == []
    response = admin.post(f"/admin/sources/{source.id}/sync", follow_redirects=True)
    assert "Dayton AA: 1 new, 0 changed, 0 gone, 1 refused." in response.get_data(as_text=True)
    listing = db.session.scalars(select(Listing)).one()
    assert listing.status == "pending"
    review = admin.get(f"/admin/listings/{listing.id}").get_data(as_text=True)
    assert "From Dayton AA" in review and "The listing says what the source says." in review
    assert "nobody has claimed it yet" in review and "account was deleted" not in review
    listing.address_line = "12 Main St (side door)"
    db.session.commit()
    review = admin.get(f"/admin/listings/{listing.id}").get_data(as_text=True)
    assert ("<strong>Address</strong>: source says <q>12 Main St</q>, "
            "listing says <q>12 Main St (side door)</q>") in review
    feeds.routes["/feed.json"] = (200, "text/html", b"<html>Down for maintenance</html>")
    response = admin.post(f"/admin/sources/{source.id}/dry-run")
    assert response.status_code == 400 and b"web page (HTML)" in response.data
    assert "Dayton AA" in admin.get("/admin/sources").get_data(as_text=True)


def test_an_uploaded_file(geo, app, make_user):
    admin = app.test_client(user=make_user(admin=True))
    body = json.dumps([meeting("a")]).encode()
    response = admin.post("/admin/sources/new", data={
        "name": "Upload", "format": "meeting-guide", "sync_hours": "0", "trusted": "y",
        "upload": (io.BytesIO(body), "men.json")}, content_type="multipart/form-data")
    assert response.status_code == 302
    source = db.session.scalars(select(Source)).one()
    assert (source.upload, source.upload_name, source.trusted) == (body, "men.json", True)
    admin.post(f"/admin/sources/{source.id}/sync")
    assert db.session.scalars(select(Listing)).one().status == "published"


def test_the_listing_says_where_it_is_from_and_can_be_claimed(geo, feeds, app, make_user, client):
    feeds.routes["/feed.json"] = (200, "application/json", json.dumps([meeting("a")]).encode())
    admin_user = make_user(admin=True)
    admin = app.test_client(user=admin_user)
    admin.post("/admin/sources/new", data={"name": "Dayton AA", "url": feeds.url("/feed.json"),
                                           "format": "meeting-guide", "sync_hours": "24", "trusted": "y"})
    source = db.session.scalars(select(Source)).one()
    admin.post(f"/admin/sources/{source.id}/sync")
    listing = db.session.scalars(select(Listing)).one()
    page = client.get(f"/listings/{listing.slug}").get_data(as_text=True)
    assert "From Dayton AA, checked" in page and "Is this your group? Claim it" in page
    assert client.get(f"/listings/{listing.slug}/claim").status_code == 302  # sign in first

    member = app.test_client(user=make_user("dad@example.org"))
    form = member.get(f"/listings/{listing.slug}/claim").get_data(as_text=True)
    assert "s•••@example.org" in form and "secretary@example.org" not in form
    response = member.post(f"/listings/{listing.slug}/claim", data={"message": "", "ask": "Ask an admin"})
    assert response.status_code == 400 and b"how you are connected" in response.data
    member.post(f"/listings/{listing.slug}/claim", data={"message": "I run it.", "ask": "Ask an admin"})
    claim = db.session.scalars(select(Claim)).one()
    queue = admin.get("/admin/claims").get_data(as_text=True)
    assert "I run it." in queue
    admin.post(f"/admin/claims/{claim.id}", data={f"claim-{claim.id}-approve": "Approve claim"})
    db.session.refresh(listing)
    assert listing.owner.email == "dad@example.org"
    assert "Claim it" not in client.get(f"/listings/{listing.slug}").get_data(as_text=True)
    assert member.get(f"/listings/{listing.slug}/claim").status_code == 404  # owned now
    page = member.get(f"/listings/{listing.slug}").get_data(as_text=True)
    assert "Not following the source" in page
    member.post(f"/listings/{listing.slug}/source", data={"following": "y"})
    assert registry.record_of(listing.id).following
    assert app.test_client(user=make_user()).get(f"/listings/{listing.slug}/source").status_code == 404


def test_claim_by_a_link_from_the_page(geo, feeds, app, make_user, client, sent_mail):
    feeds.routes["/feed.json"] = (200, "application/json", json.dumps([meeting("a")]).encode())
    admin = app.test_client(user=make_user(admin=True))
    admin.post("/admin/sources/new", data={"name": "Dayton AA", "url": feeds.url("/feed.json"),
                                           "format": "meeting-guide", "sync_hours": "24", "trusted": "y"})
    admin.post(f"/admin/sources/{db.session.scalars(select(Source)).one().id}/sync")
    listing = db.session.scalars(select(Listing)).one()
    member = app.test_client(user=make_user("dad@example.org"))
    response = member.post(f"/listings/{listing.slug}/claim", data={"address": "0", "send_link": "Send"})
    assert response.status_code == 302
    text = sent_mail()[-1].get_body(("plain",)).get_content()
    link = next(word for word in text.split() if "/claims/confirm/" in word)
    assert member.get(link.replace("http://localhost", "")).status_code == 302
    db.session.refresh(listing)
    assert listing.owner.email == "dad@example.org"
    assert member.get("/claims/confirm/broken.token.here").status_code == 400


def test_a_change_from_the_source_is_reviewed_like_an_edit(geo, feeds, app, make_user):
    from directory.interop.sources import services
    from directory.moderation import services as moderation
    from directory.moderation.models import Revision

    admin_user = make_user(admin=True)
    feeds.routes["/feed.json"] = (200, "application/json", json.dumps([meeting("a")]).encode())
    source = registry.add_source(None, name="Dayton AA", url=feeds.url("/feed.json"), format_="meeting-guide")
    services.sync(source)
    listing = db.session.scalars(select(Listing)).one()
    moderation.approve(listing, admin_user)
    listing.summary = "Edited here."
    db.session.commit()
    feeds.routes["/feed.json"] = (200, "application/json", json.dumps([meeting("a", time="12:30")]).encode())
    services.sync(source)
    revision = db.session.scalars(select(Revision)).one()
    page = app.test_client(user=admin_user).get(f"/admin/revisions/{revision.id}").get_data(as_text=True)
    assert "From Dayton AA" in page and "12:30" in page
    section = page[page.index("From Dayton AA"):page.index("diff-title")]
    assert "<strong>Summary</strong>: source says <q>—</q>, listing says <q>Edited here.</q>" in section
    assert "source says <q>Tuesday 12:30, 30 min, weekly</q>" in section, section
