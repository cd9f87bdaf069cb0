"""Form validators every feature shares, and the characters they refuse."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from wtforms.validators import Length, ValidationError

from .i18n import lazy_gettext


class MaxLength(Length):
    """WTForms' Length(max=...), without the `maxlength` attribute it puts on the input.

    A browser cuts a pasted text at `maxlength` without a word, so the form never gets to say it was
    too long: over-long input must reach the server and come back with a message next to the field.
    """

    def __init__(self, max: int, message: str | None = None) -> None:
        super().__init__(max=max, message=message)
        self.field_flags: dict[str, Any] = {}


# C0 controls except tab, line feed and carriage return, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = lazy_gettext("This contains characters that can't be shown. Please retype it.")
# Every C0 control and DEL: PostgreSQL refuses NUL in text, and none belongs in a search or a filter.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

# Bidirectional overrides and isolates can make a name display as something else in the organiser's
# mail program ("evil" shown as "live"); nobody needs them in a one-line value.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAK_MESSAGE = lazy_gettext("This must fit on one line: please take out the line break.")


def has_line_control(value: str) -> bool:
    """True if a one-line value holds a control character, a line/paragraph separator or a bidi override."""
    return any(
        unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in BIDI_CONTROLS for char in value
    )


class PlainText:
    """Refuses control characters (tabs and line breaks are fine): PostgreSQL cannot store a NUL at all,
    and the others break mail headers, feeds and terminals."""

    def __init__(self, message: Any = CONTROL_MESSAGE) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str) and _CONTROL.search(field.data):
            raise ValidationError(self.message)


class SingleLine:
    """For every one-line field: refuses line breaks of every kind (CR, LF, NEL, U+2028/2029), other
    control characters and bidi overrides. Browsers never put a line break in an <input>; a crafted
    POST does, and the value then goes into mail subjects and calendar files."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        value = field.data
        if not isinstance(value, str) or not has_line_control(value):
            return
        if self.message:
            raise ValidationError(self.message)
        if any(unicodedata.category(char) in ("Zl", "Zp") or char in "\r\n\x85" for char in value):
            raise ValidationError(LINE_BREAK_MESSAGE)
        raise ValidationError(CONTROL_MESSAGE)
