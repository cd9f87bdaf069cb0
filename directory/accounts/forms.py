"""Account forms. Password rules (length, guessability) live in services, which know the person's name
and address; these forms check presence, format and that two typed passwords agree."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired

from ..validators import MaxLength, SingleLine

EMAIL_HELP = "We send a link to this address to confirm it. It is never shown on the site."
CHOOSING_HELP = (
    "At least 8 characters. No rules about symbols or numbers: a few unusual words together work well. "
    "Common and easily guessed passwords are refused."
)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label: str = "E-mail address", description: str = "") -> EmailField:
    return EmailField(
        label,
        filters=[_strip],
        description=description,
        validators=[
            DataRequired("Enter your e-mail address."),
            MaxLength(254, message="An e-mail address is at most 254 characters."),
            SingleLine("Enter an e-mail address like name@example.org."),
            Email("Enter an e-mail address like name@example.org.", check_deliverability=False),
        ],
    )


def _new_password_fields(label: str = "New password") -> tuple[PasswordField, PasswordField]:
    password = PasswordField(label, description=CHOOSING_HELP,
                             validators=[InputRequired("Choose a password.")])
    confirm = PasswordField(f"Type the {label.lower()} again",
                            validators=[InputRequired("Type the password again."),
                                        EqualTo("password", "The two passwords are not the same.")])
    return password, confirm


class ActionForm(FlaskForm):
    """A button that changes something: nothing to fill in but the CSRF token."""


class RegisterForm(FlaskForm):
    display_name = StringField(
        "Your name",
        filters=[_strip],
        description="Shown to admins and in our e-mails to you, never in the search. A first name is fine.",
        validators=[DataRequired("Enter a name."), MaxLength(80, message="Use at most 80 characters."),
                    SingleLine()],
    )
    email = _email_field(description=EMAIL_HELP)
    password, confirm = _new_password_fields("Password")


class SignInForm(FlaskForm):
    # No format check: whatever is typed, a failure reads the same.
    email = EmailField("E-mail address", filters=[_strip],
                       validators=[DataRequired("Enter your e-mail address."),
                                   MaxLength(254, message="An e-mail address is at most 254 characters."),
                                   SingleLine("Enter an e-mail address like name@example.org.")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device for 14 days")


class ForgotForm(FlaskForm):
    email = _email_field()


class ResetForm(FlaskForm):
    password, confirm = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password",
                                     validators=[InputRequired("Enter your current password.")])
    password, confirm = _new_password_fields()


class ChangeEmailForm(FlaskForm):
    new_email = _email_field(
        "New e-mail address",
        description="We send a link to the new address; the change happens when you open it.",
    )
    current_password = PasswordField("Current password",
                                     validators=[InputRequired("Enter your current password.")])


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField("Your password", validators=[InputRequired("Enter your password.")])
