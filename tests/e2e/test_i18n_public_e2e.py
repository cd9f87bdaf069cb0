"""In Chromium, in Spanish: a search, a listing and the contact form (with an error), on a phone and a
desktop, each checked with axe-core; the scripts' own words (the map, "your time") in Spanish too."""

from __future__ import annotations

import re
from datetime import time

import pytest

from directory.extensions import db
from tests.factories import make_audience, make_listing

from .conftest import DESKTOP, PHONE, TIMEOUT_MS

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

SIZES = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture
def spanish_browser(browser, requests_made, console_log):
    """spanish_browser(size): a page whose browser asks for Spanish, three hours west of the groups."""
    contexts = []

    def open_page(size: str):
        options = dict(viewport=SIZES[size])
        if size == "phone":
            options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
        context = browser.new_context(locale="es-US", timezone_id="America/Los_Angeles",
                                      service_workers="block", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", requests_made.record)
        contexts.append(context)
        page = context.new_page()
        page.on("console", console_log.on_console)
        page.on("pageerror", console_log.on_page_error)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def groups(app, gazetteer):
    """Two groups in Manhattan (one meets in Spanish) and a Spanish-speaking group online."""
    circle = make_listing(
        name="Círculo de padres", slug="circulo-de-padres", languages=("es",),
        topics=("fatherhood", "divorce-and-separation"), cost="donation", location_precision="exact",
        address_line="250 W 30th St",
        meetings=[dict(weekday=1, start_time=time(19, 0), duration_minutes=90, recurrence="weekly")],
    )
    circle.audiences = [make_audience("separated-fathers", "Separated fathers")]
    make_listing(name="Tuesday Dads", slug="tuesday-dads", topics=("fatherhood",), languages=("en",))
    make_listing(name="Duelo en línea", slug="duelo-en-linea", format="online", topics=("grief-and-loss",),
                 languages=("es",))
    db.session.commit()
    return circle


def check_page(page, requests_made, console_log, width, refused: bool = False):
    assert page.evaluate("document.documentElement.lang") == "es"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert requests_made.offsite() == []
    # A refused form answers 422, which Chromium notes in the console; nothing else may be there.
    assert [error for error in console_log.errors if not (refused and "422" in error)] == []


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_search_in_spanish(live_server, spanish_browser, groups, requests_made, console_log, screenshot,
                             axe, size):
    page = spanish_browser(size)
    # No ?lang=: the browser's Accept-Language picks Spanish.
    page.goto(f"{live_server}/search?near=10001&radius=5")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Apoyo cerca de")
    count = page.locator(".results-count").first.inner_text()
    assert re.search(r"2 anuncios a menos de 5 millas de", count), count
    card = page.locator("li.result", has_text="Tuesday Dads")
    assert "Se reúne en inglés" in card.inner_text() and "Paternidad" in card.inner_text()
    circle = page.locator("li.result", has_text="Círculo de padres").inner_text()
    assert "Paternidad, Divorcio y separación" in circle and "Se reúne en" not in circle
    # The group's time in its zone, and the visitor's own beside it, written by the script in Spanish.
    assert re.search(r"mar \d{1,2} [a-z]{3,4} \d{4}, 19:00 E[SD]T", circle), circle
    assert re.search(r"\(mar \d{1,2} [a-z]{3,4} \d{4}, 16:00 P[SD]T en tu hora\)", circle), circle
    assert "Duelo en línea" in page.locator(".online-section").inner_text()
    assert page.get_by_role("button", name="Mostrar el mapa").count() == 1
    if size == "desktop":
        filters = page.locator("form.search-filters").inner_text()
        for name in ("Temas", "Divorcio y separación", "Duelo y pérdida", "Días de reunión",
                     "Aplicar filtros"):
            assert name in filters, name
    assert axe(page) == []
    check_page(page, requests_made, console_log, SIZES[size]["width"])
    screenshot(page, f"search-{size}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_listing_in_spanish(live_server, spanish_browser, groups, requests_made, console_log, screenshot,
                              axe, size):
    page = spanish_browser(size)
    page.goto(f"{live_server}/listings/{groups.slug}?lang=es")
    text = page.locator("main").inner_text()
    for phrase in ("Todos los martes, 19:00 – 20:30", "Próximas reuniones", "Para quién es",
                   "Padres separados", "Con donativo", "Idioma", "Español",
                   "Reportar un problema con este anuncio"):
        assert phrase in text, phrase
    assert re.search(r"\(mar \d{1,2} [a-z]{3,4} \d{4}, 16:00 P[SD]T en tu hora\)", text)
    assert axe(page) == []
    check_page(page, requests_made, console_log, SIZES[size]["width"])
    screenshot(page, f"listing-{size}")
    button = page.get_by_role("button", name="Mostrar el mapa")
    button.click()
    page.get_by_role("button", name="Ocultar el mapa").wait_for()
    assert page.get_by_text("Imágenes de OpenStreetMap.").count() == 1


@pytest.mark.config(CONTACT_MIN_SECONDS=1)
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_contact_form_in_spanish_with_an_error(live_server, spanish_browser, groups, requests_made,
                                                   console_log, screenshot, axe, size):
    page = spanish_browser(size)
    page.goto(f"{live_server}/listings/{groups.slug}?lang=es")
    page.locator("a.contact-button", has_text="Contactar").click()
    page.wait_for_url(f"{live_server}/listings/{groups.slug}/contact")
    assert page.get_by_role("heading", level=1).inner_text() == "Contacta con Círculo de padres"
    assert axe(page) == []

    page.get_by_label("Tu correo electrónico").fill("sam@example.com")
    page.get_by_label("Tu mensaje").fill("Hola, ¿puedo ir el martes solo a escuchar?")
    page.wait_for_timeout(1100)
    page.get_by_role("button", name="Enviar mensaje").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "Hay un problema" in summary.inner_text()
    error = page.locator("#name-error").inner_text()
    assert "Diles cómo llamarte. Con tu nombre de pila basta." in error
    assert page.get_by_label("Tu mensaje").input_value() == "Hola, ¿puedo ir el martes solo a escuchar?"
    assert page.get_by_label("Tu correo electrónico").input_value() == "sam@example.com"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert axe(page) == []
    check_page(page, requests_made, console_log, SIZES[size]["width"], refused=True)
    screenshot(page, f"contact-error-{size}")

    page.get_by_label("Tu nombre").fill("Samuel")
    page.wait_for_timeout(1100)
    page.get_by_role("button", name="Enviar mensaje").click()
    page.wait_for_url(f"{live_server}/listings/{groups.slug}/contact/sent")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Gracias.")
    assert axe(page) == []
    screenshot(page, f"contact-sent-{size}")
