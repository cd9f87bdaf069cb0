"""A new admin brings in an intergroup's feed in a real browser: add the source, dry run, import; on a
desktop and on a phone, with axe checking each page."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from directory.extensions import db
from directory.listings.models import Listing
from tests.clients import commit_test_session
from tests.factories import make_user
from tests.feeds import FeedServer
from tests.test_sources_import import meeting

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context"),
              pytest.mark.config(SOURCES_ALLOW_PRIVATE=True)]


@pytest.mark.parametrize("device", ["page", "phone_page"])
def test_an_admin_adds_a_source_and_imports_it(request, app, gazetteer, live_server, device, sign_in_browser,
                                               screenshot, axe):
    page = request.getfixturevalue(device)
    admin = make_user("admin@example.org", admin=True, display_name="Alex Admin")
    commit_test_session()
    sign_in_browser(page, admin)
    with FeedServer() as feeds:
        feeds.routes["/feed.json"] = (200, "application/json", json.dumps([
            meeting("a"), meeting("b", group="Second Men's Group", group_id=2, address="1 Elm St"),
            meeting("c", group="Broken", group_id=3, time="7pm")]).encode())
        page.goto(live_server + "/admin/sources")
        page.get_by_role("button", name="Add a source").click()  # a link styled as a button
        # A click on a link returns before the next page has loaded; axe needs that page's document.
        page.wait_for_url("**/admin/sources/new")
        assert axe(page) == []
        page.get_by_label("Name").fill("Dayton Intergroup")
        page.get_by_label("Address (URL)").fill(feeds.url("/feed.json"))
        page.get_by_role("button", name="Add source").click()
        page.get_by_role("button", name="Dry run").click()
        # The dry run reads the feed before it answers: wait for its page, not just for its address.
        page.get_by_role("heading", name="Dry run of Dayton Intergroup").wait_for()
        expect(page.get_by_text("Nothing was changed.")).to_be_visible()
        expect(page.get_by_text("2 new, 0 changed, 0 gone, 1 refused")).to_be_visible()
        expect(page.get_by_role("cell", name="bad time '7pm': HH:MM, 24-hour")).to_be_visible()
        # Nothing is wider than the screen: wide tables scroll in their own box.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe(page) == []
        screenshot(page, "dry-run")
        commit_test_session()
        assert db.session.scalars(select(Listing)).all() == []
        commit_test_session()
        page.get_by_role("button", name="Import now").click()
        page.get_by_role("heading", name="Dayton Intergroup", exact=True).wait_for()
        expect(page.get_by_text("Dayton Intergroup: 2 new, 0 changed, 0 gone, 1 refused.")).to_be_visible()
        screenshot(page, "imported")
        assert axe(page) == []
        page.goto(live_server + "/admin/sources")
        expect(page.get_by_role("cell", name="2 new, 0 changed, 0 gone, 1 refused")).to_be_visible()
        assert axe(page) == []
    commit_test_session()
    assert {listing.status for listing in db.session.scalars(select(Listing))} == {"pending"}
