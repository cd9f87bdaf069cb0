"""The one function that sends mail: SMTP when MAIL_SERVER is set, else an .eml file in instance/mail/."""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template

logger = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def _clean_header(value: str) -> str:
    """Header values never carry line breaks: that is how header injection works."""
    return " ".join(str(value).replace("\r", " ").replace("\n", " ").split())


def mail_folder() -> Path:
    return Path(current_app.instance_path) / "mail"


def build_message(to: str, subject: str, template: str, reply_to: str | None = None,
                  **context: Any) -> EmailMessage:
    """Render templates/emails/<template>.txt and .html into a two-part message."""
    message = EmailMessage()
    message["From"] = _clean_header(current_app.config["MAIL_SENDER"])
    message["To"] = _clean_header(to)
    message["Subject"] = _clean_header(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="directory.local")
    if reply_to:
        message["Reply-To"] = _clean_header(reply_to)
    context.setdefault("subject", subject)
    message.set_content(render_template(f"emails/{template}.txt", **context))
    message.add_alternative(render_template(f"emails/{template}.html", **context), subtype="html")
    return message


def send_mail(to: str, subject: str, template: str, reply_to: str | None = None,
              **context: Any) -> EmailMessage:
    """Send (or, without MAIL_SERVER, write to disk) one message and return it."""
    message = build_message(to, subject, template, reply_to=reply_to, **context)
    config = current_app.config
    if config.get("MAIL_SERVER"):
        try:
            timeout = config["MAIL_TIMEOUT"]
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            logger.error("mail to a recipient failed: %s", error.__class__.__name__)
            raise MailError("The message could not be sent.") from error
    else:
        folder = mail_folder()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = formatdate(usegmt=True).replace(" ", "_").replace(",", "").replace(":", "")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}"
        (folder / f"{name}.eml").write_bytes(bytes(message))
    logger.info("mail sent: template=%s", template)
    return message
