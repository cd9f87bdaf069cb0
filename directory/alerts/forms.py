"""The alert form: an address, a place, a distance and topics; a trap field for scripts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email

from ..i18n import lazy_gettext as _l
from ..listings.forms import options
from ..listings.search import DEFAULT_RADIUS, MAX_NEAR_CHARS, RADII
from ..validators import MaxLength, SingleLine

EMAIL_MAX = 254


def strip_value(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class AlertForm(FlaskForm):
    email = EmailField(
        _l("Your e-mail address"),
        description=_l("We send one mail to confirm it. We never show it or share it."),
        filters=[strip_value],
        validators=[
            DataRequired(_l("Please give the e-mail address to tell.")),
            MaxLength(EMAIL_MAX, message=_l("That e-mail address is too long.")),
            SingleLine(_l("Please enter an e-mail address like name@example.com.")),
            Email(_l("Please enter an e-mail address like name@example.com.")),
        ],
    )
    near = StringField(
        _l("Near"),
        description=_l("A ZIP code, postcode or town."),
        filters=[strip_value],
        validators=[
            DataRequired(_l("Please enter a ZIP code, postcode or town.")),
            MaxLength(MAX_NEAR_CHARS, message=_l("Please enter a shorter place name.")),
            SingleLine(_l("Please enter a ZIP code, postcode or town.")),
        ],
    )
    radius = SelectField(_l("Within"), coerce=int, default=DEFAULT_RADIUS,
                         choices=options(*((str(miles), _l("%(num)s miles", num=miles)) for miles in RADII)),
                         validate_choice=True)
    topics = SelectMultipleField(_l("Topics"), description=_l("None ticked: any topic."), choices=[],
                                 validate_choice=False)
    homepage = StringField(_l("Leave this empty"))  # the trap: people leave it empty, scripts fill it in

    def validate_topics(self, field) -> None:
        known = {choice.value for choice in field.choices}
        field.data = [slug for slug in field.data or [] if slug in known]
