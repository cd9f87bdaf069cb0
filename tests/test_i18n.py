"""Languages: which one a page is served in, how a visitor switches, and what every page says about it."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string

from directory.i18n import LANG_COOKIE, current_locale, force_locale, gettext, ngettext, using_language


def html_lang(response) -> str:
    match = re.search(r'<html lang="([a-z-]+)"', response.get_data(as_text=True))
    assert match, "the page names no language"
    return match.group(1)


def test_a_first_visit_follows_the_browsers_language(client):
    assert html_lang(client.get("/about", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.4"})) == "es"
    assert html_lang(client.get("/about", headers={"Accept-Language": "fr-FR,en;q=0.5"})) == "en"
    # A language the site doesn't have, and no English either: the default.
    assert html_lang(client.get("/about", headers={"Accept-Language": "de"})) == "en"


def test_a_choice_in_the_url_wins_and_is_remembered(app):
    client = app.test_client()
    spanish_browser = {"Accept-Language": "es"}
    response = client.get("/about?lang=en", headers=spanish_browser)
    assert html_lang(response) == "en"
    assert f"{LANG_COOKIE}=en" in response.headers["Set-Cookie"]
    # The next page without ?lang= stays in the language picked, whatever the browser asks for.
    assert html_lang(client.get("/privacy", headers=spanish_browser)) == "en"
    assert html_lang(client.get("/privacy?lang=es")) == "es"
    assert html_lang(client.get("/privacy")) == "es"
    # A language the site does not have is ignored, not an error.
    assert html_lang(client.get("/privacy?lang=xx")) == "es"


def test_a_signed_in_accounts_preference_comes_after_url_and_cookie(app, make_user):
    user = make_user(language="es")
    client = app.test_client(user=user)
    english_browser = {"Accept-Language": "en-US"}
    assert html_lang(client.get("/about", headers=english_browser)) == "es"
    assert html_lang(client.get("/about?lang=en", headers=english_browser)) == "en"
    assert html_lang(client.get("/about", headers=english_browser)) == "en"  # the cookie now


def test_the_page_is_in_spanish_with_the_crisis_line_and_its_spanish_service(client):
    page = client.get("/about?lang=es").get_data(as_text=True)
    assert "¿En crisis? Llama o envía un mensaje de texto al 988" in page
    assert "marca 2" in page and "AYUDA" in page
    assert 'href="tel:988"' in page
    english = client.get("/about?lang=en").get_data(as_text=True)
    assert "In crisis?" in english and "AYUDA" not in english


@pytest.mark.config(CRISIS_LINE="Samaritans: call 116 123, day or night.", CRISIS_TEL="116123")
def test_a_crisis_line_the_operator_wrote_is_shown_as_written(client):
    page = client.get("/about?lang=es").get_data(as_text=True)
    assert "Samaritans: call 116 123" in page
    assert "AYUDA" not in page  # 988's Spanish service is only offered with 988


def test_the_switch_keeps_the_page_and_its_query_and_hreflang_names_each_version(client):
    page = client.get("/search?near=Austin&topic=grief&topic=anger&lang=es").get_data(as_text=True)
    switch = re.search(r'<li class="language-switch">.*?</li>', page, re.S).group(0)
    assert "English" in switch and "Español" in switch
    english_link = re.search(r'<a href="([^"]+)" hreflang="en"', switch).group(1)
    assert english_link.startswith("/search?")
    for part in ("near=Austin", "topic=grief", "topic=anger", "lang=en"):
        assert part in english_link
    assert 'aria-current="true" lang="es">Español' in switch
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([a-zA-Z-]+)" href="([^"]+)"', page))
    assert set(alternates) == {"en", "es", "x-default"}
    assert alternates["es"].startswith("http://localhost/search?") and "lang=es" in alternates["es"]
    assert "lang=" not in alternates["x-default"]


def test_pages_that_follow_the_browser_say_so_to_caches(client):
    response = client.get("/about")
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    static = client.get("/static/css/site.css")
    assert "Accept-Language" not in static.vary
    static.close()


def test_translation_calls_work_in_python_and_templates(app):
    with app.test_request_context("/?lang=es"):
        assert current_locale() == "es"
        assert gettext("Search") == "Buscar"
        assert ngettext("%(num)s mile", "%(num)s miles", 2) == "2 millas"
        assert gettext("%(num)s miles", num=3) == "3 millas"
        assert render_template_string("{{ _('Search') }} {{ gettext('Privacy') }}") == "Buscar Privacidad"
        assert render_template_string("{% trans %}Sign in{% endtrans %}") == "Iniciar sesión"
        with force_locale("en"):
            assert current_locale() == "en" and gettext("Search") == "Search"
        assert gettext("Search") == "Buscar"  # back in the request's language
    with app.app_context():
        assert current_locale() == "en"  # a command, no request
        with using_language("es") as language:
            assert language == "es" and current_locale() == "es" and gettext("Search") == "Buscar"
        with using_language("xx"):
            assert current_locale() == "en"


def test_template_translations_behave_as_jinjas_and_follow_a_forced_language(app):
    """Pages get gettext functions bound once per render; they must read exactly as Flask-Babel's own."""
    source = ("{{ _('Search') }}|{{ _('%(num)s miles', num=5) }}|{{ _('<b>%(name)s</b>', name='<i>') }}|"
              "{{ ngettext('%(num)d search found nothing near', '%(num)d searches found nothing near', 3) }}|"
              "{{ _('100%% sure') }}|{% trans n=2 %}{{ n }} things{% endtrans %}|"
              "{{ ngettext('%(num)s mile', '%(num)s miles', 2, num='two') }}")
    with app.test_request_context("/?lang=es"):
        bound = render_template_string(source)
        # The same template through Flask-Babel's functions (the environment's globals).
        plain = app.jinja_env.from_string(source).render()
        assert bound == plain
        assert bound.startswith("Buscar|5 millas|")
        assert "&lt;i&gt;" in bound and "100% sure" in bound and "|2 things|two millas" in bound
        # Mail rendered for an English-speaking recipient in the middle of a Spanish request.
        with using_language("en"):
            assert render_template_string("{{ _('Search') }}").strip() == "Search"
        assert render_template_string("{{ _('Search') }}").strip() == "Buscar"


def test_registering_keeps_the_language_the_site_was_read_in(client, app):
    from sqlalchemy import select

    from directory.accounts.models import User
    from directory.extensions import db

    response = client.post("/account/register?lang=es", data={
        "email": "pablo@example.org", "display_name": "Pablo",
        "password": "un caballo verde salta la cerca", "confirm": "un caballo verde salta la cerca",
    })
    assert response.status_code in (200, 302, 303)
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="pablo@example.org"))
        assert user is not None and user.language == "es"
