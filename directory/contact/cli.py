"""`flask --app directory purge`: delete contact messages, sent mail and search counters older than their
retention limits (run it daily)."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app

from ..demand.services import purge_old_counts
from ..outbox import purge_finished
from ..timeutil import utcnow
from .services import purge_old_messages

logger = logging.getLogger(__name__)


@click.command("purge")
def purge_command() -> None:
    """Delete contact messages older than CONTACT_RETENTION_DAYS, sent or given-up mail older than
    OUTBOX_RETENTION_DAYS and search counters older than DEMAND_RETENTION_MONTHS. Safe to run again."""
    removed = purge_old_messages()
    days = current_app.config["CONTACT_RETENTION_DAYS"]
    logger.info("purge removed %s contact messages older than %s days", removed, days)
    click.echo(f"Removed {removed} contact message{'s' if removed != 1 else ''} older than {days} days.")
    mail_removed = purge_finished()
    mail_days = current_app.config["OUTBOX_RETENTION_DAYS"]
    logger.info("purge removed %s outbox rows older than %s days", mail_removed, mail_days)
    click.echo(f"Removed {mail_removed} sent or given-up e-mail{'s' if mail_removed != 1 else ''} "
               f"older than {mail_days} days.")
    counts_removed = purge_old_counts(utcnow().date())
    months = current_app.config["DEMAND_RETENTION_MONTHS"]
    click.echo(f"Removed {counts_removed} daily search counter{'s' if counts_removed != 1 else ''} "
               f"older than {months} months.")


def register_contact_commands(app: Flask) -> None:
    app.cli.add_command(purge_command)
