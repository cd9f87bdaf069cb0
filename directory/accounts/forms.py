"""Account forms. Password rules (length, guessability) live in services, which know the person's name
and address; these forms check presence, format and that two typed passwords agree.

Labels, help and messages are lazy: each is read in the language of the page showing the form."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired

from ..i18n import language_name, languages, lazy_gettext
from ..validators import MaxLength, SingleLine

EMAIL_HELP = lazy_gettext("We send a link to this address to confirm it. It is never shown on the site.")
CHOOSING_HELP = lazy_gettext(
    "At least 8 characters. No rules about symbols or numbers: a few unusual words together work well. "
    "Common and easily guessed passwords are refused."
)
EMAIL_FORMAT = lazy_gettext("Enter an e-mail address like name@example.org.")
EMAIL_TOO_LONG = lazy_gettext("An e-mail address is at most 254 characters.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label: Any = None, description: Any = "") -> EmailField:
    return EmailField(
        label or lazy_gettext("E-mail address"),
        filters=[_strip],
        description=description,
        validators=[
            DataRequired(lazy_gettext("Enter your e-mail address.")),
            MaxLength(254, message=EMAIL_TOO_LONG),
            SingleLine(EMAIL_FORMAT),
            Email(EMAIL_FORMAT, check_deliverability=False),
        ],
    )


def _new_password_fields(label: Any, again: Any) -> tuple[PasswordField, PasswordField]:
    password = PasswordField(label, description=CHOOSING_HELP,
                             validators=[InputRequired(lazy_gettext("Choose a password."))])
    confirm = PasswordField(again,
                            validators=[InputRequired(lazy_gettext("Type the password again.")),
                                        EqualTo("password",
                                                lazy_gettext("The two passwords are not the same."))])
    return password, confirm


def _new_password() -> tuple[PasswordField, PasswordField]:
    return _new_password_fields(lazy_gettext("New password"), lazy_gettext("Type the new password again"))


class ActionForm(FlaskForm):
    """A button that changes something: nothing to fill in but the CSRF token."""


class RegisterForm(FlaskForm):
    display_name = StringField(
        lazy_gettext("Your name"),
        filters=[_strip],
        description=lazy_gettext(
            "Shown to admins and in our e-mails to you, never in the search. A first name is fine."),
        validators=[DataRequired(lazy_gettext("Enter a name.")),
                    MaxLength(80, message=lazy_gettext("Use at most 80 characters.")),
                    SingleLine()],
    )
    email = _email_field(description=EMAIL_HELP)
    password, confirm = _new_password_fields(lazy_gettext("Password"),
                                             lazy_gettext("Type the password again"))


class SignInForm(FlaskForm):
    # No format check: whatever is typed, a failure reads the same.
    email = EmailField(lazy_gettext("E-mail address"), filters=[_strip],
                       validators=[DataRequired(lazy_gettext("Enter your e-mail address.")),
                                   MaxLength(254, message=EMAIL_TOO_LONG),
                                   SingleLine(EMAIL_FORMAT)])
    password = PasswordField(lazy_gettext("Password"),
                             validators=[InputRequired(lazy_gettext("Enter your password."))])
    remember = BooleanField(lazy_gettext("Keep me signed in on this device for 14 days"))


class ForgotForm(FlaskForm):
    email = _email_field()


class ResetForm(FlaskForm):
    password, confirm = _new_password()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(lazy_gettext("Current password"),
                                     validators=[InputRequired(lazy_gettext("Enter your current password."))])
    password, confirm = _new_password()


class ChangeEmailForm(FlaskForm):
    new_email = _email_field(
        lazy_gettext("New e-mail address"),
        description=lazy_gettext("We send a link to the new address; the change happens when you open it."),
    )
    current_password = PasswordField(lazy_gettext("Current password"),
                                     validators=[InputRequired(lazy_gettext("Enter your current password."))])


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(lazy_gettext("Your password"),
                                     validators=[InputRequired(lazy_gettext("Enter your password."))])


class LanguageForm(FlaskForm):
    """The language the account reads the site and its e-mails in."""

    language = SelectField(
        lazy_gettext("The language of the site and of our e-mails to you"),
        validate_choice=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each language in its own name, so a person who can't read the current one still finds theirs.
        self.language.choices = [(code, language_name(code)) for code in languages()]
