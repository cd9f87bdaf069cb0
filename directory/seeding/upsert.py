"""What every seed load shares: where the files are, its error, its tally, and updating a row in place."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEEDS_FOLDER = Path(__file__).resolve().parents[2] / "seeds"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class SeedError(Exception):
    """The seed files or the site are not fit for this load; the message says why."""


@dataclass
class Tally:
    """What one load did, per kind of row."""

    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def __str__(self) -> str:
        text = f"{self.label}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.skipped:
            text += f", {self.skipped} skipped"
        return text + "."


def slugify(text: str, max_length: int = 120) -> str:
    """Lower-case ASCII words joined by hyphens ('Men's Circle (中文)' -> 'mens-circle')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].rstrip("-")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SeedError(f"Seed file not found: {path.name}") from error
    except json.JSONDecodeError as error:
        raise SeedError(f"{path.name} is not valid JSON: {error}") from error


def assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set only the attributes that differ; True when anything did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed
