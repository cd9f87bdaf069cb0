"""The account and organiser side in Spanish (issue 20): pages, forms and their errors, and every e-mail
rendered and sent in its recipient's language, through the outbox to a real SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from directory.accounts.models import User
from directory.extensions import db
from directory.moderation import services as moderation
from tests.factories import make_topic

from .test_contact import post_message
from .test_outbox import smtp  # noqa: F401 - the fixture: an aiosmtpd server on 127.0.0.1

pytestmark = pytest.mark.own_app

PASSWORD = "correct horse battery staple"


def spanish(client, path: str) -> str:
    response = client.get(path + ("&" if "?" in path else "?") + "lang=es")
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def visible(page: str) -> str:
    """The page's text as read, tags gone, entities and runs of white space folded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", page)
    text = text.replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&")
    return " ".join(text.split())


def title(page: str) -> str:
    return " ".join(re.search(r"<title>(.*?)</title>", page, re.S).group(1).split())


def assert_spanish(page: str, spanish_phrases: list[str], english_phrases: list[str]) -> None:
    text = visible(page)
    assert '<html lang="es"' in page
    for phrase in spanish_phrases:
        assert phrase in text, phrase
    for phrase in english_phrases:
        assert phrase not in text, phrase


# --- pages ---------------------------------------------------------------------------------------------


def test_register_and_sign_in_read_in_spanish(client):
    page = spanish(client, "/account/register")
    assert title(page).startswith("Crear una cuenta")
    assert_spanish(page, ["Crear una cuenta", "Tu nombre", "Correo electrónico", "Contraseña",
                          "Vuelve a escribir la contraseña", "Crear la cuenta", "¿Ya tienes una cuenta?",
                          "Para buscar no hace falta cuenta."],
                   ["Create an account", "Your name", "E-mail address", "Type the password again",
                    "Already have an account", "Searching needs no account", "How we handle"])

    page = spanish(client, "/account/sign-in")
    assert title(page).startswith("Iniciar sesión")
    assert_spanish(page, ["Iniciar sesión", "Mantener mi sesión abierta en este dispositivo durante 14 días",
                          "Solo en un dispositivo que nadie más usa.", "¿Olvidaste tu contraseña?",
                          "Crea una cuenta"],
                   ["Sign in to add", "Keep me signed in", "Forgotten your password", "New here",
                    "Only on a device"])

    page = spanish(client, "/account/forgot")
    assert_spanish(page, ["¿Olvidaste tu contraseña?", "Envíame un enlace", "Volver a iniciar sesión"],
                   ["Forgotten your password", "Send me a link", "Back to sign in"])


def test_the_account_pages_read_in_spanish(app, make_user):
    user = make_user(language="es")
    client = app.test_client(user=user)
    page = spanish(client, "/account")
    assert title(page).startswith("Tu cuenta")
    assert_spanish(page, ["Tu cuenta", "Tus datos", "Miembro desde", "Cambiar tu correo",
                          "Dónde tienes la sesión abierta", "Cerrar la sesión en todas partes",
                          "Descargar mis datos (JSON)", "Borrar mi cuenta", "Idioma", "Guardar el idioma"],
                   ["Your account", "Your details", "Member since", "Change your e-mail address",
                    "Where you are signed in", "Sign out everywhere", "Download my data",
                    "Delete my account"])
    assert 'aria-label="Cerrar la sesión en ' in page

    for path, spanish_phrases, english_phrases in (
        ("/account/password", ["Cambiar tu contraseña", "Contraseña actual", "Contraseña nueva"],
         ["Change your password", "Current password", "New password"]),
        ("/account/email", ["Cambiar tu correo", "Correo nuevo", "Enviar el enlace de confirmación"],
         ["Change your e-mail address", "New e-mail address", "Send the confirmation link"]),
        ("/account/delete", ["Borrar tu cuenta", "No se puede deshacer.", "descargar tus datos"],
         ["Delete your account", "can't be undone", "download your data"]),
    ):
        assert_spanish(spanish(client, path), spanish_phrases, english_phrases)


