"""The gettext catalogues, for the tests: compiled when stale (`make test` compiles them too; a plain
`pytest` on a fresh clone must not serve English where a test expects Spanish), read for the checks."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from .support import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "directory" / "translations"


def catalogue_paths() -> list[Path]:
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=path.parent.parent.name)


def compile_stale_catalogues() -> None:
    """Each .mo older than its .po is written again, atomically (test processes may race for it)."""
    for po in catalogue_paths():
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalogue = read_catalogue(po)
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalogue)
        os.replace(temporary, mo)
