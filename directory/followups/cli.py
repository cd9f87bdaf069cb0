"""`flask --app directory send-followups`: the check-ins' daily run (cron, once a day or more often)."""

from __future__ import annotations

import logging

import click
from flask import Flask

from ..database import commit
from ..outbox import deliver
from .services import send_followups

logger = logging.getLogger(__name__)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@click.command("send-followups")
def send_followups_command() -> None:
    """Send each due "Did they answer you?" mail, and a kind reminder to owners whose visitors said "No"
    three times in 60 days. Safe to run again at any time: nothing is sent twice."""
    run = send_followups()
    commit()
    for message in run.messages:
        deliver(message)
    logger.info("send-followups: %s check-ins, %s skipped, %s owner reminders", run.mails, run.skipped,
                run.reminders)
    click.echo(f"Sent {_plural(run.mails, 'check-in mail')}; skipped {run.skipped} whose listing is no "
               f"longer public.")
    click.echo(f"Sent {_plural(run.reminders, 'reminder')} to owners whose visitors heard nothing.")


def register_followup_commands(app: Flask) -> None:
    app.cli.add_command(send_followups_command)
