"""The owner's listing form: one page, sections in the order people think about a group or a mentor.

Fields check format only (lengths, URL schemes, ranges), so a half-done draft can be saved; what is
needed to publish is `services.missing_for_review`, applied by `ListingForm.require_complete()` when
the owner sends the listing for review.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Optional, StopValidation, ValidationError

from ..extensions import db
from ..geo.services import locate
from ..listings import services
from ..listings.models import (
    FORMAT_HYBRID,
    FORMAT_IN_PERSON,
    FORMAT_ONLINE,
    KIND_GROUP,
    KIND_MENTOR,
    RECURRENCE_BIWEEKLY,
    RECURRENCE_MONTHLY,
    RECURRENCE_WEEKLY,
    Audience,
    Topic,
)
from ..validators import SingleLine

# ISO 639-1 codes with their names in English, the most common in the areas served first.
LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("pt", "Portuguese"),
    ("de", "German"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("ru", "Russian"),
    ("uk", "Ukrainian"),
    ("ro", "Romanian"),
    ("el", "Greek"),
    ("tr", "Turkish"),
    ("ar", "Arabic"),
    ("fa", "Persian (Farsi)"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("ur", "Urdu"),
    ("pa", "Punjabi"),
    ("bn", "Bengali"),
    ("ta", "Tamil"),
    ("gu", "Gujarati"),
    ("zh", "Chinese"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("vi", "Vietnamese"),
    ("tl", "Tagalog (Filipino)"),
    ("th", "Thai"),
    ("so", "Somali"),
    ("am", "Amharic"),
    ("sw", "Swahili"),
    ("ht", "Haitian Creole"),
    ("ga", "Irish"),
    ("cy", "Welsh"),
    ("gd", "Scottish Gaelic"),
    ("mi", "Māori"),
)
LANGUAGE_NAMES = dict(LANGUAGES)

# Zones most owners need, by the areas the gazetteer covers; every other IANA zone follows.
COMMON_TIME_ZONES: tuple[tuple[str, str], ...] = (
    ("America/New_York", "US Eastern (New York)"),
    ("America/Chicago", "US Central (Chicago)"),
    ("America/Denver", "US Mountain (Denver)"),
    ("America/Phoenix", "US Arizona (Phoenix)"),
    ("America/Los_Angeles", "US Pacific (Los Angeles)"),
    ("America/Anchorage", "US Alaska (Anchorage)"),
    ("Pacific/Honolulu", "US Hawaii (Honolulu)"),
    ("America/Halifax", "Canada Atlantic (Halifax)"),
    ("America/St_Johns", "Canada Newfoundland (St. John's)"),
    ("America/Toronto", "Canada Eastern (Toronto)"),
    ("America/Winnipeg", "Canada Central (Winnipeg)"),
    ("America/Edmonton", "Canada Mountain (Edmonton)"),
    ("America/Vancouver", "Canada Pacific (Vancouver)"),
    ("Europe/London", "United Kingdom (London)"),
    ("Europe/Dublin", "Ireland (Dublin)"),
    ("Australia/Sydney", "Australia Eastern (Sydney, Melbourne)"),
    ("Australia/Brisbane", "Australia Queensland (Brisbane)"),
    ("Australia/Adelaide", "Australia Central (Adelaide)"),
    ("Australia/Perth", "Australia Western (Perth)"),
    ("Pacific/Auckland", "New Zealand (Auckland)"),
)
ZONE_AREAS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian",
              "Pacific")

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_CHOICES = [("", "Choose a day")] + [(str(number), name) for number, name in enumerate(DAY_NAMES)]
RECURRENCE_CHOICES = [
    (RECURRENCE_WEEKLY, "Every week"),
    (RECURRENCE_BIWEEKLY, "Every other week"),
    (RECURRENCE_MONTHLY, "Once a month"),
]
WEEK_OF_MONTH_CHOICES = [("", "Choose (monthly only)"), ("1", "First"), ("2", "Second"), ("3", "Third"),
                         ("4", "Fourth"), ("-1", "Last")]
WEEKDAY_VALUES = frozenset(value for value, _ in WEEKDAY_CHOICES if value)
WEEK_OF_MONTH_VALUES = frozenset(value for value, _ in WEEK_OF_MONTH_CHOICES if value)
FORMAT_CHOICES = [
    (FORMAT_IN_PERSON, "In person"),
    (FORMAT_ONLINE, "Online"),
    (FORMAT_HYBRID, "Both: in person and online"),
]
COST_CHOICES = [("free", "Free"), ("donation", "Donation, pay what you can"), ("paid", "Paid")]

DESCRIPTION_MAX = 5000
EXPERIENCE_MAX = 3000
MIN_DURATION, MAX_DURATION = 15, 600
_PHONE = re.compile(r"^\+?[0-9 ()./-]+(?:\s*(?:ext\.?|x)\s*[0-9]{1,6})?$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p", "%H.%M")


def options(pairs, group: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices, optionally inside one <optgroup>."""
    return [SelectChoice(value, label, optgroup=group) for value, label in pairs]


