"""Moderation commands: create-admin, send-reminders (daily cron) and expire. Each says what it did."""

from __future__ import annotations

import sys

import click
from flask import Flask
from sqlalchemy import func, select

from ..accounts.models import ROLE_ADMIN, User
from ..accounts.services import hash_password
from ..extensions import db
from ..timeutil import utcnow
from . import reminders, services

MIN_PASSWORD_LENGTH = 12


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    return password


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Admin", show_default=True, help="Display name for a new account.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def create_admin_command(email: str, name: str, password_stdin: bool) -> None:
    """Create an admin account, or make an existing account an admin. Asks for a password for a new one."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise click.ClickException("That does not look like an e-mail address.")
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    password = None
    if password_stdin:
        password = _check_password(sys.stdin.readline().rstrip("\r\n"))
    elif user is None:
        password = _check_password(click.prompt("Password", hide_input=True, confirmation_prompt=True))

    if user is None:
        user = User(email=email, password_hash=hash_password(password or ""), display_name=name[:80],
                    role="member", confirmed_at=utcnow())
        db.session.add(user)
        db.session.flush()
        created = True
    else:
        created = False
        if password:
            user.password_hash = hash_password(password)
            user.session_version = (user.session_version or 1) + 1  # other sessions end with the old password
        if user.confirmed_at is None:
            user.confirmed_at = utcnow()
    if user.role == ROLE_ADMIN:
        db.session.commit()
        click.echo(f"{email} is already an admin{' (password changed)' if password else ''}.")
        return
    services.set_role(user, ROLE_ADMIN, actor=None, reason="member → admin (create-admin command)")
    click.echo(f"{'Created' if created else 'Promoted'} admin {email}.")


@click.command("send-reminders")
def send_reminders_command() -> None:
    """Daily: expire listings unconfirmed too long, then e-mail each owner whose reminder is due (once)."""
    expired = reminders.expire_and_notify()
    sent = reminders.send_reminders()
    click.echo(f"Expired {len(expired)} listing(s). Sent {sent} reminder(s).")


@click.command("expire")
def expire_command() -> None:
    """Take listings nobody confirmed for EXPIRE_AFTER_DAYS out of the search, and tell their owners."""
    expired = reminders.expire_and_notify()
    click.echo(f"Expired {len(expired)} listing(s).")


def register_moderation_commands(app: Flask) -> None:
    app.cli.add_command(create_admin_command)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(expire_command)
