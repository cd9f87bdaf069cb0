"""The owner's listing form: one page, sections in the order people think about a group or a mentor.

Fields check format only (lengths, URL schemes, ranges), so a half-done draft can be saved; what is
needed to publish is `services.missing_for_review`, applied by `ListingForm.require_complete()` when
the owner sends the listing for review.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Optional, StopValidation, ValidationError

from ..geo.names import place_label
from ..geo.services import locate
from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..listings import services
from ..listings.models import FORMAT_IN_PERSON, FORMAT_ONLINE, KIND_GROUP, KIND_MENTOR, Audience, Topic
from ..listings.vocabularies import vocabulary_pairs
from .choices import (
    COMMON_TIME_ZONES,
    COST_CHOICES,
    FORMAT_CHOICES,
    LANGUAGES,
    is_time_zone,
    options,
    time_zone_pairs,
    zone_name,
)
from .fields import (
    ChoicesField,
    CoordinateField,
    MaxLength,
    phone_number,
    plain_text,
    single_line,
    web_address,
)
from .meetings import MeetingForm, meeting_values

DESCRIPTION_MAX = 5000
EXPERIENCE_MAX = 3000


class ListingForm(FlaskForm):
    """Every field an owner fills in, for groups and mentors alike (the template shows the right ones)."""

    # About
    # DataRequired, not InputRequired: a name of spaces only is no name (and the services refuse it).
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name, even for a draft.")),
                                               MaxLength(120), single_line])
    summary = TextAreaField(_l("Short summary"), validators=[MaxLength(300), plain_text],
                            description=_l("One or two sentences, shown in search results "
                                           "(up to 300 characters)."))
    description = TextAreaField(_l("Description"), validators=[MaxLength(DESCRIPTION_MAX), plain_text],
                                description=_l("What happens, what to expect the first time, anything people "
                                               "should know before they come."))
    # Mentors
    experience = TextAreaField(_l("Your experience"), validators=[MaxLength(EXPERIENCE_MAX), plain_text],
                               description=_l("What you have been through or trained in that helps you "
                                              "help others."))
    meets_in_person = BooleanField(_l("In person"))
    meets_phone = BooleanField(_l("By phone"))
    meets_video = BooleanField(_l("By video call"))
    accepting_mentees = BooleanField(_l("I'm taking on new mentees"), default=True)
    availability = StringField(_l("When you are available"), validators=[MaxLength(200), single_line],
                               description=_l("For example “weekday evenings and Saturday mornings”."))

    # Who it is for and topics
    topics = ChoicesField(_l("Topics"))
    audiences = ChoicesField(_l("Who it is for"),
                             description=_l("Leave all unticked if everyone is welcome."))
    format = RadioField(_l("How people take part"), choices=options(FORMAT_CHOICES),
                        default=FORMAT_IN_PERSON, validate_choice=False)
    cost = RadioField(_l("Cost"), choices=options(COST_CHOICES), default="free", validate_choice=False)
    cost_details = StringField(_l("Cost details"), validators=[MaxLength(200), single_line],
                               description=_l("For example “$10 a session, nobody turned away”."))
    languages = ChoicesField(_l("Languages"), choices=options(LANGUAGES), default=["en"])

    # Where
    address_line = StringField(_l("Street address"), validators=[MaxLength(200), single_line],
                               description=_l("Optional. Only shown if you tick “show the exact address” "
                                              "below."))
    location = StringField(_l("Town, city or ZIP/postcode"), validators=[MaxLength(100), single_line],
                           description=_l("For example 45402, Dayton, OH or Leeds."))
    location_exact = BooleanField(_l("Show the exact address publicly"),
                                  description=_l("Otherwise people see only the area, and you can tell them "
                                                 "the address when they get in touch."))
    latitude = CoordinateField(_l("Latitude"), 90)
    longitude = CoordinateField(_l("Longitude"), 180)
    time_zone = SelectField(_l("Time zone"), validate_choice=False,
                            description=_l("Meeting times are in this zone. For in-person listings it is set "
                                           "from the place; change it only if that is wrong."))
    geocoded_for = HiddenField()
    geocoded_time_zone = HiddenField()

    # When (groups)
    meetings = FieldList(FormField(MeetingForm), label=_l("Meetings"))

    # How to get in touch
    website = StringField(_l("Website"), validators=[MaxLength(500), single_line, web_address],
                          description=_l("Starts with https://"))
    phone = StringField(_l("Phone"), validators=[MaxLength(40), single_line, phone_number])
    phone_public = BooleanField(_l("Show my phone number publicly"))
    contact_email = StringField(
        _l("Contact e-mail"),
        validators=[Optional(), MaxLength(254), single_line,
                    Email(_l("Enter an e-mail address like name@example.org."))],
        description=_l("Messages from people reach you here. Never shown publicly."),
    )
    contact_enabled = BooleanField(_l("Let people send me a message through the site"), default=True)
    online_url = StringField(_l("Online join link"), validators=[MaxLength(500), single_line, web_address],
                             description=_l("The Zoom, Meet or Teams link. Starts with https://"))
    online_url_private = BooleanField(_l("Keep the join link private"),
                                      description=_l("It is not shown; we send it in the automatic reply to "
                                                     "people who get in touch."))

    save_draft = SubmitField(_l("Save draft"))
    submit_review = SubmitField(_l("Submit for review"))

    def __init__(self, *args, kind: str = KIND_GROUP, stored: dict[str, Any] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        # What is saved now (snapshot shape; empty for a new listing): an unchanged place needs no lookup.
        self.stored = stored or {}
        self.place: dict[str, Any] | None = None  # the place this submission resolved to
        self.alternatives: list[str] = []  # other places the text could mean
        self.is_submitted_form = kwargs.get("formdata", True) is not None and self.is_submitted()
        self.topics.choices = options(vocabulary_pairs(Topic))
        self.audiences.choices = options(vocabulary_pairs(Audience))
        zones = list(time_zone_pairs())
        current = self.time_zone.data
        if current and current not in {zone for zone, _ in (*COMMON_TIME_ZONES, *zones)}:
            zones.insert(0, (current, current))
        self.time_zone.choices = [
            SelectChoice("", gettext("Choose a time zone")),
            *options(COMMON_TIME_ZONES, gettext("Common time zones")),
            *options(zones, gettext("All time zones")),
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
        values["meetings"] = [meeting_values(item) for item in data.get("meetings") or []]
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
            raise ValidationError(gettext("Choose a time zone from the list."))

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
            if ideas:
                raise StopValidation(gettext("We couldn't find “%(text)s”. Did you mean %(ideas)s?",
                                             text=text, ideas=_or_list(ideas)))
            raise StopValidation(gettext("We couldn't find “%(text)s”. Try a ZIP/postcode, or the town and "
                                         "state.", text=text))
        self.place = services.place_fields(result.location)
        self.alternatives = [place.label for place in result.alternatives[:5]]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.format.data not in {value for value, _ in FORMAT_CHOICES}:
            self.format.errors.append(gettext("Choose in person, online or both."))
            valid = False
        if self.cost.data not in {value for value, _ in COST_CHOICES}:
            self.cost.errors.append(gettext("Choose free, donation or paid."))
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
                field.errors.append(str(message))
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

    def time_zone_name(self) -> str:
        """'Mountain time': the zone the meeting times are in, as people say it."""
        return zone_name(self.time_zone.data or "")

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
    """'A, B or C', with the page's word for "or"."""
    if len(items) <= 1:
        return "".join(items)
    return gettext("%(first)s or %(last)s", first=", ".join(items[:-1]), last=items[-1])


def _zone_line(city: str, country: str, region: str, zone: str) -> str:
    if not city:
        return ""
    named = zone_name(zone)
    return place_label(city, country or "US", region or None) + (f" · {named}" if named else "")


def place_and_zone(text: str) -> dict[str, str] | None:
    """What a typed town or ZIP resolves to: {'place': 'Bozeman, MT', 'time_zone': ..., 'line': ...}."""
    text = text.strip()
    location = locate(text).location if text else None
    if location is None or not location.name:
        return None
    fields = services.place_fields(location)
    return {"place": place_label(fields["city"], fields["country"] or "US", fields["region"] or None),
            "time_zone": fields["time_zone"], "zone_name": zone_name(fields["time_zone"]),
            "line": _zone_line(fields["city"], fields["country"], fields["region"], fields["time_zone"])}