@cache
def time_zone_pairs() -> tuple[tuple[str, str], ...]:
    """Every IANA zone a person might live in (no 'Etc/GMT+5' or 'US/Eastern' aliases), by name."""
    common = {zone for zone, _ in COMMON_TIME_ZONES}
    return tuple(
        (zone, zone.replace("_", " "))
        for zone in sorted(available_timezones())
        if "/" in zone and zone.split("/", 1)[0] in ZONE_AREAS and zone not in common
    )


@cache
def _zone_names() -> frozenset[str]:
    """Every IANA zone name, read once: available_timezones() walks the tz database on each call."""
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    if not name or len(name) > 64 or name not in _zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ValueError, OSError):
        return False
    return True


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
            raise ValidationError(
                f"Please shorten this to {self.limit:,} characters or fewer (it has {len(value):,})."
            )


def plain_text(form, field) -> None:
    """Control characters have no place in a listing and break e-mail headers and feeds."""
    if isinstance(field.data, str) and _CONTROL.search(field.data):
        raise ValidationError("This contains characters that can't be shown. Please retype it.")


single_line = SingleLine()


def web_address(form, field) -> None:
    """Only http(s) links with a host: `javascript:` and `data:` would run in a visitor's browser."""
    value = (field.data or "").strip()
    field.data = value
    if not value:
        return
    if any(char.isspace() for char in value) or _CONTROL.search(value):
        raise ValidationError("A web address can't contain spaces.")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a malformed port
    except ValueError as error:
        raise ValidationError("That doesn't look like a web address.") from error
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError("Enter the full address, starting with https:// (or http://).")
    host = parts.hostname or ""
    if not host or ("." not in host and host != "localhost") or host.startswith(".") or port == 0:
        raise ValidationError("Enter the full address, starting with https:// (or http://).")


def phone_number(form, field) -> None:
    value = (field.data or "").strip()
    field.data = value
    if not value:
        return
    if not _PHONE.match(value) or sum(char.isdigit() for char in value) < 5:
        raise ValidationError("Use digits, spaces and + ( ) - only, for example +1 937 555 0100.")


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
        raise ValueError("Enter a time like 19:00 or 7:30 pm.")


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
            raise ValueError("Enter a date like 2025-03-04.") from error


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
            raise ValueError("Enter a whole number of minutes, like 90.")
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
            raise ValueError("Enter a number like 39.7589.")
        try:
            number = float(text.replace(",", "."))
        except ValueError as error:
            raise ValueError("Enter a number like 39.7589.") from error
        if not (-self.limit <= number <= self.limit) or number != number:
            raise ValueError(f"Enter a number between -{self.limit:g} and {self.limit:g}.")
        self.data = round(number, 6)


class ChoicesField(SelectMultipleField):
    """Several choices, shown as checkboxes by the form macro; a missing choice is a clear message."""

    def pre_validate(self, form) -> None:
        valid = {str(choice.value) for choice in self.choices or []}
        if any(value not in valid for value in self.data or []):
            raise ValidationError("One of those choices is not on the list. Please choose again.")


# --------------------------------------------------------------------------------------------- forms


