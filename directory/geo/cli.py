"""`flask gazetteer ...`: load the places table from the file in seeds/."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from . import gazetteer, services

gazetteer_cli = AppGroup("gazetteer", help="The gazetteer of postal codes and towns searches start from.")


@gazetteer_cli.command("load")
@click.option("--path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A gazetteer file other than the one in seeds/.")
@click.option("--force", is_flag=True, help="Reload even when the same file is already loaded.")
def load_command(path: Path | None, force: bool) -> None:
    """Load places (idempotent: does nothing when the same file is already loaded)."""
    report = gazetteer.load_gazetteer(path, force=force)
    if report.loaded:
        click.echo(f"Loaded {report.count:,} places (version {report.version[:12]})")
    else:
        click.echo(f"Gazetteer already up to date ({report.count:,} places)")


@gazetteer_cli.command("locate")
@click.argument("text")
def locate_command(text: str) -> None:
    """Show what a search for TEXT would centre on: handy to check the data."""
    result = services.locate(text)
    if result.location:
        location = result.location
        click.echo(f"{location.label}  ({location.latitude:.5f}, {location.longitude:.5f}, "
                   f"{location.time_zone})")
    else:
        click.echo("No place found")
    for heading, items in (("Or perhaps", result.alternatives), ("Did you mean", result.suggestions)):
        if items:
            click.echo(f"{heading}: " + "; ".join(item.label for item in items))
