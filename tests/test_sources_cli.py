"""`flask import` and `flask sources sync` against feeds on a local HTTP server."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.interop.sources import registry
from directory.interop.sources.models import Source
from directory.listings.models import Listing

from .feeds import FeedServer
from .test_sources_import import meeting

pytestmark = pytest.mark.config(SOURCES_ALLOW_PRIVATE=True)


@pytest.fixture
def feeds():
    with FeedServer() as server:
        yield server


def listings() -> int:
    return db.session.scalar(select(func.count()).select_from(Listing))


def put(feeds, rows) -> str:
    feeds.routes["/feed.json"] = (200, "application/json", json.dumps(rows).encode())
    return feeds.url("/feed.json")


def test_dry_run_then_import_then_sync(geo, feeds, runner):
    url = put(feeds, [meeting("a"), meeting("b", group="Second", group_id=2, address="1 Elm St"),
                      meeting("c", group_id=3, group="Third", day=8), meeting("d", types=["W"], group_id=4)])
    command = ["import", url, "--format", "meeting-guide", "--name", "Dayton AA"]
    result = runner.invoke(args=[*command, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run of Dayton AA: nothing was changed." in result.output
    assert "New (first 2):\n  Men at Noon\n  Second\n" in result.output
    assert "Refused: Men at Noon (c): bad day 8: 0 (Sunday) to 6 (Saturday)" in result.output
    assert "Left out by the type filter: 1" in result.output
    assert result.output.rstrip().endswith("Dayton AA: 2 new, 0 changed, 0 gone, 1 refused")
    assert listings() == 0 and db.session.scalar(select(func.count()).select_from(Source)) == 0

    result = runner.invoke(args=[*command, "--publish"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("Dayton AA: 2 new, 0 changed, 0 gone, 1 refused")
    assert {listing.status for listing in db.session.scalars(select(Listing))} == {"published"}

    put(feeds, [meeting("a", time="12:15")])
    result = runner.invoke(args=["sources", "sync", "Dayton AA"])
    assert result.exit_code == 0, result.output
    assert "Dayton AA: 0 new, 1 changed, 1 gone, 0 refused" in result.output
    result = runner.invoke(args=["sources", "sync", "--all"])
    assert "Dayton AA: 0 new, 0 changed, 0 gone, 0 refused" in result.output
    result = runner.invoke(args=["sources", "sync"])  # cron: only sources that are due
    assert result.output.strip() == "No source is due."
    result = runner.invoke(args=["sources", "list"])
    assert "Dayton AA\tmeeting-guide\t" + url in result.output


def test_unreadable_source_exits_non_zero(geo, feeds, runner):
    feeds.routes["/feed.json"] = (200, "text/html", b"<html><body>Maintenance</body></html>")
    result = runner.invoke(args=["import", feeds.url("/feed.json"), "--format", "meeting-guide"])
    assert result.exit_code == 1
    assert "web page (HTML)" in result.output
    registry.add_source(None, name="Broken", url=feeds.url("/feed.json"), format_="meeting-guide")
    result = runner.invoke(args=["sources", "sync", "--all"])
    assert result.exit_code == 1
    assert "Broken: could not be read: The feed is a web page" in result.output
    assert "1 of 1 sources could not be read: Broken" in result.output
    result = runner.invoke(args=["sources", "sync", "Nobody"])
    assert result.exit_code == 1 and "no source named 'Nobody'" in result.output
    result = runner.invoke(args=["import", "/no/such/file.json", "--format", "meeting-guide"])
    assert result.exit_code == 1 and "neither an http(s) address nor a file" in result.output
    assert listings() == 0


def test_import_a_file_and_a_folder(geo, runner, tmp_path):
    feed = tmp_path / "men.json"
    feed.write_text(json.dumps([meeting("a")]))
    result = runner.invoke(args=["import", str(feed), "--format", "meeting-guide"])
    assert result.exit_code == 0, result.output
    assert "men: 1 new, 0 changed, 0 gone, 0 refused" in result.output
    assert db.session.scalars(select(Listing)).one().status == "pending"  # the review queue by default


def test_a_progress_bar_on_a_terminal_only(geo, feeds, runner, monkeypatch):
    from directory.interop.sources import cli

    url = put(feeds, [meeting("a"), meeting("b", group="Second", group_id=2, address="1 Elm St")])
    command = ["import", url, "--format", "meeting-guide", "--dry-run"]
    assert "Reading" not in runner.invoke(args=command).output
    monkeypatch.setattr(cli, "on_terminal", lambda: True)
    output = runner.invoke(args=command).output
    assert "Reading 127.0.0.1:" in output and output.rstrip().endswith("2 new, 0 changed, 0 gone, 0 refused")
