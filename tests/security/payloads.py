"""The bad-input corpora as these tests use them, and the tally of how many strings met which surface.

Everything is read lazily, inside tests: a missing corpus folder skips (or fails in CI) the test that
needs it, never the collection of the whole folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from tests.support import blns, corpus_lines, corpus_path

PAYLOADS = "payloadsallthethings"


def unique(strings: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(strings))


def _folder_lines(folder: str, pattern: str = "*.txt") -> list[str]:
    files = sorted(corpus_path(PAYLOADS, folder).glob(pattern))
    assert files, f"no {pattern} files in {folder}"
    return [line for path in files for line in corpus_lines(PAYLOADS, folder, path.name)]


@cache
def naughty_strings() -> tuple[str, ...]:
    """BLNS (JSON) in full, as a tuple so the cache cannot be changed by a caller."""
    return tuple(blns())


@cache
def xss() -> tuple[str, ...]:
    return tuple(_folder_lines("xss_injection"))


@cache
def bad_text() -> tuple[str, ...]:
    """Every BLNS string and every XSS payload, each once: what every text field meets."""
    return tuple(unique([*naughty_strings(), *xss()]))


@cache
def sql_injection() -> tuple[str, ...]:
    return tuple(unique(_folder_lines("sql_injection")))


@cache
def auth_bypass() -> tuple[str, ...]:
    return tuple(unique(corpus_lines(PAYLOADS, "sql_injection", "Auth_Bypass.txt")))


@cache
def template_injection() -> tuple[str, ...]:
    return tuple(unique(corpus_lines(PAYLOADS, "server_side_template_injection", "ssti.fuzz")))


@cache
def open_redirects() -> tuple[str, ...]:
    return tuple(unique(corpus_lines(PAYLOADS, "open_redirect", "Open-Redirect-payloads.txt")))


def corpus_sizes() -> dict[str, int]:
    """Entries per corpus as shipped (duplicates included) and the unique text strings tried per field."""
    return {
        "blns.json": len(naughty_strings()),
        "xss_injection/*.txt": len(xss()),
        "unique text strings (blns + xss)": len(bad_text()),
        "sql_injection/*.txt (unique)": len(sql_injection()),
        "Auth_Bypass.txt (unique)": len(auth_bypass()),
        "ssti.fuzz (unique)": len(template_injection()),
        "Open-Redirect-payloads.txt (unique)": len(open_redirects()),
    }


def tally(surface: str, record_property, **figures: int) -> None:
    """Note what one surface met: printed now (-s), and kept with the test's report, for the junit XML and
    the summary at the end (security/conftest.py), from whichever process ran the test."""
    print(f"\n[bad input] {surface}: " + ", ".join(f"{key}={value}" for key, value in figures.items()))
    for key, value in figures.items():
        record_property(f"{surface}: {key}", value)
