"""How the code is laid out: views and commands hand queries and commits to services, and one transaction
can hold several services."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory import PROJECT_ROOT
from directory.database import one_transaction
from directory.extensions import db
from directory.moderation import services as moderation
from directory.moderation.models import ModerationEvent

PACKAGE = PROJECT_ROOT / "directory"
# Reading or writing the database by hand: what a view or a command leaves to a service.
DATABASE_WORK = re.compile(r"db\.session\.|\bselect\(|db\.paginate\(|\.commit\(\)|\.rollback\(\)")


def edge_modules() -> list[Path]:
    """Views and commands: the modules that answer requests and run `flask` commands."""
    return sorted(path for path in PACKAGE.rglob("*.py") if path.name in ("views.py", "cli.py"))


def test_views_and_commands_leave_queries_and_commits_to_services():
    assert len(edge_modules()) >= 8
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in edge_modules()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if DATABASE_WORK.search(line)
    ]
    assert found == []


def test_one_transaction_saves_several_services_together_or_not_at_all(make_user, make_listing):
    owner = make_user("owner@example.org")
    first, second = make_listing(owner, name="First"), make_listing(owner, name="Second")
    db.session.commit()
    events = select(func.count()).select_from(ModerationEvent)

    with pytest.raises(moderation.ModerationError), one_transaction():
        moderation.withdraw(first, owner)
        moderation.withdraw(second, owner)
        moderation.withdraw(second, owner)  # already withdrawn: refused, so the block undoes all three
    db.session.expire_all()
    assert (first.status, second.status, db.session.scalar(events)) == ("published", "published", 0)

    with one_transaction():
        moderation.withdraw(first, owner)
        moderation.withdraw(second, owner)
    db.session.rollback()  # only what the block committed is left
    db.session.expire_all()
    assert (first.status, second.status, db.session.scalar(events)) == ("withdrawn", "withdrawn", 2)
