"""Where groups are needed, in Chromium: the list, the map only on request, "Start a group here" into the
group form with the place filled in, the admins' chart by month; axe-core at zero violations throughout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from directory.demand import counting
from directory.demand.cells import cell_of
from directory.demand.models import OUTCOME_NONE, DemandCount
from directory.extensions import db
from directory.geo.services import locate
from tests.clients import commit_test_session
from tests.factories import make_topic, make_user

from .test_accessibility import TILE_HOST, Sweep

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]


@pytest.fixture
def needed(app, gazetteer):
    """Two areas over the threshold (Leeds for grief, Dayton for any topic) and one under it (Austin)."""
    make_topic("grief", "Grief and loss")
    today = counting._today()
    areas = (("Leeds", "grief", 12), ("Dayton, OH", "", 10), ("Austin, TX", "grief", 9))
    for place, topics, searches in areas:
        location = locate(place).location
        cell = cell_of(location.latitude, location.longitude)
        for days_ago, share in ((0, searches // 2), (40, searches - searches // 2)):
            day = today - timedelta(days=days_ago)
            db.session.add(DemandCount(day=day, cell_row=cell.row, cell_col=cell.col, topics=topics,
                                       outcome=OUTCOME_NONE, searches=share))
    commit_test_session()


def test_where_groups_are_needed(app, live_server, page, axe, needed, requests_made, sign_in_browser):
    base = live_server
    sweep = Sweep(page, axe)
    page.route(f"https://{TILE_HOST}/**", lambda route: route.abort())

    sweep.goto("where groups are needed", f"{base}/where-groups-are-needed")
    items = page.locator(".needed-area")
    assert items.count() == 2
    assert "Around Leeds" in items.nth(0).inner_text() and "Grief and loss" in items.nth(0).inner_text()
    assert "Austin" not in page.content()
    # Nothing from another site until the map is asked for.
    assert requests_made.offsite() == []

    def with_map():
        response = page.goto(f"{base}/where-groups-are-needed")
        page.get_by_role("button", name="Show map").click()
        page.wait_for_selector("[data-map-ready]")
        return response

    sweep.check("where groups are needed, map shown", with_map)
    assert page.locator(".leaflet-marker-icon").count() == 2
    assert page.locator("[data-map-ready]").get_attribute("data-map-ready") == "2"

    organiser = make_user("organiser@example.org", display_name="Org")
    admin = make_user("admin@example.org", admin=True, display_name="Alex Admin")
    commit_test_session()
    sign_in_browser(page, organiser)
    page.goto(f"{base}/where-groups-are-needed")
    page.get_by_role("link", name="Start a group here (around Leeds").click()
    page.wait_for_load_state()
    assert "/my/listings/new" in page.url
    assert page.get_by_label("Town, city or ZIP/postcode").input_value().startswith("Leeds")
    assert page.get_by_role("checkbox", name="Grief and loss").is_checked()

    page.context.clear_cookies()
    sign_in_browser(page, admin)
    sweep.goto("admin: where groups are needed by month", f"{base}/admin/demand")
    assert page.locator(".demand-chart tbody tr").count() == 13
    assert page.get_by_role("cell", name="Around Leeds, England").count() + page.get_by_role(
        "rowheader", name="Around Leeds, England").count() >= 1
    sweep.assert_clean()


def rows() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(DemandCount))


def test_a_headless_browser_searching_is_not_counted(live_server, page, needed):
    before = rows()
    page.goto(f"{live_server}/search?near=10001")
    assert rows() == before
