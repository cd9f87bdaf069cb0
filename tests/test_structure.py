"""How the code is laid out: features in layers, views and commands that hand queries and commits to
services, and one transaction that can hold several services."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory import PROJECT_ROOT
from directory.database import one_transaction
from directory.extensions import db
from directory.moderation import rules
from directory.moderation import services as moderation
from directory.moderation.models import ModerationEvent

PACKAGE = PROJECT_ROOT / "directory"
# Reading or writing the database by hand: what a view or a command leaves to a service.
DATABASE_WORK = re.compile(r"db\.session\.|\bselect\(|db\.paginate\(|\.commit\(\)|\.rollback\(\)")


LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """import-linter's contracts (pyproject.toml) over the `directory` package found in `root`."""
    return subprocess.run(  # noqa: S603 - our own tool on our own files
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True, text=True, timeout=300, check=False,
    )


def test_features_import_only_the_layers_below_them():
    result = lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_feature_importing_one_above_it_breaks_the_layers(tmp_path):
    """Hidden in a function or not: accounts, at the bottom, reaching up into moderation fails the check."""
    shutil.copytree(PACKAGE, tmp_path / "directory", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path)
    services = tmp_path / "directory" / "accounts" / "services.py"
    hidden_import = "    from ..moderation.models import ModerationEvent\n\n    return ModerationEvent\n"
    services.write_text(services.read_text() + "\n\ndef _audit_rows():\n" + hidden_import)
    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert "directory.accounts.services -> directory.moderation.models" in result.stdout


def edge_modules() -> list[Path]:
    """Views, forms and commands: the modules that answer requests, show their forms and run `flask`
    commands."""
    return sorted(path for path in PACKAGE.rglob("*.py")
                  if path.name in ("views.py", "forms.py", "cli.py") or path.name.endswith("_views.py"))


def test_views_forms_and_commands_leave_queries_and_commits_to_services():
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

    with pytest.raises(rules.ModerationError), one_transaction():
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


MAX_MODULE_LINES = 400


def test_no_module_in_the_package_is_over_the_house_limit():
    """A module past 400 lines does several jobs; split it along its seams (as moderation and search were)."""
    assert len(list(PACKAGE.rglob("*.py"))) > 100
    too_long = {
        str(path.relative_to(PACKAGE)): count
        for path in PACKAGE.rglob("*.py")
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}
