"""Form validators every feature shares."""

from __future__ import annotations

import re
from typing import Any

from wtforms.validators import Length, ValidationError


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
CONTROL_MESSAGE = "This contains characters that can't be shown. Please retype it."


class PlainText:
    """Refuses control characters (tabs and line breaks are fine): PostgreSQL cannot store a NUL at all,
    and the others break mail headers, feeds and terminals."""

    def __init__(self, message: str = CONTROL_MESSAGE) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str) and _CONTROL.search(field.data):
            raise ValidationError(self.message)
