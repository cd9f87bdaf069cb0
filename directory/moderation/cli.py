"""Moderation commands: create-admin, send-reminders (daily cron) and expire. Each says what it did."""

from __future__ import annotations

import sys

import click
from flask import Flask

from ..accounts.signin import find_user
from . import reminders, users

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
    password = None
    if password_stdin:
        password = _check_password(sys.stdin.readline().rstrip("\r\n"))
    elif find_user(email) is None:
        password = _check_password(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    _user, outcome = users.make_admin(email, name, password)
    if outcome == "unchanged":
        click.echo(f"{email} is already an admin{' (password changed)' if password else ''}.")
    else:
        click.echo(f"{outcome.capitalize()} admin {email}.")


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
