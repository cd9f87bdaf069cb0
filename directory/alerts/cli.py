"""`flask --app directory send-alerts`: the alerts' daily run (cron, once a day is enough)."""

from __future__ import annotations

import logging

import click
from flask import Flask

from ..database import commit
from ..outbox import deliver
from .services import send_alerts

logger = logging.getLogger(__name__)


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


@click.command("send-alerts")
def send_alerts_command() -> None:
    """Mail each address the new listings near its alerts (once a week at most), warn of alerts that end
    soon, and delete ended and never-confirmed alerts. Safe to run again at any time."""
    run = send_alerts()
    commit()
    for message in run.messages:
        deliver(message)
    logger.info("send-alerts: %s mails, %s listings, %s waiting, %s renewal notices, %s expired, "
                "%s unconfirmed deleted", run.mails, run.listings, run.waiting, run.renewal_notices,
                run.expired, run.unconfirmed)
    click.echo(f"Sent {_plural(run.mails, 'alert mail')} naming {_plural(run.listings, 'listing')}; "
               f"{_plural(run.waiting, 'address', 'addresses')} with news had a mail this week and "
               f"{'waits its' if run.waiting == 1 else 'wait their'} turn.")
    click.echo(f"Sent {_plural(run.renewal_notices, 'notice')} that an alert ends soon.")
    click.echo(f"Deleted {_plural(run.expired, 'ended alert')} and "
               f"{_plural(run.unconfirmed, 'alert')} nobody confirmed.")


def register_alert_commands(app: Flask) -> None:
    app.cli.add_command(send_alerts_command)
