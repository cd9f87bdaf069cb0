"""`flask seed [--demo]`: load the taxonomies, and with --demo the demo accounts and listings."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..accounts.models import ROLE_ADMIN
from .demo import DemoResult, ensure_demo_allowed, seed_demo
from .taxonomies import seed_taxonomies
from .upsert import SeedError


@click.command("seed")
@click.option("--demo", is_flag=True,
              help="Also create demo accounts and fictional demo listings (refused in production).")
@with_appcontext
def seed_command(demo: bool) -> None:
    """Load topics and audiences; with --demo, also the demo accounts and listings."""
    try:
        if demo:
            ensure_demo_allowed()
        tallies = seed_taxonomies()
        for tally in tallies:
            click.echo(str(tally))
        changed = any(tally.changed for tally in tallies)
        if demo:
            result = seed_demo()
            _echo_demo(result)
            changed = changed or result.changed
    except SeedError as error:
        raise click.ClickException(str(error)) from error
    if not changed:
        click.echo("Nothing to do: the database already matches the seed files.")


def _echo_demo(result: DemoResult) -> None:
    for account in result.accounts:
        who = f"Demo {'admin' if account.role == ROLE_ADMIN else 'owner'} {account.email}"
        if account.created:
            click.echo(f"{who}: created, password: {account.password}")
        else:
            click.echo(f"{who}: already exists (password unchanged)")
    if any(account.created for account in result.accounts):
        click.echo("Write the new passwords down: they are shown only this once and stored only as hashes.")
    click.echo(str(result.listings))
    for note in result.notes:
        click.echo(note)
