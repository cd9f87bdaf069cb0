"""The admin queue in Spanish, in a real browser: an admin who reads Spanish reviews and approves a listing,
and every page on the way is in Spanish with no accessibility violation."""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import expect

from directory.extensions import db
from directory.listings.models import Listing
from directory.moderation import services
from tests.clients import commit_test_session
from tests.factories import make_listing, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]


def test_an_admin_approves_a_listing_in_spanish(live_server, page, screenshot, axe, sign_in_browser):
    owner = make_user("organizador@example.org", display_name="Luis")
    admin = make_user("admin@example.org", admin=True, display_name="Ana", language="es")
    listing = make_listing(
        owner, status="draft", name="Círculo de padres de Chelsea", languages=("es",),
        summary="Un círculo semanal para papás separados y divorciados.",
        meetings=[dict(weekday=1, start_time=time(19, 0), duration_minutes=90, recurrence="weekly")],
    )
    services.submit(listing, owner)
    listing_id = listing.id
    commit_test_session()

    sign_in_browser(page, admin)  # the account's language: Spanish, with no ?lang= and an English browser
    page.goto(f"{live_server}/admin/")
    assert page.locator("html").get_attribute("lang") == "es"
    expect(page.get_by_role("heading", name="Cola de revisión")).to_be_visible()
    expect(page.get_by_role("heading", name="Anuncios nuevos")).to_be_visible()
    expect(page.get_by_role("navigation", name="Administración")).to_be_visible()
    screenshot(page, "cola")
    assert axe(page) == []

    page.get_by_role("link", name="Círculo de padres de Chelsea").click()
    page.get_by_role("heading", name="Decisión").wait_for()
    expect(page.get_by_text("Pendiente", exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name="Pedir cambios")).to_be_visible()
    screenshot(page, "revision")
    assert axe(page) == []

    # Asking for changes without a note is refused, in Spanish.
    page.get_by_role("button", name="Rechazar", exact=True).click()
    page.get_by_text("Escribe una nota: el responsable necesita saber por qué.").first.wait_for()
    screenshot(page, "sin-nota")
    assert axe(page) == []

    page.get_by_role("button", name="Aprobar", exact=True).click()
    page.get_by_text("“Círculo de padres de Chelsea” está publicado. Se le avisó al responsable.").wait_for()
    screenshot(page, "aprobado")
    assert axe(page) == []
    commit_test_session()
    assert db.session.get(Listing, listing_id).status == "published"

    page.goto(f"{live_server}/admin/audit")
    expect(page.get_by_role("cell", name="Aprobado", exact=True).first).to_be_visible()
    assert axe(page) == []
