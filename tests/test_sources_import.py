"""Importing from Meeting Guide feeds and HSDS, and syncing again: every sample of the standards, a round
trip through this directory's own data package, and each kind of change, served by a real HTTP server."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.interop.sources import registry, services
from directory.interop.sources.models import Source, SourceRecord
from directory.listings import snapshots
from directory.listings.models import Listing
from directory.moderation.models import ModerationEvent, Revision
from directory.seeding.taxonomies import seed_taxonomies

from .feeds import FeedServer
from .interop_cases import every_case
from .standards import standards_path, tsml_attendance

pytestmark = pytest.mark.config(SOURCES_ALLOW_PRIVATE=True)
MG_SAMPLES = ("spec-readme-example", "tsml-atlanta", "tsml-sussexaa-subset", "tsml-ui-unit-fixture",
              "appointment", "timezones")


@pytest.fixture
def feeds():
    with FeedServer() as server:
        yield server


@pytest.fixture
def vocabulary(geo):
    seed_taxonomies()
    return geo


def meeting(slug: str, **fields) -> dict:
    entry = {"slug": slug, "name": "Men at Noon", "day": 2, "time": "12:00", "end_time": "13:00",
             "types": ["M", "O", "Y"], "group": "Men at Noon", "group_id": 7, "address": "12 Main St",
             "city": "Dayton", "state": "OH", "postal_code": "45402", "country": "US",
             "latitude": 39.7589, "longitude": -84.1916, "timezone": "America/New_York",
             "email": "Secretary@example.org", "approximate": "no"}
    entry.update(fields)
    return entry


def serve(feeds: FeedServer, path: str, document, content_type: str = "application/json") -> str:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    feeds.routes[path] = (200, content_type, body)
    return feeds.url(path)


def kept(url: str, format_: str = "meeting-guide", **settings) -> Source:
    return registry.add_source(None, name=settings.pop("name", "Intergroup"), url=url, format_=format_,
                               **settings)


def state() -> dict:
    """Everything a sync could touch, to compare before and after."""
    listings = db.session.scalars(select(Listing).order_by(Listing.id)).all()
    db.session.expire_all()
    return {
        "listings": [(listing.id, listing.status, listing.owner_id, listing.updated_at,
                      listing.last_confirmed_at, snapshots.snapshot(listing)) for listing in listings],
        "revisions": [(r.id, r.status) for r in db.session.scalars(select(Revision).order_by(Revision.id))],
        "events": db.session.scalar(select(func.count()).select_from(ModerationEvent)),
        "records": [(r.id, r.digest, r.gone, r.data) for r in db.session.scalars(
            select(SourceRecord).order_by(SourceRecord.id))],
    }


def only_listing() -> Listing:
    return db.session.scalars(select(Listing)).one()


# The standards' samples -------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", MG_SAMPLES)
def test_every_meeting_guide_sample_imports_or_says_why(vocabulary, feeds, sample):
    rows = json.loads(standards_path("meeting-guide", "samples", f"{sample}.json").read_text())
    source = kept(serve(feeds, f"/{sample}.json", rows), all_types=True, trusted=True)
    outcome = services.sync(source)
    listings = db.session.scalars(select(Listing)).all()
    assert len(listings) == len(outcome.new) > 0 or outcome.refused
    assert all(refusal.reason for refusal in outcome.refused)
    # Every row is accounted for: one of a listing's meetings, or refused (alone, or with its group).
    imported = {slug for listing in listings for slug in registry.record_of(listing.id).upstream_ids}
    refused = {refusal.label for refusal in outcome.refused}
    for row in rows:
        assert row["slug"] in imported or {f"{row['name']} ({row['slug']})", row.get("group"),
                                           row["name"]} & refused, row["slug"]
    providers = json.loads(standards_path("meeting-guide", "tsml", "conference-providers.json").read_text())
    for listing in listings:
        assert listing.status == "published" and listing.owner_id is None
        assert listing.time_zone and listing.meetings
        record = registry.record_of(listing.id)
        rows_of = [row for row in rows if row["slug"] in record.upstream_ids]
        readers_say = {tsml_attendance(row, providers["conference_providers"]) for row in rows_of}
        # What Meeting Guide readers make of the rows is what the listing says (known hosts only).
        if readers_say <= {"in_person"}:
            assert listing.format == "in_person"
        if "online" in readers_say and listing.format == "online":
            assert listing.location_precision == "approximate" and listing.address_line == ""
        events = db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.listing_id == listing.id)).all()
        assert [(e.action, e.reason) for e in events] == [("imported", "imported from Intergroup")]


def test_meeting_guide_samples_map_as_the_spec_says(vocabulary, feeds):
    rows = json.loads(standards_path("meeting-guide", "samples", "tsml-ui-unit-fixture.json").read_text())
    outcome = services.sync(kept(serve(feeds, "/ui.json", rows), all_types=True, trusted=True))
    by_name = {listing.name: listing for listing in db.session.scalars(select(Listing))}
    online = by_name["Online Meeting"]
    assert (online.format, online.online_url, online.location_precision, online.city) == (
        "online", "https://zoom.us/j/123456789", "approximate", "New York")
    assert [(m.weekday, m.start_time.strftime("%H:%M"), m.duration_minutes) for m in online.meetings] == [
        (0, "09:00", 60)]  # day 1 is Monday; no end time: TSML's 60 minutes
    assert by_name["In-Person Meeting"].time_zone == "America/Chicago"  # the record's zone wins
    assert [r.label for r in outcome.refused] == ["Inactive Meeting"]  # readers show it inactive too

    atlanta = json.loads(standards_path("meeting-guide", "samples", "tsml-atlanta.json").read_text())
    services.sync(kept(serve(feeds, "/atl.json", atlanta), name="Atlanta", all_types=True, trusted=True))
    early = db.session.scalars(select(Listing).where(Listing.name == "Early Sunday Morning")).one()
    assert (early.address_line, early.city, early.region, early.postal_code, early.country) == (
        "5881 Old Bascomb Rd", "Acworth", "GA", "30102", "US")
    assert early.location_precision == "exact" and early.time_zone == "America/New_York"  # from the place
    assert [(m.weekday, m.start_time.strftime("%H:%M")) for m in early.meetings] == [(6, "09:00")]


def test_the_spec_example_is_refused_for_its_made_up_town(vocabulary, feeds):
    rows = json.loads(standards_path("meeting-guide", "samples", "spec-readme-example.json").read_text())
    outcome = services.sync(kept(serve(feeds, "/spec.json", rows), all_types=True), dry_run=True)
    assert [(r.label, r.reason) for r in outcome.refused] == [
        ("The Serenity Group",
         "unknown place: 123 Main Street, Anytown, CA, 98765, US is not in the gazetteer")]


def test_only_mens_meetings_unless_all_types(vocabulary, feeds):
    rows = [meeting("a"), meeting("b", types=["O"], group="Mixed", group_id=8)]
    url = serve(feeds, "/mixed.json", rows)
    outcome = services.sync(kept(url))
    assert (len(outcome.new), outcome.skipped) == (1, 1)
    listing = only_listing()
    assert listing.status == "pending"  # not trusted: the review queue
    assert listing.audiences[0].slug == "young-men"  # Y
    assert [topic.slug for topic in listing.topics] == ["addiction-recovery"]
    everything = services.sync(kept(url, name="All of it", all_types=True), dry_run=True)
    assert (len(everything.new), everything.skipped) == (2, 0)


def test_meetings_of_one_group_become_one_listing(vocabulary, feeds):
    rows = [meeting("tue", day=2),
            meeting("thu", day=4, time="19:30", end_time="21:00", name="Thursday step"),
            meeting("alone", group="", group_id="", name="Lonely Hearts", address="99 Side St")]
    services.sync(kept(serve(feeds, "/g.json", rows), trusted=True))
    listings = {listing.name: listing for listing in db.session.scalars(select(Listing))}
    assert sorted(listings) == ["Lonely Hearts", "Men at Noon"]
    group = listings["Men at Noon"]
    assert [(m.weekday, m.start_time.strftime("%H:%M"), m.duration_minutes, m.notes)
            for m in group.meetings] == [
        (1, "12:00", 60, ""), (3, "19:30", 90, "Thursday step")]
    assert group.contact_email == "secretary@example.org" and group.format == "in_person"
    assert registry.record_of(group.id).upstream_ids == ["thu", "tue"]


def test_approximate_places_stay_approximate_and_only_public_links_are_kept(vocabulary, feeds):
    rows = [meeting("online", address="", approximate="yes", formatted_address="Dayton, OH, USA",
                    latitude=None, longitude=None, conference_url="https://zoom.us/j/1",
                    attendance_option="online", group="Online Men", group_id=9),
            meeting("bad-link", group="Bad Link", group_id=10, conference_url="javascript:alert(1)")]
    services.sync(kept(serve(feeds, "/o.json", rows), trusted=True))
    listings = {listing.name: listing for listing in db.session.scalars(select(Listing))}
    online = listings["Online Men"]
    assert (online.format, online.location_precision, online.address_line, online.city) == (
        "online", "approximate", "", "Dayton")
    assert online.online_url == "https://zoom.us/j/1" and not online.online_url_private
    assert (listings["Bad Link"].format, listings["Bad Link"].online_url) == ("in_person", "")


def test_hsds_examples_import_or_say_why(vocabulary, feeds):
    folder = standards_path("hsds-3.0", "examples")
    for path in sorted(folder.glob("*.json")):
        source = Source(name=path.stem, format="hsds-api", upload=path.read_bytes(), upload_name=path.name,
                        url="", all_types=False, trusted=True, sync_hours=0, last_error="", last_summary="")
        try:
            outcome = services.sync(source, dry_run=True)
        except services.SourceError as error:
            assert "holds no HSDS services" in str(error), path.name
            continue
        assert outcome.new or outcome.refused, path.name
        for refusal in outcome.refused:  # the examples' placeholder point (100, 101) is off the globe
            assert refusal.reason in ("bad coordinates (latitude -90 to 90, longitude -180 to 180)",
                                      "neither a place to meet nor a public join link"), (path.name, refusal)
    package = registry.source_for(str(folder / "csv"), "hsds", name="csv", all_types=False, publish=False)
    outcome = services.sync(package, dry_run=True)
    assert [r.reason for r in outcome.refused] == [
        "bad coordinates (latitude -90 to 90, longitude -180 to 180)"]


# The round trip: this directory's own data package ----------------------------------------------------

# What HSDS carries of a listing (the rest is private, or has no field there).
CARRIED = ("kind", "name", "summary", "format", "cost", "cost_details", "website", "city", "region",
           "location_precision", "time_zone", "topics", "audiences", "languages", "meetings")


def carried(listing: Listing) -> dict:
    data = {"kind": listing.kind, **snapshots.snapshot(listing)}
    exact = listing.location_precision == "exact"
    kept_fields = {key: data[key] for key in CARRIED}
    kept_fields["description"] = data["description"] if listing.kind == "group" else None
    kept_fields["phone"] = data["phone"] if data["phone_public"] else ""
    kept_fields["online_url"] = "" if data["online_url_private"] or data["format"] == "in_person" else data[
        "online_url"]
    kept_fields["address_line"] = data["address_line"] if exact else ""
    kept_fields["postal_code"] = data["postal_code"] if exact else ""
    point = (listing.latitude, listing.longitude) if listing.latitude is not None else None
    kept_fields["point"] = point and tuple(round(value, 6 if exact else 2) for value in point)
    if listing.format == "online":  # an online listing has no place there
        kept_fields.update(city="", region="", point=None)
    for item in kept_fields["meetings"]:  # the anchor's week is what counts (schedule.occurs_on)
        if item["anchor_date"]:
            anchor = date.fromisoformat(item["anchor_date"])
            item["anchor_date"] = (anchor - timedelta(days=anchor.weekday() - item["weekday"])).isoformat()
    if listing.kind == "mentor":
        kept_fields["meetings"] = []
        kept_fields["availability"] = data["availability"]
    return kept_fields


def test_own_data_package_round_trip_loses_nothing_hsds_carries(vocabulary, feeds, make_user, make_listing,
                                                               client):
    cases = every_case(make_user, make_listing)
    public = [name for name in cases if name not in ("expired", "draft", "paused", "suspended_owner")]
    expected = {cases[name].name: carried(cases[name]) for name in public}
    cases_by_name = {cases[name].name: cases[name] for name in public}
    package = client.get("/api/hsds/datapackage.zip").data
    for listing in db.session.scalars(select(Listing)):
        db.session.delete(listing)
    db.session.commit()

    outcome = services.sync(kept(serve(feeds, "/hsds.zip", package, "application/zip"), "hsds-package",
                                 trusted=True))
    assert not outcome.refused
    imported = {listing.name: carried(listing) for listing in db.session.scalars(select(Listing))}
    assert sorted(imported) == sorted(expected)
    for name, fields in expected.items():
        if fields["description"] is None:
            imported[name]["description"] = None  # a mentor's description and experience are one text there
        if not fields["website"]:  # the service's own URL (its page here) stands in for a missing website
            assert imported[name]["website"] == f"http://localhost/listings/{cases_by_name[name].slug}"
            imported[name]["website"] = ""
        differing = {key: (value, fields[key]) for key, value in imported[name].items()
                     if value != fields[key]}
        assert not differing, f"{name}: {json.dumps(differing, default=str)}"


def test_hsds_api_is_read_page_by_page(vocabulary, feeds, make_user, make_listing, client):
    cases = every_case(make_user, make_listing)
    names = {cases[name].name for name in ("exact", "online", "hybrid_approximate", "mentor")}
    for path in ("/api/hsds/services", *(f"/api/hsds/services/{item['id']}" for item in
                                          client.get("/api/hsds/services?per_page=100").json["contents"])):
        response = client.get(path + ("?per_page=3&page=" if path.endswith("services") else ""))
        assert response.status_code == 200
    pages = {}
    for page in (1, 2, 3, 4, 5):
        document = client.get(f"/api/hsds/services?per_page=100&page={page}").json
        pages[page] = document
    feeds.routes["/hsds/services"] = (200, "application/json", json.dumps(pages[1]))
    for item in pages[1]["contents"]:
        feeds.routes[f"/hsds/services/{item['id']}"] = (
            200, "application/json", client.get(f"/api/hsds/services/{item['id']}").data)
    outcome = services.sync(Source(name="Remote", format="hsds-api", url=feeds.url("/hsds/"), all_types=False,
                                   trusted=True, sync_hours=0, last_error="", last_summary=""), dry_run=True)
    assert names <= {mapped.label for mapped in outcome.new}
    assert any(hit.startswith("/hsds/services/") for hit in feeds.hits)


# Syncing again -----------------------------------------------------------------------------------------


def test_unchanged_resync_changes_nothing(vocabulary, feeds):
    rows = [meeting("a"), meeting("b", day=4), meeting("c", group="Second", group_id=2, address="1 Elm St")]
    source = kept(serve(feeds, "/f.json", rows), trusted=True)
    assert services.sync(source).summary() == "2 new, 0 changed, 0 gone, 0 refused"
    before = state()
    outcome = services.sync(source)
    assert outcome.summary() == "0 new, 0 changed, 0 gone, 0 refused" and outcome.unchanged == 2
    assert state() == before


def test_changed_record_is_a_revision_for_review(vocabulary, feeds, make_user):
    admin = make_user(admin=True)
    rows = [meeting("a")]
    source = kept(serve(feeds, "/f.json", rows))
    services.sync(source)
    listing = only_listing()
    from directory.moderation import revisions
    from directory.moderation import services as moderation
    moderation.approve(listing, admin)
    rows[0]["time"] = "12:30"
    serve(feeds, "/f.json", rows)
    outcome = services.sync(source)
    assert outcome.summary() == "0 new, 1 changed, 0 gone, 0 refused"
    revision = db.session.scalars(select(Revision)).one()
    assert revision.status == "pending" and revision.author_id is None
    assert only_listing().meetings[0].start_time.strftime("%H:%M") == "12:00"  # public version unchanged
    assert [(field, before[0]["start_time"], after[0]["start_time"])
            for field, before, after in revisions.revision_diff(revision)] == [
                ("meetings", "12:00", "12:30")]
    before = state()
    assert services.sync(source).summary() == "0 new, 0 changed, 0 gone, 0 refused"
    assert state() == before  # the same change again is no second revision
    revisions.approve_revision(revision, admin)
    assert only_listing().meetings[0].start_time.strftime("%H:%M") == "12:30"
    before = state()
    services.sync(source)
    assert state() == before


def test_trusted_source_changes_apply_directly(vocabulary, feeds):
    rows = [meeting("a")]
    source = kept(serve(feeds, "/f.json", rows), trusted=True)
    services.sync(source)
    rows[0]["city"], rows[0]["address"] = "Dayton", "14 Main St"
    serve(feeds, "/f.json", rows)
    services.sync(source)
    assert only_listing().address_line == "14 Main St"
    revision = db.session.scalars(select(Revision)).one()
    assert revision.status == "approved"
    actions = db.session.scalars(select(ModerationEvent.action).order_by(ModerationEvent.id)).all()
    assert actions == ["imported", "source_changed"]


def test_gone_pauses_and_back_resumes(vocabulary, feeds):
    rows = [meeting("a"), meeting("b", group="Second", group_id=2, address="1 Elm St")]
    source = kept(serve(feeds, "/f.json", rows), trusted=True)
    services.sync(source)
    serve(feeds, "/f.json", rows[:1])
    assert services.sync(source).summary() == "0 new, 0 changed, 1 gone, 0 refused"
    second = db.session.scalars(select(Listing).where(Listing.name == "Second")).one()
    assert (second.status, second.moderation_note) == ("paused", "no longer in Intergroup")
    assert services.sync(source).summary() == "0 new, 0 changed, 0 gone, 0 refused"  # gone once
    serve(feeds, "/f.json", rows)
    assert services.sync(source).summary() == "0 new, 0 changed, 0 gone, 0 refused, 1 back"
    db.session.refresh(second)
    assert (second.status, second.moderation_note) == ("published", "")
    reasons = db.session.scalars(select(ModerationEvent.reason).where(ModerationEvent.listing_id == second.id)
                                 .order_by(ModerationEvent.id)).all()
    assert reasons == ["imported from Intergroup", "no longer in Intergroup", "back in Intergroup"]


def test_local_edits_win_and_the_difference_is_shown(vocabulary, feeds):
    rows = [meeting("a")]
    source = kept(serve(feeds, "/f.json", rows), trusted=True)
    services.sync(source)
    listing = only_listing()
    listing.address_line = "12 Main St, back door"  # an admin's correction
    db.session.commit()
    rows[0]["address"], rows[0]["time"] = "12 Main Street", "18:00"
    serve(feeds, "/f.json", rows)
    services.sync(source)
    listing = only_listing()
    assert listing.address_line == "12 Main St, back door"  # kept
    assert listing.meetings[0].start_time.strftime("%H:%M") == "18:00"  # not edited here: updated
    assert registry.differences(listing, registry.record_of(listing.id)) == [
        ("address_line", "12 Main Street", "12 Main St, back door")]


def test_a_crash_halfway_leaves_the_previous_state(vocabulary, feeds, monkeypatch):
    rows = [meeting("a")]
    source = kept(serve(feeds, "/f.json", rows), trusted=True)
    services.sync(source)
    before = state()
    serve(feeds, "/f.json", [meeting("a", time="07:00"), meeting("b", group="New", group_id=3)])

    def crash(*args):
        raise RuntimeError("power cut")

    monkeypatch.setattr(services, "_confirm_listed", crash)
    with pytest.raises(RuntimeError):
        services.sync(source)
    db.session.rollback()
    assert state() == before


# Broken input ------------------------------------------------------------------------------------------




@pytest.mark.parametrize("route, message", [
    ((200, "application/json", b'[{"slug": "a",'), "not valid JSON"),
    ((200, "text/html", b"<!DOCTYPE html><html><body>Error establishing a database connection</body></html>"),
     "web page"),
    ((200, "application/json", b'{"error": "nope"}'), "not a list of meetings"),
    ((200, "application/json", b""), "empty"),
    ((404, "text/html", b"<html>gone</html>"), "answered 404"),
    ((500, "text/plain", b"boom"), "answered 500"),
    ((200, "application/json", b"\xff\xfe[]"), "not UTF-8"),
])
def test_a_broken_feed_says_why_and_changes_nothing(vocabulary, feeds, route, message):
    source = kept(serve(feeds, "/f.json", [meeting("a")]), trusted=True)
    services.sync(source)
    before = state()
    feeds.routes["/f.json"] = route
    with pytest.raises(services.SourceError, match=message):
        services.sync(source)
    assert state() == before
    assert message in source.last_error  # the sources page shows it


@pytest.mark.config(SOURCES_ALLOW_PRIVATE=True, SOURCES_MAX_BYTES=1000)
def test_too_large(vocabulary, feeds):
    source = kept(serve(feeds, "/big.json", [meeting(str(n)) for n in range(50)]))
    with pytest.raises(services.SourceError, match="larger than"):
        services.sync(source)
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0


@pytest.mark.config(SOURCES_ALLOW_PRIVATE=True, SOURCES_FETCH_TIMEOUT=0.3)
def test_too_slow(vocabulary, feeds):
    import time

    def slow():
        time.sleep(1.5)
        return b"[]"

    feeds.routes["/slow.json"] = (200, "application/json", slow)
    with pytest.raises(services.SourceError, match="too long"):
        services.sync(kept(feeds.url("/slow.json")))


def test_redirects_are_limited(vocabulary, feeds):
    feeds.routes["/loop"] = (302, feeds.url("/loop"), b"")
    with pytest.raises(services.SourceError, match="redirected more than"):
        services.sync(kept(feeds.url("/loop")))
    feeds.routes["/moved"] = (301, feeds.url("/f.json"), b"")
    serve(feeds, "/f.json", [meeting("a")])
    assert len(services.sync(kept(feeds.url("/moved"), name="Moved")).new) == 1


@pytest.mark.config(SOURCES_ALLOW_PRIVATE=False)
def test_private_addresses_are_refused_unless_allowed(vocabulary, feeds):
    for url in (feeds.url("/f.json"), "http://localhost/f.json", "http://169.254.169.254/latest/meta-data",
                "http://10.0.0.1/feed", "http://[::1]/feed"):
        with pytest.raises(registry.InvalidSource, match="private or local"):
            kept(url)
    for url in ("ftp://example.org/feed.json", "file:///etc/passwd", "javascript:alert(1)"):
        with pytest.raises(registry.InvalidSource, match="Only http"):
            kept(url)


def test_redirect_to_a_private_address_is_refused(app, vocabulary, feeds):
    source = kept(feeds.url("/hop"))
    feeds.routes["/hop"] = (302, "http://169.254.169.254/latest/meta-data", b"")
    app.config["SOURCES_ALLOW_PRIVATE"] = False
    try:
        with pytest.raises(services.SourceError, match="private or local"):
            services.sync(source)
    finally:
        app.config["SOURCES_ALLOW_PRIVATE"] = True


def test_bad_rows_are_refused_one_by_one_with_reasons(vocabulary, feeds):
    rows = [meeting("ok"), meeting("no-name", name="", group="", group_id=""),
            meeting("bad-day", day=9, group="X", group_id=11), meeting("bad-time", time="7pm", group_id=12),
            meeting("bad-zone", timezone="Mars/Olympus", group_id=13),
            meeting("nowhere", group_id=14, address="", city="Qwxzyv", state="", postal_code="",
                    latitude=None, longitude=None, timezone=None),
            meeting("no-zone-online", group_id=15, address="", city="", state="", postal_code="",
                    latitude=None, longitude=None, timezone=None, conference_url="https://zoom.us/j/5",
                    approximate="yes"),
            meeting("off-globe", group_id=16, latitude=123, longitude=5),
            "not an object"]
    outcome = services.sync(kept(serve(feeds, "/f.json", rows)), dry_run=True)
    reasons = sorted(refusal.reason for refusal in outcome.refused)
    assert reasons == sorted([
        "no name", "bad day 9: 0 (Sunday) to 6 (Saturday)", "bad time '7pm': HH:MM, 24-hour",
        "unknown time zone 'Mars/Olympus' (an IANA name such as America/Chicago)",
        "unknown place: Qwxzyv, US is not in the gazetteer",
        "no time zone: an online meeting needs `timezone` in the record",
        "bad coordinates (latitude -90 to 90, longitude -180 to 180)", "not a JSON object"])
    assert len(outcome.new) == 1
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0  # a dry run


@pytest.mark.parametrize("body, message", [
    (b"not a zip at all", "not a zip archive"),
    (b"PK\x03\x04broken", "damaged"),
    (b"<html><body>Login</body></html>", "web page"),
])
def test_a_broken_data_package_says_why(vocabulary, feeds, body, message):
    source = kept(serve(feeds, "/p.zip", body, "application/zip"), "hsds-package")
    with pytest.raises(services.SourceError, match=message):
        services.sync(source)


def test_a_data_package_without_services(vocabulary, feeds):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("organizations.csv", "id,name\n1,Org\n")
    with pytest.raises(services.SourceError, match="no services.csv"):
        services.sync(kept(serve(feeds, "/p.zip", buffer.getvalue(), "application/zip"), "hsds-package"))
