"""Command-line tasks. Every one is idempotent and says what it did."""

from __future__ import annotations

from flask import Flask


def register_core_commands(app: Flask) -> None:
    """Attach every feature's commands to `flask --app directory ...`."""
