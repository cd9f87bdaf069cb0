"""The "Get in touch" form: what a visitor may send, and the traps that catch scripts."""

from __future__ import annotations

import re

from babel.numbers import format_decimal
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from ..i18n import current_locale, gettext
from ..i18n import lazy_gettext as _l
from ..validators import MaxLength, SingleLine

NAME_MAX = 80
EMAIL_MAX = 254
HOW_TO_REACH_MAX = 200
MESSAGE_MAX = 5000

# C0/C1 controls except tab and line breaks, which a message may contain.
MESSAGE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_value(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def clean_message(value: str | None) -> str | None:
    """One kind of line break (browsers send CRLF), no invisible control characters, no edge whitespace.

    Done as a filter, before validation, so the length a visitor sees in the box is the length we check.
    """
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return MESSAGE_CONTROLS.sub("", value).strip()


class ContactForm(FlaskForm):
    """No account needed. The trap field and the timestamp are checked by the view, not shown as errors."""

    name = StringField(
        _l("Your first name"),
        description=_l("A first name is enough."),
        filters=[strip_value],
        validators=[
            DataRequired(_l("Please tell them what to call you. A first name is enough.")),
            MaxLength(NAME_MAX, message=_l("Please keep your name under %(num)s characters.", num=NAME_MAX)),
            SingleLine(_l("Please use letters, numbers and punctuation only.")),
        ],
    )
    email = EmailField(
        _l("Your e-mail address"),
        description=_l("They will answer you at this address. We don't show it on the site."),
        filters=[strip_value],
        validators=[
            DataRequired(_l("Please give an e-mail address, so they can answer you.")),
            MaxLength(EMAIL_MAX, message=_l("That e-mail address is too long.")),
            SingleLine(_l("Please enter an e-mail address like name@example.com.")),
            Email(_l("Please enter an e-mail address like name@example.com.")),
        ],
    )
    message = TextAreaField(
        _l("Your message"),
        description=_l("Say as much or as little as you like (up to %(num)s characters).",
                       num=LazyString(lambda: format_decimal(MESSAGE_MAX, locale=current_locale()))),
        filters=[clean_message],
        validators=[
            DataRequired(_l("Please write a message.")),
        ],
    )
    how_to_reach = StringField(
        _l("How should they reach you? (optional)"),
        description=_l("For example: e-mail only, or a phone number and good times to call."),
        filters=[strip_value],
        validators=[
            Optional(),
            MaxLength(HOW_TO_REACH_MAX,
                      message=_l("Please keep this under %(num)s characters.", num=HOW_TO_REACH_MAX)),
            SingleLine(_l("Please use letters, numbers and punctuation only.")),
        ],
    )
    check_in = BooleanField(
        _l("Check on me in a few days"),
        description=_l("Four days from now we send you one e-mail: did they answer? Your answer is counted "
                       "for the listing, never with your name, and helps the next man who writes."),
    )
    # The trap: hidden from sighted visitors by CSS, labelled for screen readers, skipped by the keyboard.
    # People leave it empty; scripts that fill in every field do not.
    homepage = StringField(_l("Leave this empty"))
    # When the form was shown, signed: a reply faster than a person can type is a script.
    started = HiddenField()

    def validate_message(self, field) -> None:
        # Not Length(): that would add maxlength to the box and silently cut a pasted message short.
        # This says how long it is, next to the field, and keeps what was written.
        if field.data and len(field.data) > MESSAGE_MAX:
            raise ValidationError(gettext(
                "Your message is %(length)s characters; please shorten it to %(most)s or fewer.",
                length=format_decimal(len(field.data), locale=current_locale()),
                most=format_decimal(MESSAGE_MAX, locale=current_locale())))
