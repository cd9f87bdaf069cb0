"""The account and organiser side in Spanish, in a real browser: registering (errors and all), and the
group form sent with mistakes. Every page at phone and desktop width, axe-core at zero violations.

Screenshots (with --screenshots, in test-artifacts/screenshots/) show each page and each form with its errors.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from directory.accounts.models import User
from directory.extensions import db
from directory.listings.models import Listing
from tests.clients import commit_test_session
from tests.factories import DEFAULT_PASSWORD, make_topic, make_user

from .test_accounts_e2e import both_widths, latest_link

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

EMAIL = "hector@example.org"
PASSPHRASE = "tractor violeta bajo la luna"


def test_a_man_registers_in_spanish_and_his_mail_is_in_spanish(live_server, page, sent_mail, screenshot, axe):
    page.goto(f"{live_server}/account/register?lang=es")
    page.get_by_role("heading", name="Crear una cuenta").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.title().startswith("Crear una cuenta")
    both_widths(page, screenshot, axe, "registro")

    # Mistakes first: a bad address, a guessable password typed differently the second time.
    page.get_by_label("Tu nombre").fill("Héctor")
    page.get_by_label("Correo electrónico").fill("hector-sin-arroba")
    page.locator("#password").fill("password")
    page.locator("#confirm").fill("otra cosa")
    page.get_by_role("button", name="Crear la cuenta").click()
    page.get_by_text("Escribe un correo como nombre@ejemplo.org.").first.wait_for()
    expect(page.get_by_text("Las dos contraseñas no coinciden.").first).to_be_visible()
    assert page.get_by_label("Tu nombre").input_value() == "Héctor"
    both_widths(page, screenshot, axe, "registro-errores")

    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.locator("#password").fill("password1")
    page.locator("#confirm").fill("password1")
    page.get_by_role("button", name="Crear la cuenta").click()
    page.get_by_text("Esta contraseña es demasiado fácil de adivinar.").first.wait_for()

    page.locator("#password").fill(PASSPHRASE)
    page.locator("#confirm").fill(PASSPHRASE)
    page.get_by_role("button", name="Crear la cuenta").click()
    page.get_by_role("heading", name="Revisa tu correo").wait_for()
    both_widths(page, screenshot, axe, "registro-enviado")
    db.session.expire_all()
    assert db.session.scalar(select(User.language).where(User.email == EMAIL)) == "es"

    # The mail is in Spanish, and its link opens a Spanish page.
    message = [mail for mail in sent_mail() if mail["To"] == EMAIL][-1]
    assert message["Subject"] == "Confirma tu correo, por favor"
    page.goto(latest_link(sent_mail, EMAIL, "/account/confirm/"))
    page.get_by_role("button", name="Confirmar mi correo").click()
    page.get_by_text("Gracias: tu correo está confirmado.").wait_for()

    # His account page, in his language without asking, and the switch to English kept for his mail.
    page.goto(f"{live_server}/account")
    page.get_by_role("heading", name="Tu cuenta").wait_for()
    both_widths(page, screenshot, axe, "cuenta")
    page.get_by_label("El idioma del sitio y de los correos que te enviamos").select_option("en")
    page.get_by_role("button", name="Guardar el idioma").click()
    page.get_by_role("heading", name="Your account").wait_for()
    commit_test_session()
    assert db.session.scalar(select(User.language).where(User.email == EMAIL)) == "en"


def test_the_group_form_in_spanish_explains_its_errors_in_spanish(app, live_server, page, screenshot, axe,
                                                                    console_log):
    make_topic("grief", "Grief and loss")
    make_user("organizador@example.org", display_name="Ramón", language="es")
    commit_test_session()
    # Signing in carries the account's language: no ?lang= needed after this.
    page.goto(f"{live_server}/account/sign-in?lang=es&next=/my/listings")
    page.get_by_label("Correo electrónico").fill("organizador@example.org")
    page.get_by_label("Contraseña").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.get_by_role("heading", name="Mis anuncios").wait_for()
    both_widths(page, screenshot, axe, "panel")
    page.get_by_role("button", name="Publica tu grupo").click()
    page.get_by_role("heading", name="Anunciar un grupo").wait_for()
    # The script's words are Spanish too.
    expect(page.get_by_role("button", name="Agregar otra reunión")).to_be_visible()
    expect(page.get_by_text("Quedan 300 caracteres")).to_be_visible()

    page.get_by_label("Nombre del grupo").fill("Círculo de la tarde")
    page.get_by_label("Sitio web").fill("javascript:alert(1)")
    page.get_by_label("En línea", exact=True).check()
    row = page.locator("[data-meeting-row]").nth(0)
    row.get_by_label("Día").select_option(label="lunes")
    row.get_by_label("Empieza a las").fill("19:00")
    row.get_by_label("Duración en minutos").fill("5")
    page.get_by_role("button", name="Enviar a revisión").click()

    page.locator(".error-summary").wait_for()
    assert page.title().startswith("Error:")
    assert page.get_by_label("Nombre del grupo").input_value() == "Círculo de la tarde"
    assert page.get_by_label("Sitio web").input_value() == "javascript:alert(1)"
    website = page.locator(".field", has=page.locator("#website"))
    assert "Escribe la dirección completa, empezando por https://" in website.inner_text()
    zone = page.locator(".field", has=page.locator("#time_zone"))
    assert "Elige la zona horaria que usas" in zone.inner_text()
    duration = page.locator(".field", has=page.locator("#meetings-0-duration_minutes"))
    assert "Escribe una duración de entre 15 y 600 minutos." in duration.inner_text()
    commit_test_session()
    assert db.session.scalars(select(Listing)).all() == []
    page.evaluate("window.scrollTo(0, 0)")
    both_widths(page, screenshot, axe, "formulario-errores")
    assert console_log.errors == []