class MeetingForm(Form):
    """One row of 'When': blank rows and rows marked for removal are ignored."""

    weekday = SelectField("Day", choices=options(WEEKDAY_CHOICES), validate_choice=False)
    start_time = ClockField("Starts at")
    duration_minutes = WholeNumberField("Length in minutes", default=90)
    recurrence = SelectField("How often", choices=options(RECURRENCE_CHOICES), default=RECURRENCE_WEEKLY,
                             validate_choice=False)
    week_of_month = SelectField("Which week of the month", choices=options(WEEK_OF_MONTH_CHOICES),
                                validate_choice=False)
    anchor_date = DayField("One date it meets (every other week)")
    notes = StringField("Note (optional)", validators=[MaxLength(200), single_line],
                        description="For example “first-timers arrive 15 minutes early”.")
    remove = BooleanField("Remove this meeting")

    @property
    def is_blank(self) -> bool:
        typed_time = (self.start_time.raw_data or [""])[0].strip()
        return not (self.weekday.data or typed_time or self.start_time.data)

    @property
    def is_ignored(self) -> bool:
        return bool(self.remove.data) or self.is_blank

    def validate(self, extra_validators=None) -> bool:
        if self.is_ignored:
            return True
        valid = super().validate(extra_validators)
        if self.weekday.data not in {value for value, _ in WEEKDAY_CHOICES if value}:
            self.weekday.errors.append("Choose the day of the week.")
            valid = False
        if self.start_time.data is None and not self.start_time.errors:
            self.start_time.errors.append("Enter the time it starts, like 19:00.")
            valid = False
        duration = self.duration_minutes.data
        if not self.duration_minutes.errors:
            if duration is None:
                self.duration_minutes.errors.append("Enter how long it lasts, in minutes.")
                valid = False
            elif not MIN_DURATION <= duration <= MAX_DURATION:
                self.duration_minutes.errors.append(
                    f"Enter a length between {MIN_DURATION} and {MAX_DURATION} minutes."
                )
                valid = False
        recurrence = self.recurrence.data
        if recurrence not in {value for value, _ in RECURRENCE_CHOICES}:
            self.recurrence.errors.append("Choose how often it meets.")
            valid = False
        elif recurrence == RECURRENCE_MONTHLY and self.week_of_month.data not in {"1", "2", "3", "4", "-1"}:
            self.week_of_month.errors.append("Choose which week of the month (first, second... or last).")
            valid = False
        elif recurrence == RECURRENCE_BIWEEKLY and not self.anchor_date.errors:
            if self.anchor_date.data is None:
                self.anchor_date.errors.append("Give one date it meets, so people know which weeks.")
                valid = False
            elif self.weekday.data and str(self.anchor_date.data.weekday()) != self.weekday.data:
                day = dict(WEEKDAY_CHOICES)[self.weekday.data]
                self.anchor_date.errors.append(f"That date is not a {day}. Choose a {day} it meets on.")
                valid = False
        return valid

    def to_data(self) -> dict[str, Any]:
        """Snapshot shape (see services.snapshot): times as 'HH:MM', dates as ISO strings.

        Values that did not validate come out as None; only a valid row is ever saved.
        """
        recurrence = self.recurrence.data
        weekday, week = self.weekday.data or "", self.week_of_month.data or ""
        start, anchor = self.start_time.data, self.anchor_date.data
        return {
            # Only values from the lists: "²".isdigit() is True, yet int("²") raises.
            "weekday": int(weekday) if weekday in WEEKDAY_VALUES else None,
            "start_time": start.strftime("%H:%M") if isinstance(start, time) else None,
            "duration_minutes": self.duration_minutes.data,
            "recurrence": recurrence,
            "week_of_month": (int(week) if recurrence == RECURRENCE_MONTHLY and week in WEEK_OF_MONTH_VALUES
                              else None),
            "anchor_date": anchor.isoformat() if recurrence == RECURRENCE_BIWEEKLY and anchor else None,
            "notes": (self.notes.data or "").strip(),
        }


