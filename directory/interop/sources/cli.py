"""`flask import` (one source, once) and `flask sources sync` (the kept sources, for cron)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from flask import Flask
from flask.cli import with_appcontext

from . import registry, services
from .services import Outcome, SourceError

FORMAT_CHOICES = ("meeting-guide", "hsds")


def on_terminal() -> bool:
    return sys.stdout.isatty()


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal (count of groups read); nothing in a log or a pipe."""
    if not on_terminal():
        yield lambda _done, _total: None
        return
    with click.progressbar(length=0, label=label, show_pos=True) as bar:
        def advance(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)
        yield advance


def report(outcome: Outcome) -> None:
    """The dry run's detail (first rows of each kind, every refusal), then the summary line."""
    if outcome.dry_run:
        click.echo(f"Dry run of {outcome.source_name}: nothing was changed.")
        for title, rows in (("New", [m.label for m in outcome.first_new]),
                            ("Changed", [m.label for m in outcome.first_changed]),
                            ("Gone", outcome.gone[:services.FIRST_ROWS]),
                            ("Back", outcome.back[:services.FIRST_ROWS])):
            if rows:
                click.echo(f"{title} (first {len(rows)}):")
                for label in rows:
                    click.echo(f"  {label}")
        if outcome.unchanged:
            click.echo(f"Unchanged: {outcome.unchanged}")
        if outcome.skipped:
            click.echo(f"Left out by the type filter: {outcome.skipped}")
    for refusal in outcome.refused:
        click.echo(f"Refused: {refusal.label}: {refusal.reason}")
    click.echo(f"{outcome.source_name}: {outcome.summary()}")


@click.command("import")
@click.argument("location")
@click.option("--format", "kind", type=click.Choice(FORMAT_CHOICES), required=True,
              help="meeting-guide: a Meeting Guide JSON feed; hsds: an HSDS 3.0 API base, a data package "
                   "zip or a folder of its CSV files.")
@click.option("--name", help="The source's name (default: the host or the file name). An existing source "
                             "of that name is synced again.")
@click.option("--all-types", is_flag=True, help="Meeting Guide: every meeting, not only type M (men).")
@click.option("--publish", is_flag=True, help="Trusted source: publish at once instead of the review queue.")
@click.option("--dry-run", is_flag=True, help="Say what would happen; change nothing.")
@with_appcontext
def import_command(location: str, kind: str, name: str | None, all_types: bool, publish: bool,
                   dry_run: bool) -> None:
    """Import listings from another directory's feed (a URL or a file)."""
    try:
        source = registry.source_for(location, kind, name=name, all_types=all_types, publish=publish)
        with progress_bar(f"Reading {source.name}") as advance:
            outcome = services.sync(source, dry_run=dry_run, progress=advance)
    except SourceError as error:
        raise click.ClickException(str(error)) from error
    report(outcome)


@click.group("sources")
def sources_cli() -> None:
    """Sources listings are imported from."""


@sources_cli.command("sync")
@click.argument("name", required=False)
@click.option("--all", "every", is_flag=True, help="Every source, due or not.")
@click.option("--dry-run", is_flag=True, help="Say what would happen; change nothing.")
@with_appcontext
def sync_command(name: str | None, every: bool, dry_run: bool) -> None:
    """Sync the sources that are due (for cron), every one (--all), or the one named."""
    if name and every:
        raise click.UsageError("Give a source's name or --all, not both.")
    if name:
        source = registry.source_by_name(name)
        if source is None:
            raise click.ClickException(f"There is no source named {name!r}.")
        chosen = [source]
    else:
        chosen = registry.all_sources() if every else registry.due_sources()
    if not chosen:
        click.echo("No source is due.")
        return
    failed = []
    for source in chosen:  # one at a time, each in its own transaction
        try:
            with progress_bar(f"Reading {source.name}") as advance:
                report(services.sync(source, dry_run=dry_run, progress=advance))
        except SourceError as error:
            click.echo(f"{source.name}: could not be read: {error}", err=True)
            failed.append(source.name)
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(chosen)} sources could not be read: "
                                   + ", ".join(failed))


@sources_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Each source with where it is read from and its last sync."""
    for source in registry.all_sources():
        checked = source.checked_at.strftime("%Y-%m-%d %H:%M") if source.checked_at else "never"
        click.echo(f"{source.name}\t{source.format}\t{source.location}\tchecked {checked}\t"
                   f"{source.last_error or source.last_summary}")


def register_source_commands(app: Flask) -> None:
    app.cli.add_command(import_command)
    app.cli.add_command(sources_cli)