def test_form_errors_and_password_advice_come_back_in_spanish(client):
    response = client.post("/account/register?lang=es", data={
        "display_name": "Juan", "email": "no-es-un-correo", "password": "password", "confirm": "otra"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_spanish(page, ["Escribe un correo como nombre@ejemplo.org.", "Las dos contraseñas no coinciden."],
                   ["Enter an e-mail address like", "The two passwords are not the same"])

    response = client.post("/account/register?lang=es", data={
        "display_name": "Juan", "email": "juan@example.org", "password": "password1", "confirm": "password1"})
    assert_spanish(response.get_data(as_text=True),
                   ["Esta contraseña es demasiado fácil de adivinar."],
                   ["too easy to guess", "common password"])

    response = client.post("/account/sign-in?lang=es", data={"email": "nadie@example.org", "password": "x"})
    assert_spanish(response.get_data(as_text=True), ["No pudimos iniciar tu sesión con ese correo"],
                   ["We couldn't sign you in"])


def test_a_broken_link_is_explained_in_spanish(client):
    page = client.get("/account/reset/not-a-token?lang=es").get_data(as_text=True)
    assert_spanish(page, ["Este enlace no se puede usar", "Este enlace no es válido.", "Lo que puedes hacer"],
                   ["This link can't be used", "This link is not valid", "What you can do"])


def test_the_language_is_chosen_on_the_account_page_and_kept(app, make_user):
    user = make_user(language="en")
    client = app.test_client(user=user)
    response = client.post("/account/language", data={"language": "es"})
    assert response.status_code == 303 and "lang=es" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "A partir de ahora, el sitio y los correos que te enviamos estarán en este idioma." in page
    assert '<option selected value="es">' in page or 'value="es" selected' in page
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "es"
    # A language the site doesn't offer changes nothing.
    client.post("/account/language", data={"language": "xx"})
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "es"


# --- e-mail, through the outbox to a real SMTP server ------------------------------------------------


def parts(message) -> tuple[str, str, str]:
    return (str(message["Subject"]), message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content())


def mail_to(server, address: str):
    found = [message for message in server.handler.received if str(message["To"]) == address]
    assert len(found) == 1, [str(message["To"]) for message in server.handler.received]
    return found[0]


def assert_mail(message, language: str, subject: str, phrases: list[str], foreign: list[str],
                button: str = "") -> None:
    """Subject exactly, each phrase in the text and the HTML part (the button in the HTML), none of the
    other language's anywhere."""
    got_subject, text, html = parts(message)
    assert got_subject == subject
    html_text = visible(html)
    assert f'<html lang="{language}">' in html
    assert button in html_text
    for phrase in phrases:
        assert phrase in text, ("text", phrase)
        assert phrase in html_text, ("html", phrase)
    for phrase in foreign:
        assert phrase not in text and phrase not in html_text, phrase


ENGLISH_FRAME = ["Hello", "You are receiving this e-mail", "The link works once"]
SPANISH_FRAME = ["Hola", "Recibes este correo", "El enlace sirve una sola vez"]


def register(client, email: str, lang: str = "") -> None:
    response = client.post("/account/register" + (f"?lang={lang}" if lang else ""),
                           data={"display_name": "Juan", "email": email, "password": PASSWORD,
                                 "confirm": PASSWORD})
    assert response.status_code == 303


def test_the_confirmation_mail_is_in_the_language_the_account_registered_in(app, app_context, client,
                                                                          smtp):  # noqa: F811
    smtp.start()
    register(client, "juan@example.org", lang="es")
    register(app.test_client(), "john@example.org")
    assert_mail(mail_to(smtp, "juan@example.org"), "es", "Confirma tu correo, por favor",
                ["Hola, Juan:", "Gracias por crear una cuenta en", "durante 48 horas"],
                ENGLISH_FRAME + ["Confirm my address", "hours"], button="Confirmar mi correo")
    assert_mail(mail_to(smtp, "john@example.org"), "en", "Please confirm your e-mail address",
                ["Hello Juan,", "Thank you for creating an account on", "for 48 hours"],
                SPANISH_FRAME + ["horas"], button="Confirm my address")
    assert db.session.scalar(select(User.language).where(User.email == "juan@example.org")) == "es"


def test_the_reset_mail_follows_the_account_not_the_page_that_asked(app, client, smtp, make_user):  # noqa: F811
    make_user("maria@example.org", display_name="María", language="es")
    make_user("mary@example.org", display_name="Mary", language="en")
    smtp.start()
    # Both asked from an English page: each mail is in its account's language.
    for address in ("maria@example.org", "mary@example.org"):
        assert client.post("/account/forgot", data={"email": address}).status_code == 303
    assert_mail(mail_to(smtp, "maria@example.org"), "es", "Restablece tu contraseña",
                ["Hola, María:", "Alguien (esperamos que tú) pidió restablecer la contraseña",
                 "durante 1 hora", "Elige una contraseña nueva"],
                ENGLISH_FRAME + ["Choose a new password"], button="Elige una contraseña nueva")
    assert_mail(mail_to(smtp, "mary@example.org"), "en", "Reset your password",
                ["Hello Mary,", "Someone (we hope you) asked to reset", "for 1 hour",
                 "Choose a new password"],
                SPANISH_FRAME)


def test_a_moderation_decision_reaches_the_owner_in_their_language(app, smtp, make_user,  # noqa: F811
                                                                  make_listing):
    admin = make_user(admin=True)
    smtp.start()
    for address, language in (("luis@example.org", "es"), ("lewis@example.org", "en")):
        owner = make_user(address, display_name="Luis", language=language)
        pending = make_listing(status="pending", owner=owner, name=f"Grupo {language}")
        with app.test_request_context("/"):  # an English admin page
            moderation.approve(pending, admin)
    assert_mail(mail_to(smtp, "luis@example.org"), "es", "Tu anuncio está publicado",
                ["Hola, Luis:", "Un administrador aprobó «Grupo es». Ya es público.", "Verlo en el sitio",
                 "Gracias por ayudar a que el directorio siga siendo útil."],
                ["Hello", "An admin approved", "See it on the site", "Thank you for keeping"])
    assert_mail(mail_to(smtp, "lewis@example.org"), "en", "Your listing is published",
                ["Hello Luis,", "An admin approved “Grupo en”. It is now public.", "See it on the site"],
                ["Hola", "Un administrador", "Verlo en el sitio"])


def test_a_visitors_message_is_relayed_in_the_owners_language(app, client, smtp, make_user,  # noqa: F811
                                                               make_listing):
    spanish_owner = make_user("ana@example.org", language="es")
    english_owner = make_user("anne@example.org", language="en")
    hermanos = make_listing(name="Hermanos", owner=spanish_owner, contact_email="hermanos@example.org")
    brothers = make_listing(name="Brothers", owner=english_owner, contact_email="brothers@example.org")
    smtp.start()
    # The visitor writes from an English page to the Spanish-speaking owner, and the other way round.
    assert post_message(client, hermanos, name="Pete").status_code == 303
    assert post_message(app.test_client(), brothers, name="Pedro",
                        environ_base={"HTTP_ACCEPT_LANGUAGE": "es"}).status_code == 303
    assert_mail(mail_to(smtp, "hermanos@example.org"), "es", "Pete te envió un mensaje sobre Hermanos",
                ["Hola:", "te envió este mensaje sobre «Hermanos»", "Para contestar, responde a este correo",
                 "I would like to come along on Tuesday"],  # what the visitor wrote stays as written
                ["sent you this message", "To answer, reply", "Your e-mail address is not shown"])
    assert_mail(mail_to(smtp, "brothers@example.org"), "en", "Pedro sent you a message about Brothers",
                ["Hello,", "sent you this message about “Brothers”", "To answer, reply to this e-mail"],
                ["Hola", "te envió", "Para contestar"])


def test_alert_confirmations_are_in_the_language_of_the_form(client, geo, smtp):  # noqa: F811
    smtp.start()
    for address, query in (("padre@example.org", "?lang=es"), ("dad@example.org", "?lang=en")):
        response = client.post("/alerts/new" + query, data={"email": address, "near": "10001",
                                                              "radius": "10", "topics": ["grief"]})
        assert response.status_code in (200, 303)
    assert_mail(mail_to(smtp, "padre@example.org"), "es", "Confirma tu alerta, por favor",
                ["Hola:", "Alguien, seguramente tú, nos pidió avisar a este correo", "10 millas",
                 "como mucho una vez por semana"],
                ["Someone, probably you", "miles", "Switch the alert on"], button="Activar la alerta")
    assert_mail(mail_to(smtp, "dad@example.org"), "en", "Please confirm your alert",
                ["Hello,", "Someone, probably you, asked us", "10 miles", "at most once a week"],
                ["Alguien", "millas", "Activar"], button="Switch the alert on")


def test_the_check_in_is_in_the_language_the_visitor_wrote_in(app, client, runner, geo, smtp,  # noqa: F811
                                                                make_listing):
    listing = make_listing(name="Círculo", topics=("grief",))
    start = datetime(2026, 4, 6, 10, 0, tzinfo=UTC)
    smtp.start()
    with time_machine.travel(start, tick=False) as clock:
        post_message(client, listing, email="jose@example.com", check_in="y",
                     environ_base={"HTTP_ACCEPT_LANGUAGE": "es"})
        post_message(app.test_client(), listing, email="joe@example.com", check_in="y")
        clock.shift(timedelta(days=4, minutes=1))
        result = runner.invoke(args=["send-followups"])
        assert result.exit_code == 0, result.output
    assert_mail(mail_to(smtp, "jose@example.com"), "es", "¿Te respondió Círculo?",
                ["Hola:", "escribiste a", "¿Te respondieron?", "Todavía no"],
                ["Did they answer you", "Not yet", "Don't ask me"], button="No me pregunten")
    assert_mail(mail_to(smtp, "joe@example.com"), "en", "Did Círculo answer you?",
                ["Hello,", "days ago you wrote to", "Did they answer you?", "Not yet"],
                ["¿Te respondieron?", "Todavía no"])


# --- the organiser's side --------------------------------------------------------------------------------


@pytest.fixture
def organiser(app, make_user):
    make_topic("grief", "Grief and loss")
    client = app.test_client(user=make_user("org@example.org", display_name="Organizador", language="es"))
    return client


def test_the_dashboard_and_the_kind_choice_read_in_spanish(organiser, make_listing):
    owner = db.session.scalar(select(User).where(User.email == "org@example.org"))
    make_listing(name="Hermanos del Martes", owner=owner, status="draft")
    page = spanish(organiser, "/my/listings")
    assert title(page).startswith("Mis anuncios")
    assert_spanish(page, ["Mis anuncios", "Ofrécete como mentor", "Hermanos del Martes", "Borrador",
                          "Solo tú puedes verlo. Envíalo a revisión cuando esté listo.", "Editar",
                          "Enviar a revisión", "Vista previa", "Borrar", "Último cambio:"],
                   ["List yourself as a mentor", "Only you can see it", "Submit for review", "Preview",
                    "Last changed", "Draft"])

    page = spanish(organiser, "/my/listings/new")
    assert_spanish(page, ["¿Qué quieres anunciar?", "Un grupo", "A ti mismo como mentor"],
                   ["What would you like to list", "A group", "Yourself as a mentor"])


def test_the_group_form_reads_in_spanish(organiser):
    page = spanish(organiser, "/my/listings/new?kind=group")
    assert title(page).startswith("Anunciar un grupo")
    assert_spanish(page, ["Anunciar un grupo", "Sobre el grupo", "Nombre del grupo", "Resumen breve",
                          "Cómo participa la gente", "En persona", "En línea", "Ambos: en persona y en línea",
                          "Reunión 1", "Elige un día", "martes", "Cada semana", "Duración en minutos",
                          "Para quién es, temas y costo", "Gratis", "Idiomas", "Español",
                          "Correo de contacto",
                          "Cancelar y volver a mis anuncios"],
                   ["List a group", "About the group", "Short summary", "How people take part",
                    "Both: in person and online", "Choose a day", "Tuesday", "Every week",
                    "Length in minutes", "Save draft", "Submit for review", "Cancel and go back"])
    assert 'aria-label="Secciones de este formulario"' in page
    assert 'value="Guardar borrador"' in page and 'value="Enviar a revisión"' in page
    # A new listing starts in the language its owner reads the site in.
    checked = re.findall(r'name="languages" value="(\w+)" checked', page)
    assert checked == ["es"]


def group_form(**overrides) -> dict:
    """A group listing, online so no gazetteer is needed, with one meeting."""
    data = {
        "name": "Padres de Dayton", "summary": "Un grupo pequeño para padres que se separan.",
        "description": "Nos reunimos, escuchamos, nadie tiene que hablar.", "cost": "free",
        "topics": ["grief"], "languages": ["es"], "format": "online", "time_zone": "America/New_York",
        "online_url": "https://meet.example.org/padres", "contact_email": "org@example.org",
        "contact_enabled": "y",
        "meetings-0-weekday": "1", "meetings-0-start_time": "19:00", "meetings-0-duration_minutes": "90",
        "meetings-0-recurrence": "weekly",
    }
    data.update(overrides)
    return data


def field_text(page: str, field_id: str) -> str:
    """The text of the field's block (label, input, help and error) from the form macro."""
    start = page.index(f'id="{field_id}"')
    opening = max(page.rfind('<div class="field', 0, start),
                  page.rfind('<fieldset class="meeting-row', 0, start))
    closing = page.find("</div>\n", start)
    return visible(page[opening:closing if closing > 0 else start + 2000])


def test_the_group_form_with_errors_comes_back_in_spanish_with_what_was_typed(organiser):
    response = organiser.post("/my/listings/new?kind=group&lang=es", data=group_form(
        summary="", website="javascript:alert(1)", phone="llámame", contact_email="no-es-correo",
        **{"meetings-0-duration_minutes": "5", "meetings-0-recurrence": "biweekly",
           "meetings-0-anchor_date": "2026-12-09"},  # a Wednesday, for a Tuesday meeting
        submit_review="Enviar a revisión"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title(page).startswith("Error:")
    # What was typed comes back.
    assert 'value="Padres de Dayton"' in page and 'value="llámame"' in page
    assert 'value="javascript:alert(1)"' in page and 'value="19:00"' in page
    # Each message, in Spanish, in its field's block.
    expected = {
        "website": "Escribe la dirección completa, empezando por https:// (o http://).",
        "phone": "Usa solo números, espacios y + ( ) -, por ejemplo +1 937 555 0100.",
        "contact_email": "Escribe un correo como nombre@ejemplo.org.",
        "meetings-0-duration_minutes": "Escribe una duración de entre 15 y 600 minutos.",
        "meetings-0-anchor_date": "Esa fecha no cae en martes. Elige un martes en que se reúnan.",
    }
    for field_id, message in expected.items():
        assert message in field_text(page, field_id), field_id
    summary = "Escribe una o dos frases que cuenten a la gente de qué se trata."
    assert summary in field_text(page, "summary")
    assert_spanish(page, [*expected.values(), summary],
                   ["Enter the full address", "Use digits", "Enter an e-mail address", "Enter a length",
                    "That date is not", "Write a sentence or two"])


def test_a_device_is_named_in_the_pages_language(app):
    from directory.accounts.devices import describe_device, device_label

    android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
    with app.test_request_context("/?lang=es"):
        assert device_label(describe_device(android)) == "Chrome en Android"
        assert device_label(describe_device("curl/8")) == "Un navegador"
    with app.test_request_context("/"):
        assert device_label(describe_device(android)) == "Chrome on Android"


def test_a_reminder_and_a_suspension_reach_the_owner_in_spanish(app, runner, smtp,  # noqa: F811
                                                                 make_user, make_listing):
    from directory.moderation.users import suspend_user

    start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        owner = make_user("pablo@example.org", display_name="Pablo", language="es")
        make_listing(owner=owner, name="Los Martes", published_at=start.replace(tzinfo=None),
                     last_confirmed_at=start.replace(tzinfo=None))
        smtp.start()
        clock.move_to(start + timedelta(days=61))
        result = runner.invoke(args=["send-reminders"])
        assert result.exit_code == 0, result.output
    assert_mail(mail_to(smtp, "pablo@example.org"), "es", "¿Tu grupo sigue reuniéndose?",
                ["Hola, Pablo:", "¿Sigue reuniéndose «Los Martes»?",
                 "Se confirmó por última vez el 3 de marzo de 2025.",
                 "Sí, no cambió nada", "Dejamos de reunirnos", "durante 30 días, sin iniciar sesión"],
                ["Is “Los Martes” still meeting", "Last confirmed", "Yes, nothing changed", "days"])

    smtp.handler.received.clear()
    with app.test_request_context("/"):
        suspend_user(owner, make_user(admin=True), "Spam in the description.")
    assert_mail(mail_to(smtp, "pablo@example.org"), "es", "Tu cuenta está suspendida",
                ["Hola, Pablo:", "Un administrador suspendió tu cuenta.", "El motivo:",
                 "Spam in the description."],  # what the admin wrote stays as written
                ["An admin suspended", "The reason given"])
