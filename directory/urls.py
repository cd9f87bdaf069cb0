"""URL checks shared by every feature: where the site may send a visitor after a form."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

MAX_NEXT_LENGTH = 2000
# Decoding more layers than this is an attack, not a link the site made.
MAX_UNQUOTE_ROUNDS = 4


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
