"""The listing form's own validators and fields: clear messages for times, dates, minutes, coordinates,
web addresses and phone numbers, and nothing cut short without a word."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from urllib.parse import urlsplit

from flask_babel import format_number
from wtforms import SelectMultipleField, StringField
from wtforms.validators import ValidationError

from ..i18n import gettext
from ..validators import CONTROL_CHARACTERS, PlainText, SingleLine

_PHONE = re.compile(r"^\+?[0-9 ()./-]+(?:\s*(?:ext\.?|x)\s*[0-9]{1,6})?$", re.IGNORECASE)
_TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p", "%H.%M")

# --------------------------------------------------------------------------------------------- validators


class MaxLength:
    """Refuse (never truncate) text over `limit` characters.

    No `maxlength` flag for the HTML, unlike WTForms' Length: browsers cut a paste there without a word.
    """

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field) -> None:
        value = field.data or ""
        if isinstance(value, str) and len(value) > self.limit:
            raise ValidationError(gettext(
                "Please shorten this to %(limit)s characters or fewer (it has %(length)s).",
                limit=format_number(self.limit), length=format_number(len(value))))



plain_text = PlainText()
single_line = SingleLine()


def web_address(form, field) -> None:
    """Only http(s) links with a host: `javascript:` and `data:` would run in a visitor's browser."""
    value = (field.data or "").strip()
    field.data = value
    if not value:
        return
    if any(char.isspace() for char in value) or CONTROL_CHARACTERS.search(value):
        raise ValidationError(gettext("A web address can't contain spaces."))
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a malformed port
    except ValueError as error:
        raise ValidationError(gettext("That doesn't look like a web address.")) from error
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError(gettext("Enter the full address, starting with https:// (or http://)."))
    host = parts.hostname or ""
    if not host or ("." not in host and host != "localhost") or host.startswith(".") or port == 0:
        raise ValidationError(gettext("Enter the full address, starting with https:// (or http://)."))


def phone_number(form, field) -> None:
    value = (field.data or "").strip()
    field.data = value
    if not value:
        return
    if not _PHONE.match(value) or sum(char.isdigit() for char in value) < 5:
        raise ValidationError(gettext("Use digits, spaces and + ( ) - only, for example +1 937 555 0100."))


# --------------------------------------------------------------------------------------------- fields


class ClockField(StringField):
    """A time of day: <input type=time> where browsers have it, and '19:00' or '7:30 pm' where not."""

    widget_type = "time"

    def __call__(self, **kwargs):
        kwargs.setdefault("type", "time")
        return super().__call__(**kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if isinstance(self.data, time) else ""

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        for pattern in _TIME_FORMATS:
            try:
                self.data = datetime.strptime(text.upper(), pattern).time().replace(second=0)
                return
            except ValueError:
                continue
        raise ValueError(gettext("Enter a time like 19:00 or 7:30 pm."))


class DayField(StringField):
    """A calendar date, <input type=date> (YYYY-MM-DD)."""

    def __call__(self, **kwargs):
        kwargs.setdefault("type", "date")
        return super().__call__(**kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        try:
            self.data = date.fromisoformat(text)
        except ValueError as error:
            raise ValueError(gettext("Enter a date like 2025-03-04.")) from error


class WholeNumberField(StringField):
    """An integer with a message people understand, rendered as type=number."""

    def __call__(self, **kwargs):
        kwargs.setdefault("type", "number")
        kwargs.setdefault("inputmode", "numeric")
        return super().__call__(**kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        if not re.fullmatch(r"[0-9]{1,5}", text):
            raise ValueError(gettext("Enter a whole number of minutes, like 90."))
        self.data = int(text)


class CoordinateField(StringField):
    """A latitude or longitude in decimal degrees, checked against its range."""

    def __init__(self, label: str, limit: float, **kwargs):
        super().__init__(label, **kwargs)
        self.limit = limit

    def __call__(self, **kwargs):
        kwargs.setdefault("inputmode", "decimal")
        return super().__call__(**kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:.6f}".rstrip("0").rstrip(".")

    def set(self, value: float | None) -> None:
        """Replace the value shown (after geocoding), dropping what was typed."""
        self.data = value
        self.raw_data = None

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        if len(text) > 20:
            raise ValueError(gettext("Enter a number like 39.7589."))
        try:
            number = float(text.replace(",", "."))
        except ValueError as error:
            raise ValueError(gettext("Enter a number like 39.7589.")) from error
        if not (-self.limit <= number <= self.limit) or number != number:
            raise ValueError(gettext("Enter a number between -%(limit)s and %(limit)s.",
                                     limit=f"{self.limit:g}"))
        self.data = round(number, 6)


class ChoicesField(SelectMultipleField):
    """Several choices, shown as checkboxes by the form macro; a missing choice is a clear message."""

    def pre_validate(self, form) -> None:
        valid = {str(choice.value) for choice in self.choices or []}
        if any(value not in valid for value in self.data or []):
            raise ValidationError(gettext("One of those choices is not on the list. Please choose again."))
