"""Command-line tasks. Every one is idempotent and says what it did."""

from __future__ import annotations

from flask import Flask


def register_core_commands(app: Flask) -> None:
    """Attach every feature's commands to `flask --app directory ...`."""
    from ..contact.cli import register_contact_commands
    from ..geo.cli import gazetteer_cli
    from ..moderation.cli import register_moderation_commands
    from ..seeding.cli import seed_command
    from .backup import backup_command

    register_contact_commands(app)
    register_moderation_commands(app)
    app.cli.add_command(gazetteer_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(backup_command)
