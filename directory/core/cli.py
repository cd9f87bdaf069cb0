"""Command-line tasks. Every one is idempotent and says what it did."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .. import outbox

mail_cli = AppGroup("mail", help="The outbox: e-mail stored with the action that caused it.")


@mail_cli.command("send-queued")
def send_queued_command() -> None:
    """Send every queued message that is due (run it from cron every minute) and say what happened."""
    run = outbox.send_queued()
    if not (run.sent or run.retrying or run.given_up or run.interrupted):
        click.echo("Nothing was due.")
        return
    click.echo(f"Sent {run.sent}; {run.retrying} still queued for a later attempt; "
               f"{run.given_up} given up; {run.interrupted} interrupted sends set aside for admins.")


def register_core_commands(app: Flask) -> None:
    """Attach every feature's commands to `flask --app directory ...`."""
    from ..alerts.cli import register_alert_commands
    from ..contact.cli import register_contact_commands
    from ..followups.cli import register_followup_commands
    from ..geo.cli import gazetteer_cli
    from ..moderation.cli import register_moderation_commands
    from ..seeding.cli import seed_command
    from .backup import backup_command

    register_alert_commands(app)
    register_contact_commands(app)
    register_followup_commands(app)
    register_moderation_commands(app)
    app.cli.add_command(gazetteer_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(mail_cli)
