"""The public pages in Spanish: every word a visitor reads, the dates, the distances, the topic names, the
error pages and the contact form's errors; and English, the default, unchanged beside them."""

from __future__ import annotations

import html
import json
import re
from datetime import time

import pytest
from sqlalchemy.exc import OperationalError

from directory.extensions import db
from directory.listings import services as listing_services
from directory.timeutil import utcnow
from tests.factories import make_audience
from tests.support import PROJECT_ROOT
from tests.test_contact import post_message


def text_of(response) -> str:
    """What a visitor reads: the page without its tags, entities decoded, spaces folded."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def head_of(response) -> tuple[str, str]:
    body = response.get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    description = re.search(r'<meta name="description" content="([^"]*)"', body).group(1)
    return html.unescape(title), html.unescape(description)


def spanish(client, url: str, status: int = 200):
    response = client.get(url + ("&" if "?" in url else "?") + "lang=es")
    assert response.status_code == status, response.status_code
    assert '<html lang="es">' in response.get_data(as_text=True)
    return response


def assert_no_english(text: str, *phrases: str) -> None:
    # Whole words: "Format" is not left in "Formato".
    left = [phrase for phrase in phrases if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)]
    assert not left, f"still in English: {left}"


@pytest.fixture
def group(make_listing):
    """A Spanish-speaking group in Manhattan that meets on Tuesdays at 7 PM, with seeded topic names."""
    listing = make_listing(
        name="Círculo de padres",
        topics=("fatherhood", "divorce-and-separation", "grief-and-loss"),
        languages=("es",),
        cost="donation",
        meetings=[dict(weekday=1, start_time=time(19, 0), duration_minutes=90, recurrence="weekly"),
                  dict(weekday=5, start_time=time(10, 0), duration_minutes=60, recurrence="monthly",
                       week_of_month=-1)],
    )
    listing.audiences = [make_audience("separated-fathers", "Separated fathers")]
    db.session.commit()
    return listing


# Home, about, privacy ---------------------------------------------------------------------------------


def test_home_about_and_privacy_are_in_spanish(client, make_listing):
    make_listing(topics=("fatherhood", "mental-health"))
    home = spanish(client, "/")
    text = text_of(home)
    assert "Encuentra un mentor o un grupo de hombres cerca de ti" in text
    assert "¿Dónde estás?" in text and "Paternidad" in text and "Salud mental" in text
    assert "10 millas" in text and "1 milla" in text
    assert_no_english(text, "Where are you?", "Find support", "Looking for", "Fatherhood", "Mental health",
                      "For mentors and organisers", "Checked by a person", " miles")
    title, description = head_of(home)
    assert "encuentra un mentor" in title and "men's" not in title
    assert "sin cuenta" in description and "account" not in description

    about = text_of(spanish(client, "/about"))
    assert "Sobre este directorio" in about and "Cómo se revisan los anuncios" in about
    assert_no_english(about, "About this directory", "How listings are checked", "What this site is not",
                      "If you are in danger")
    assert head_of(spanish(client, "/about"))[0].startswith("Quiénes somos")

    privacy = spanish(client, "/privacy")
    words = text_of(privacy)
    assert "Si estás buscando" in words and "No necesitas cuenta." in words
    assert_no_english(words, "If you are searching", "No account needed", "What we keep",
                      "Server logs", "Downloading or deleting your data", "There are no tracking")
    assert "Lo que guarda este directorio" in head_of(privacy)[1]


def test_the_page_frame_and_its_scripts_text_are_in_spanish(client, group):
    page = spanish(client, f"/listings/{group.slug}").get_data(as_text=True)
    assert "Skip to main content" not in page and "Find support" not in page
    texts = dict(re.findall(r'<script src="/static/js/(\w+)\.js[^"]*" data-text=\'([^\']*)\'', page))
    assert set(texts) == {"site", "map", "localtime"}
    said = {name: json.loads(html.unescape(value)) for name, value in texts.items()}
    assert said["site"]["useMyLocation"] == "Usar mi ubicación"
    assert said["map"]["showMap"] == "Mostrar el mapa"
    assert said["localtime"] == {"locale": "es", "yourTime": "({time} en tu hora)"}
    # The scripts themselves hold no English a visitor could read.
    for name in ("site.js", "map.js", "localtime.js"):
        source = (PROJECT_ROOT / "static" / "js" / name).read_text()
        code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
        strings = re.findall(r'"([^"\\]*(?:\\.[^"\\]*)*)"', code)
        assert not [s for s in strings if re.search(r"[A-Z][a-z]+ [a-z]+", s)], (name, strings)


def test_what_is_made_once_per_language_stays_that_languages_in_turn(client, group):
    """Names, scripts' text, format names and the language links are made once per language (or address)
    and kept: pages asked in turn, in one process, each get their own language's and their own address's."""
    es_words = ("Paternidad", "Usar mi ubicación", "En persona")
    en_words = ("Fatherhood", "Use my location", "In person")
    for language, words, others in (("es", es_words, en_words), ("en", en_words, es_words),
                                    ("es", es_words, en_words)):
        listing = client.get(f"/listings/{group.slug}?lang={language}")
        home = client.get(f"/?lang={language}")
        scripts = re.findall(r'data-text=\'([^\']*)\'', listing.get_data(as_text=True))
        said = " ".join(json.loads(html.unescape(text)).get("useMyLocation", "") for text in scripts)
        everything = f"{text_of(listing)} {text_of(home)} {said}"
        assert not [word for word in words if word not in everything], language
        assert not [word for word in others if word in everything], language
    for query in ("near=Austin", "near=Denver&radius=5"):
        page = client.get(f"/search?{query}&lang=es").get_data(as_text=True)
        english = html.unescape(re.search(r'<a href="([^"]+)" hreflang="en"', page).group(1))
        assert english == f"/search?{query}&lang=en"
        alternates = dict(re.findall(r'<link rel="alternate" hreflang="([a-zA-Z-]+)" href="([^"]+)"', page))
        assert html.unescape(alternates["x-default"]) == f"http://localhost/search?{query}"


# Search -------------------------------------------------------------------------------------------------


def test_search_results_filters_and_cards_are_in_spanish(client, geo, group, make_listing):
    make_listing(name="English group", topics=("anger",), languages=("en",))
    response = spanish(client, "/search?near=10001&radius=25")
    text = text_of(response)
    # Headings, counts and distances.
    assert "Apoyo cerca de" in text and "Cerca, los más cercanos primero" in text
    assert re.search(r"\d+ anuncios? a menos de 25 millas de", text)
    assert re.search(r"\d,\d mi|menos de 0,1 mi", text)
    # Filters: labels, choices, topic and audience names, days.
    assert "Filtros" in text and "Aplicar filtros" in text and "Temas" in text and "Días de reunión" in text
    for name in ("Divorcio y separación", "Paternidad", "Duelo y pérdida", "Manejo de la ira",
                 "Padres separados", "lunes", "Gratis", "En persona", "Mostrar distancias en", "kilómetros"):
        assert name in text, name
    assert "Español" in text  # the language filter names languages in Spanish
    # Cards: kind, topics, next meeting in Spanish, the language a group meets in.
    card = re.search(r'<li class="result".*?Círculo de padres.*?</article>', response.text, re.S)
    assert card, "the group's card"
    card_text = text_of_fragment(card.group(0))
    assert "Grupo" in card_text and "Paternidad, Divorcio y separación, Duelo y pérdida" in card_text
    spanish_time = r"(lun|mar|mié|jue|vie|sáb|dom) \d{1,2} [a-z]{3,4} \d{4}, \d{1,2}:\d{2} E[SD]T"
    assert re.search(spanish_time, card_text)
    assert "Confirmado hoy" in card_text
    english_card = re.search(r'<li class="result".*?English group.*?</article>', response.text, re.S).group(0)
    assert "Se reúne en inglés" in text_of_fragment(english_card)
    assert "Se reúne en" not in card_text  # a group in the page's own language: nothing to say
    assert_no_english(text, "Support near", "Nearby, nearest first", "Next meeting", "Topics", "Fatherhood",
                      "Divorce and separation", "Grief and loss", "Separated fathers", "Apply filters",
                      "Show distances in", "listings within", " miles", "Confirmed today", "Meets on",
                      "Who it's for", "Looking for", "Meets today", "This week", " PM ")
    title, description = head_of(response)
    assert title.startswith("Mentores y grupos de hombres cerca de") and "near" not in title
    assert description.startswith("Mentores y grupos de apoyo para hombres cerca de")


def text_of_fragment(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


def test_the_same_search_in_english_is_unchanged(client, geo, group):
    text = text_of(client.get("/search?near=10001&radius=25"))
    assert re.search(r"\d+ listings? within 25 miles of", text)
    assert "Fatherhood, Divorce and separation, Grief and loss" in text
    assert "Meets in Spanish" in text and "Confirmed today" in text
    english_time = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}, \d{1,2}:\d{2} [AP]M E[SD]T"
    assert re.search(english_time, text)


def test_kilometres_and_refused_choices_are_explained_in_spanish(client, geo, group):
    text = text_of(spanish(client, "/search?near=10001&radius=25&units=km"))
    assert "25 millas (40 km)" in text and re.search(r"\d,\d km", text)
    refused = spanish(client, "/search?near=10001&radius=7&topic=nothing-here", status=400)
    words = text_of(refused)
    assert "Algunas de tus opciones no se pudieron usar" in words
    assert "Elige una distancia de" in words and "No conocemos el tema «nothing-here»" in words
    assert_no_english(words, "Some of your choices", "Choose a distance", "We don't know the topic")


def test_chosen_filters_are_counted_in_the_right_number(client, geo, group):
    """One filter chosen is "elegido", more are "elegidos" (English says "chosen" for both)."""
    one = text_of(spanish(client, "/search?near=10001&topic=fatherhood"))
    assert "Filtros (1 elegido)" in one and "Temas (1 elegido)" in one and "elegidos" not in one
    two = text_of(spanish(client, "/search?near=10001&topic=fatherhood&topic=grief-and-loss&day=mon"))
    assert "Filtros (3 elegidos)" in two and "Temas (2 elegidos)" in two
    assert "Días de reunión (1 elegido)" in two
    english = text_of(client.get("/search?near=10001&topic=fatherhood&topic=grief-and-loss&lang=en"))
    assert "Filters (2 chosen)" in english and "Topics (2 chosen)" in english


def test_the_language_filter_is_in_the_order_a_reader_looks_for_a_name(client, geo, group, make_listing):
    """Accented names sort with their letter: "Árabe" first, not after "Vietnamita"."""
    for code in ("vi", "ar", "zh"):
        make_listing(languages=(code,))
    db.session.commit()
    page = spanish(client, "/search?near=10001").text
    select = page.split('name="language"', 1)[1].split("</select>")[0]
    choices = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert choices == ["Cualquiera", "Árabe", "Chino", "Español", "Vietnamita"]


def test_an_unknown_place_and_an_empty_search_are_in_spanish(client, geo):
    words = text_of(spanish(client, "/search?near=Nowhereville%20Zzz"))
    assert "No encontramos «Nowhereville Zzz»" in words
    assert_no_english(words, "We couldn't find", "Try a ZIP code")
    empty = text_of(spanish(client, "/search"))
    assert "Escribe un código postal o una ciudad" in empty
    assert_no_english(empty, "Enter a ZIP code", "Find a mentor or a men's group")


# A listing, an area, a listing that left ---------------------------------------------------------------


def test_a_listing_page_is_in_spanish_with_spanish_dates(client, group):
    response = spanish(client, f"/listings/{group.slug}")
    text = text_of(response)
    assert "Todos los martes, 19:00 – 20:30" in text
    assert "El último sábado de cada mes, 10:00 – 11:00" in text
    assert re.search(r"mar \d{1,2} [a-z]{3,4} \d{4}, 19:00 E[SD]T", text)
    today = utcnow()
    assert re.search(rf"{today.day} de [a-z]+ de {today.year} \(hoy\)", text)
    for phrase in ("Qué es", "Para quién es", "Padres separados", "Temas", "Paternidad", "Cuándo",
                   "Próximas reuniones", "Añadir al calendario", "Contactar", "Detalles", "Formato",
                   "En persona", "Costo", "Con donativo", "Idioma", "Español", "Dónde", "Última confirmación",
                   "Reportar un problema con este anuncio", "Las horas son las del lugar"):
        assert phrase in text, phrase
    # A group that meets in the page's own language needs no word about it; in English it does.
    assert "Se reúne en" not in text
    assert "Meets in Spanish" in text_of(client.get(f"/listings/{group.slug}?lang=en"))
    assert_no_english(text, "What it is", "Who it's for", "Every Tuesday", "The last Saturday",
                      "Next meetings", "Add to calendar", "Get in touch", "Details", "Format", "By donation",
                      "Last confirmed",
                      "Report a problem", "Find more support", "Times are local", " PM ", "Tuesday",
                      "Separated fathers", "Fatherhood")
    title, description = head_of(response)
    assert title.startswith("Círculo de padres — grupo de apoyo para hombres en New York")
    assert "Temas: Paternidad, Divorcio y separación, Duelo y pérdida." in description
    # What a search engine reads of the page is in its language too.
    page = response.get_data(as_text=True)
    structured = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert json.loads(structured)["keywords"] == "Paternidad, Divorcio y separación, Duelo y pérdida"


def test_a_mentor_in_another_language_says_so(client, make_listing):
    mentor = make_listing(kind="mentor", languages=("en", "es"), topics=("anger",))
    text = text_of(spanish(client, f"/listings/{mentor.slug}"))
    assert "Habla inglés y español" in text and "Sobre este mentor" in text
    assert "Speaks English and Spanish" in text_of(client.get(f"/listings/{mentor.slug}?lang=en"))


def test_areas_and_a_gone_listing_are_in_spanish(client, group, make_listing):
    areas = text_of(spanish(client, "/areas/"))
    assert "Grupos de hombres y mentores por zona" in areas or "Explora" in areas
    assert re.search(r"\d+ anuncios?", areas)
    assert_no_english(areas, "Browse by area", "listing", "search by ZIP code")
    area = spanish(client, "/areas/us/ny/new-york/")
    words = text_of(area)
    assert "Grupos de hombres y mentores en New York, NY" in words and "para verse en persona" in words
    assert_no_english(words, "Men's groups and mentors in", "you can meet in person", "Listings")
    assert head_of(area)[1].startswith("1 grupo de apoyo para hombres o mentor en New York, NY")

    group.status = "withdrawn"
    db.session.commit()
    gone = text_of(spanish(client, f"/listings/{group.slug}", status=410))
    assert "Este grupo ya no aparece en el directorio" in gone and "ha dejado el directorio" in gone
    assert_no_english(gone, "no longer listed", "has left the directory", "Search for more support")


# Error pages --------------------------------------------------------------------------------------------


def test_error_pages_are_in_spanish(client, monkeypatch):
    missing = spanish(client, "/no-such-page", status=404)
    words = text_of(missing)
    assert "No encontramos esa página" in words and "Error 404" in words
    assert "Ir a la página de inicio" in words and "O busca apoyo cerca de ti" in words
    assert_no_english(words, "We couldn't find that page", "Go to the home page", "Or search for support")
    assert head_of(missing)[1] == "Puede que se haya movido, o que el anuncio ya no esté publicado."

    bad = text_of(spanish(client, "/admin/listings/1/messages/delete", status=405))
    assert "Eso no funcionó" in bad

    def database_down(_slug):
        raise OperationalError("SELECT 1", {}, Exception("the database went away"))

    monkeypatch.setattr(listing_services, "listing_by_slug", database_down)
    down = text_of(spanish(client, "/listings/anything", status=503))
    assert "El sitio tiene problemas en este momento" in down and "par de minutos" in down
    assert_no_english(down, "The site is having trouble", "Please try again")


def test_a_400_page_is_in_spanish(client, make_listing, make_user):
    admin = make_user(admin=True)
    client.sign_in(admin)
    listing = make_listing()
    page = client.post(f"/admin/listings/{listing.id}/messages/delete?lang=es", data={"message_id": "x"})
    assert page.status_code == 400
    words = text_of(page)
    assert "Algo en esa petición no estaba bien" in words and "Vuelve atrás e inténtalo de nuevo." in words
    assert_no_english(words, "Something in that request", "Please go back")


# Contact ------------------------------------------------------------------------------------------------


def test_the_contact_form_and_its_errors_are_in_spanish_next_to_the_field_with_the_input_kept(client, group):
    form = text_of(spanish(client, f"/listings/{group.slug}/contact"))
    assert "Contacta con Círculo de padres" in form and "Tu nombre" in form and "Enviar mensaje" in form
    assert "(obligatorio)" in form and "Pregúntenme en unos días" in form
    # The limit is written as the page's language writes numbers.
    assert "(hasta 5.000 caracteres)" in form
    assert "(up to 5,000 characters)" in text_of(client.get(f"/listings/{group.slug}/contact?lang=en"))
    assert_no_english(form, "Get in touch with", "Your first name", "Send message", "(required)",
                      "No account needed", "Check on me")

    client.get("/?lang=es")  # the choice is remembered by its cookie for the post
    response = post_message(client, group, name="", email="not-an-address",
                            message="Hola, ¿puedo ir el martes?")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    name_error = re.search(r'<div class="field-error" id="name-error">(.*?)</div>', body, re.S).group(1)
    email_error = re.search(r'<div class="field-error" id="email-error">(.*?)</div>', body, re.S).group(1)
    assert "Diles cómo llamarte" in name_error and "Error:" in name_error
    assert "nombre@ejemplo.com" in email_error and "Error:" in email_error
    assert "Hay un problema" in text_of(response)
    assert 'value="not-an-address"' in body and "Hola, ¿puedo ir el martes?" in html.unescape(body)
    assert_no_english(text_of(response), "Please tell them", "Please enter an e-mail", "There is a problem")

    too_long = post_message(client, group, message="x" * 5001)
    assert "Tu mensaje tiene 5.001 caracteres; acórtalo a 5.000 o menos." in html.unescape(too_long.text)


def test_a_form_sent_too_fast_and_the_sent_page_are_in_spanish(client, group, sent_mail):
    client.get("/?lang=es")
    fast = post_message(client, group, seconds_ago=0)
    assert "Se envió más rápido de lo que esperamos de una persona" in html.unescape(fast.text)
    sent = post_message(client, group)
    assert sent.status_code == 303
    page = text_of(client.get(sent.headers["Location"]))
    assert "Gracias." in page and "Qué pasa ahora" in page and "Tu copia" in page
    assert_no_english(page, "Thank you", "What happens next", "Your copy", "Find more support")
    copy = client.get(f"/listings/{group.slug}/contact/sent/copy.txt").get_data(as_text=True)
    assert "Tu mensaje a «Círculo de padres»" in copy and "Lo que escribiste:" in copy


# The finder other sites embed, and its snippet page ------------------------------------------------------


def test_the_embedded_finder_and_its_snippet_page_are_in_spanish(client, geo, group):
    embed = spanish(client, "/embed?near=10001")
    words = text_of(embed)
    assert "Cerca de" in words and "Próxima:" in words and "Buscar" in words
    assert_no_english(words, "ZIP code, postcode or town", "Within", "Next:", "More results", " miles")
    snippet = text_of(spanish(client, "/put-this-on-your-site"))
    assert "Pon este buscador en tu web" in snippet and "1. Elige qué muestra primero" in snippet
    assert "Altura del cuadro" in snippet and "600 píxeles" in snippet and "Cualquier tema" in snippet
    assert_no_english(snippet, "Choose what it shows first", "Height of the box", "pixels", "Any topic")
