"""Building and handing over one message: SMTP when MAIL_SERVER is set, else an .eml file in instance/mail/.

Features never call transmit() themselves: they queue through the outbox (outbox.py), which calls it.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from flask import current_app, render_template

from .i18n import gettext

logger = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def _clean_header(value: str) -> str:
    """Header values never carry line breaks: that is how header injection works."""
    return " ".join(str(value).replace("\r", " ").replace("\n", " ").split())


def mail_folder() -> Path:
    return Path(current_app.instance_path) / "mail"


def build_message(to: str, subject: str, template: str, reply_to: str | None = None,
                  headers: dict[str, str] | None = None, **context: Any) -> EmailMessage:
    """Render templates/emails/<template>.txt and .html into a two-part message; `headers` adds more
    (List-Unsubscribe, ...), cleaned like the others and never replacing one set here."""
    message = EmailMessage()
    message["From"] = _clean_header(current_app.config["MAIL_SENDER"])
    message["To"] = _clean_header(to)
    message["Subject"] = _clean_header(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="directory.local")
    if reply_to:
        message["Reply-To"] = _clean_header(reply_to)
    for name, value in (headers or {}).items():
        if name not in message:
            message[_clean_header(name)] = _clean_header(value)
    context.setdefault("subject", subject)
    message.set_content(render_template(f"emails/{template}.txt", **context))
    message.add_alternative(render_template(f"emails/{template}.html", **context), subtype="html")
    return message


def transmit(recipient: str, raw: bytes) -> None:
    """Hand one rendered message to MAIL_SERVER, or without one write it to instance/mail/ as an .eml
    file. MailError (its cause says what went wrong) when the server did not take it."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        try:
            timeout = config["MAIL_TIMEOUT"]
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
                sender = parseaddr(config["MAIL_SENDER"])[1] or "no-reply@localhost"
                smtp.sendmail(sender, [recipient], raw)
        except (OSError, smtplib.SMTPException) as error:
            logger.error("mail to a recipient failed: %s", error.__class__.__name__)
            raise MailError(gettext("The message could not be sent.")) from error
        return
    folder = mail_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = formatdate(usegmt=True).replace(" ", "_").replace(",", "").replace(":", "")
    # A local file keeps the platform's line ends; SMTP's CRLF is for the wire.
    (folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(raw.replace(b"\r\n", b"\n"))
