"""URLs shared by every feature: the site's absolute links, where a visitor may be sent after a form,
which links a listing may show."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flask import abort, current_app, request, url_for
from werkzeug.routing import IntegerConverter, MapAdapter

MAX_NEXT_LENGTH = 2000
# The largest id a row can have: INTEGER columns are 32 bits in PostgreSQL (SQLite's take 64).
MAX_ROW_ID = 2**31 - 1
# Decoding more layers than this is an attack, not a link the site made.
MAX_UNQUOTE_ROUNDS = 4
_ADAPTER = "site_url_adapter"
_SLUG_PATTERNS = "slug_url_patterns"
# Built into a link unchanged (letters and dashes), then cut out of it.
_STAND_IN = "slug-stand-in"
# What the URL map's default converter leaves unquoted in a path segment.
_SEGMENT_SAFE = "!$&'()*+,/:;=@"


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of a page of this site, always on SITE_URL.

    Never from the request: its Host header is whatever the client sent, and a reset link built from
    it would carry the token to the client's host. The same with or without a request (commands).
    """
    current_app.inject_url_defaults(endpoint, values)
    return _site_adapter().build(endpoint, values, force_external=True)


def _site_adapter() -> MapAdapter:
    """The URL map bound to SITE_URL, kept per app and SITE_URL: an API page builds some thirty links, and
    binding the map each time cost more than building the link (building changes nothing in the adapter)."""
    site = current_app.config["SITE_URL"]
    kept: tuple[str, MapAdapter] | None = current_app.extensions.get(_ADAPTER)
    if kept is None or kept[0] != site:
        parts = urlsplit(site)
        kept = (site, current_app.url_map.bind(parts.netloc, script_name=parts.path.rstrip("/") or "/",
                                                url_scheme=parts.scheme))
        current_app.extensions[_ADAPTER] = kept
    return kept[1]


def slug_url(endpoint: str, slug: str, *, external: bool = False) -> str:
    """`url_for(endpoint, slug=slug)` (`external`: `external_url`'s), for an endpoint whose only rule
    argument is `slug`. Built from the endpoint's address with a stand-in slug, kept per app and root:
    a page of results links each listing two or three times, and building each link through the URL
    map cost more than the rest of its card's data."""
    root = current_app.config["SITE_URL"] if external else request.script_root
    patterns: dict[tuple[str, bool, str], tuple[str, str]] = current_app.extensions.setdefault(
        _SLUG_PATTERNS, {})
    pattern = patterns.get((endpoint, external, root))
    if pattern is None:
        built = external_url(endpoint, slug=_STAND_IN) if external else url_for(endpoint, slug=_STAND_IN)
        before, found, after = built.partition(_STAND_IN)
        if not found or _STAND_IN in after:
            raise ValueError(f"{endpoint} does not put its slug in its address once: {built}")
        pattern = patterns[(endpoint, external, root)] = (before, after)
    return f"{pattern[0]}{quote(slug, safe=_SEGMENT_SAFE)}{pattern[1]}"


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s) with a host, else None: a listing's links must never run script."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def _forms(target: str) -> list[str]:
    """The target and each percent-decoded layer of it, until decoding changes nothing."""
    forms = [target]
    for _ in range(MAX_UNQUOTE_ROUNDS):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            return forms
        forms.append(decoded)
    return []  # still changing: refuse


def _is_local_path(value: str, *, raw: bool) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    # Browsers read a backslash as a slash ("/\\evil.example") and drop tabs and newlines ("/\t/evil").
    # A decoded space inside a query ("q=new%20york") is harmless; in the raw value it is not a URL.
    lowest = 33 if raw else 32
    if "\\" in value or any(ord(char) < lowest or ord(char) == 127 for char in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site ("/account", "/search?q=x"), else None.

    Only a single leading slash is accepted: no scheme, no host, no "//", no backslash, no control
    characters or spaces, in the raw value or in any percent-decoded layer of it. Non-ASCII is refused
    too: every link this site makes is percent-encoded.
    """
    if not target or not isinstance(target, str) or len(target) > MAX_NEXT_LENGTH:
        return None
    if not target.isascii():
        return None
    forms = _forms(target)
    if not forms or not all(_is_local_path(form, raw=index == 0) for index, form in enumerate(forms)):
        return None
    return target


def row_id(text: str | None) -> int | None:
    """`text` as a row id (ASCII digits, 1 to MAX_ROW_ID), else None.

    `str.isdigit()` alone is not enough: "²" passes it and `int()` then raises, and a 30-digit number
    overflows the database's integer (SQLite raises OverflowError before it even sends the query).
    """
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ROW_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ROW_ID else None


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: an id no row can have is a 404, never a database overflow (a 500)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ROW_ID if max is None else max,
                         signed=signed)


def refuse_nul_in_path(endpoint: str | None, values: dict | None) -> None:
    """No page of the site has a NUL in its address, and PostgreSQL refuses one in a lookup: 404."""
    if values and any(isinstance(value, str) and "\x00" in value for value in values.values()):
        abort(404)
