"""The account and organiser side in Spanish, in a real browser: registering (errors and all), and the
group form sent with mistakes. Every page at phone and desktop width, axe-core at zero violations.

Screenshots (test-artifacts/screenshots/) show each page and each form with its errors.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.accounts.models import User
from directory.extensions import db

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
    assert page.get_by_text("Las dos contraseñas no coinciden.").first.is_visible()
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