class ListingForm(FlaskForm):
    """Every field an owner fills in, for groups and mentors alike (the template shows the right ones)."""

    # About
    # DataRequired, not InputRequired: a name of spaces only is no name (and the services refuse it).
    name = StringField("Name", validators=[DataRequired("Enter a name, even for a draft."), MaxLength(120),
                                           single_line])
    summary = TextAreaField("Short summary", validators=[MaxLength(300), plain_text],
                            description="One or two sentences, shown in search results "
                                        "(up to 300 characters).")
    description = TextAreaField("Description", validators=[MaxLength(DESCRIPTION_MAX), plain_text],
                                description="What happens, what to expect the first time, anything people "
                                            "should know before they come.")
    # Mentors
    experience = TextAreaField("Your experience", validators=[MaxLength(EXPERIENCE_MAX), plain_text],
                               description="What you have been through or trained in that helps you "
                                           "help others.")
    meets_in_person = BooleanField("In person")
    meets_phone = BooleanField("By phone")
    meets_video = BooleanField("By video call")
    accepting_mentees = BooleanField("I'm taking on new mentees", default=True)
    availability = StringField("When you are available", validators=[MaxLength(200), single_line],
                               description="For example “weekday evenings and Saturday mornings”.")

    # Who it is for and topics
    topics = ChoicesField("Topics")
    audiences = ChoicesField("Who it is for", description="Leave all unticked if everyone is welcome.")
    format = RadioField("How people take part", choices=options(FORMAT_CHOICES), default=FORMAT_IN_PERSON,
                        validate_choice=False)
    cost = RadioField("Cost", choices=options(COST_CHOICES), default="free", validate_choice=False)
    cost_details = StringField("Cost details", validators=[MaxLength(200), single_line],
                               description="For example “$10 a session, nobody turned away”.")
    languages = ChoicesField("Languages", choices=options(LANGUAGES), default=["en"])

    # Where
    address_line = StringField("Street address", validators=[MaxLength(200), single_line],
                               description="Optional. Only shown if you tick “show the exact address” below.")
    location = StringField("Town, city or ZIP/postcode", validators=[MaxLength(100), single_line],
                           description="For example 45402, Dayton, OH or Leeds.")
    location_exact = BooleanField("Show the exact address publicly",
                                  description="Otherwise people see only the area, and you can tell them the "
                                              "address when they get in touch.")
    latitude = CoordinateField("Latitude", 90)
    longitude = CoordinateField("Longitude", 180)
    time_zone = SelectField("Time zone", validate_choice=False,
                            description="Meeting times are in this zone. For in-person listings it is set "
                                        "from the place; change it only if that is wrong.")
    geocoded_for = HiddenField()
    geocoded_time_zone = HiddenField()

    # When (groups)
    meetings = FieldList(FormField(MeetingForm), label="Meetings")

    # How to get in touch
    website = StringField("Website", validators=[MaxLength(500), single_line, web_address],
                          description="Starts with https://")
    phone = StringField("Phone", validators=[MaxLength(40), single_line, phone_number])
    phone_public = BooleanField("Show my phone number publicly")
    contact_email = StringField(
        "Contact e-mail",
        validators=[Optional(), MaxLength(254), single_line,
                    Email("Enter an e-mail address like name@example.org.")],
        description="Messages from people reach you here. Never shown publicly.",
    )
    contact_enabled = BooleanField("Let people send me a message through the site", default=True)
    online_url = StringField("Online join link", validators=[MaxLength(500), single_line, web_address],
                             description="The Zoom, Meet or Teams link. Starts with https://")
    online_url_private = BooleanField("Keep the join link private",
                                      description="It is not shown; we send it in the automatic reply to "
                                                  "people who get in touch.")

    save_draft = SubmitField("Save draft")
    submit_review = SubmitField("Submit for review")

    def __init__(self, *args, kind: str = KIND_GROUP, stored: dict[str, Any] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        # What is saved now (snapshot shape; empty for a new listing): an unchanged place needs no lookup.
        self.stored = stored or {}
        self.place: dict[str, Any] | None = None  # the place this submission resolved to
        self.alternatives: list[str] = []  # other places the text could mean
        self.is_submitted_form = kwargs.get("formdata", True) is not None and self.is_submitted()
        self.topics.choices = options((topic.slug, topic.name) for topic in db.session.scalars(
            select(Topic).order_by(Topic.position, Topic.name)))
        self.audiences.choices = options((audience.slug, audience.name) for audience in db.session.scalars(
            select(Audience).order_by(Audience.position, Audience.name)))
        zones = list(time_zone_pairs())
        current = self.time_zone.data
        if current and current not in {zone for zone, _ in (*COMMON_TIME_ZONES, *zones)}:
            zones.insert(0, (current, current))
        self.time_zone.choices = [
            SelectChoice("", "Choose a time zone"),
            *options(COMMON_TIME_ZONES, "Common time zones"),
            *options(zones, "All time zones"),
        ]
        if kind != KIND_GROUP:
            del self.meetings

    # --- building -----------------------------------------------------------------------------------

    @classmethod
    def from_data(cls, kind: str, data: dict[str, Any], *, blank_meetings: int = 2) -> ListingForm:
        """A form showing stored (snapshot-shaped) data, for GET."""
        values = dict(data)
        values["location"] = services.place_text(data)
        values["geocoded_for"] = values["location"]
        values["geocoded_time_zone"] = data.get("time_zone") or ""
        values["location_exact"] = data.get("location_precision") == "exact"
        values["meetings"] = [_meeting_values(item) for item in data.get("meetings") or []]
        form = cls(formdata=None, data=values, kind=kind, stored=data)
        form.add_blank_meetings(blank_meetings)
        return form

    def add_blank_meetings(self, count: int = 2) -> None:
        """Empty rows to fill in without JavaScript (the script adds more on demand)."""
        if self.kind != KIND_GROUP:
            return
        blank = sum(1 for entry in self.meetings if entry.form.is_blank)
        for _ in range(max(0, count - blank)):
            self.meetings.append_entry()

    # --- validation ---------------------------------------------------------------------------------

    @property
    def wants_review(self) -> bool:
        return bool(self.submit_review.data)

    def validate_time_zone(self, field) -> None:
        if field.data and not is_time_zone(field.data):
            raise ValidationError("Choose a time zone from the list.")

    def validate_location(self, field) -> None:
        """Find the place: the stored one if the text is unchanged, else the gazetteer's answer."""
        text = (field.data or "").strip()
        field.data = text
        self.place = None
        if self.format.data == FORMAT_ONLINE or not text or field.errors:
            return
        stored = self.stored
        if text == services.place_text(stored) and stored.get("latitude") is not None:
            self.place = {key: stored.get(key) for key in services.PLACE_FIELDS}
            return
        result = locate(text)
        if result.location is None:
            ideas = [place.label for place in result.suggestions[:5]]
            hint = (f" Did you mean {_or_list(ideas)}?" if ideas
                    else " Try a ZIP/postcode, or the town and state.")
            raise StopValidation(f"We couldn't find “{text}”.{hint}")
        self.place = services.place_fields(result.location)
        self.alternatives = [place.label for place in result.alternatives[:5]]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.format.data not in {value for value, _ in FORMAT_CHOICES}:
            self.format.errors.append("Choose in person, online or both.")
            valid = False
        if self.cost.data not in {value for value, _ in COST_CHOICES}:
            self.cost.errors.append("Choose free, donation or paid.")
            valid = False
        self._settle_place()
        return valid

    def _settle_place(self) -> None:
        """Fill the point and time zone from the place, unless the owner adjusted them by hand.

        A new place text moves the point; the same text keeps a point the owner corrected. The time
        zone follows the place unless the owner picked a different one than the place gave last time.
        """
        if self.place is None or self.latitude.errors or self.longitude.errors:
            return
        text = self.location.data
        moved = text != (self.geocoded_for.data or "").strip()
        if moved or self.latitude.data is None or self.longitude.data is None:
            self.latitude.set(self.place["latitude"])
            self.longitude.set(self.place["longitude"])
        chosen = self.time_zone.data or ""
        if not chosen or (moved and chosen == (self.geocoded_time_zone.data or "")):
            self.time_zone.data = self.place["time_zone"]
        self.geocoded_for.data = text
        self.geocoded_time_zone.data = self.place["time_zone"]

    def check(self, complete: bool) -> bool:
        """Validate; with `complete`, also ask for everything review needs. All errors show at once."""
        valid = self.validate()
        if complete:
            valid = self.require_complete() and valid
        return valid

    def require_complete(self) -> bool:
        """Add an error next to each field still needed before review; True when none is missing."""
        problems = services.missing_for_review(self.kind, self.to_data())
        targets = {"meets": self.meets_in_person}
        for name, message in problems.items():
            # Not `or`: an empty FieldList is falsy.
            field = targets[name] if name in targets else getattr(self, name, None)
            if field is None:
                field = self.name
            if not field.errors:
                if not isinstance(field.errors, list):
                    field.errors = list(field.errors)
                field.errors.append(message)
        return not problems

    # --- output -------------------------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        """The listing as the owner filled it in, in snapshot shape, ready for the services."""
        data: dict[str, Any] = {
            "name": _text(self.name.data),
            "summary": _text(self.summary.data),
            "description": _text(self.description.data),
            "format": self.format.data,
            "cost": self.cost.data,
            "cost_details": _text(self.cost_details.data) if self.cost.data != "free" else "",
            "website": _text(self.website.data),
            "phone": _text(self.phone.data),
            "phone_public": bool(self.phone_public.data and _text(self.phone.data)),
            "contact_email": _text(self.contact_email.data).lower(),
            "contact_enabled": bool(self.contact_enabled.data),
            "online_url": _text(self.online_url.data),
            "online_url_private": bool(self.online_url_private.data),
            "time_zone": self.time_zone.data or "",
            "topics": sorted(self.topics.data or []),
            "audiences": sorted(self.audiences.data or []),
            "languages": sorted(self.languages.data or []),
        }
        data.update(self._place_data())
        if self.kind == KIND_MENTOR:
            data.update(
                experience=_text(self.experience.data),
                meets_in_person=bool(self.meets_in_person.data),
                meets_phone=bool(self.meets_phone.data),
                meets_video=bool(self.meets_video.data),
                accepting_mentees=bool(self.accepting_mentees.data),
                availability=_text(self.availability.data),
            )
        else:
            data["meetings"] = [entry.form.to_data() for entry in self.meetings if not entry.form.is_ignored]
        return data

    def _place_data(self) -> dict[str, Any]:
        """Where: the looked-up place with the owner's point and zone; nothing for online-only listings."""
        if self.format.data == FORMAT_ONLINE or self.place is None:
            data = {key: None if key in ("latitude", "longitude") else "" for key in services.PLACE_FIELDS}
            data.update(
                country=self.stored.get("country") or "",
                address_line="" if self.format.data == FORMAT_ONLINE else _text(self.address_line.data),
                location_precision="approximate",
                time_zone=self.time_zone.data or "",
            )
            return data
        return {
            **self.place,
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "time_zone": self.time_zone.data or self.place["time_zone"],
            "address_line": _text(self.address_line.data),
            "location_precision": "exact" if self.location_exact.data else "approximate",
        }

    def preview_place(self) -> str:
        """'near Dayton, OH' (or the exact address): what the public would see if this were saved."""
        if not self.is_submitted_form:
            return services.public_place(self.stored)
        if self.place is None:
            return ""
        return services.public_place({**self._place_data(), "format": self.format.data})


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) else ""


def _or_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _meeting_values(item: dict[str, Any]) -> dict[str, Any]:
    """A snapshot meeting as form data."""
    start = item.get("start_time")
    anchor = item.get("anchor_date")
    week = item.get("week_of_month")
    return {
        "weekday": "" if item.get("weekday") is None else str(item["weekday"]),
        "start_time": time.fromisoformat(start) if isinstance(start, str) else start,
        "duration_minutes": item.get("duration_minutes"),
        "recurrence": item.get("recurrence") or RECURRENCE_WEEKLY,
        "week_of_month": "" if week is None else str(week),
        "anchor_date": date.fromisoformat(anchor) if isinstance(anchor, str) else anchor,
        "notes": item.get("notes") or "",
    }
