"""The alert form: an address, a place, a distance and topics; a trap field for scripts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email

from ..listings.forms import options
from ..listings.search import DEFAULT_RADIUS, MAX_NEAR_CHARS, RADII
from ..validators import MaxLength, SingleLine

EMAIL_MAX = 254


def strip_value(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class AlertForm(FlaskForm):
    email = EmailField(
        "Your e-mail address",
        description="We send one mail to confirm it. We never show it or share it.",
        filters=[strip_value],
        validators=[
            DataRequired("Please give the e-mail address to tell."),
            MaxLength(EMAIL_MAX, message="That e-mail address is too long."),
            SingleLine("Please enter an e-mail address like name@example.com."),
            Email("Please enter an e-mail address like name@example.com."),
        ],
    )
    near = StringField(
        "Near",
        description="A ZIP code, postcode or town.",
        filters=[strip_value],
        validators=[
            DataRequired("Please enter a ZIP code, postcode or town."),
            MaxLength(MAX_NEAR_CHARS, message="Please enter a shorter place name."),
            SingleLine("Please enter a ZIP code, postcode or town."),
        ],
    )
    radius = SelectField("Within", coerce=int, default=DEFAULT_RADIUS,
                         choices=options(*((str(miles), f"{miles} mile{'s' if miles != 1 else ''}")
                                           for miles in RADII)),
                         validate_choice=True)
    topics = SelectMultipleField("Topics", description="None ticked: any topic.", choices=[],
                                 validate_choice=False)
    homepage = StringField("Leave this empty")  # the trap: people leave it empty, scripts fill it in

    def validate_topics(self, field) -> None:
        known = {choice.value for choice in field.choices}
        field.data = [slug for slug in field.data or [] if slug in known]
