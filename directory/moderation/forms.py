"""Forms for admin decisions, the public report form, the reconfirm page and the admin second factor."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Optional, Regexp

from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..validators import MaxLength, PlainText, SingleLine
from .models import REPORT_REASONS
from .rules import MAX_REASON_LENGTH

NOTE_HELP = _l("The owner sees this in an e-mail. Required to reject, request changes or unpublish.")
# What every admin note is checked for: its length, and no control characters (the database, the owner's
# mail and the audit log all keep it).
REASON_CHECKS = (MaxLength(MAX_REASON_LENGTH), PlainText())


class _NoteForm(FlaskForm):
    """A note to the owner plus one submit button per decision; some decisions need the note."""

    note = TextAreaField(_l("Note to the owner"), validators=[Optional(), *REASON_CHECKS],
                         description=NOTE_HELP)
    NEEDS_NOTE: tuple[str, ...] = ()

    def decision(self) -> str | None:
        """Which button was pressed."""
        for name in self.DECISIONS:
            if getattr(self, name).data:
                return name
        return None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        decision = self.decision()
        if decision is None:
            self.form_errors.append(gettext("Please choose a decision."))
            return False
        if decision in self.NEEDS_NOTE and not (self.note.data or "").strip():
            self.note.errors.append(gettext("Please write a note: the owner needs to know why."))
            return False
        return True


class ReviewForm(_NoteForm):
    """Decide on a new listing (or an edit)."""

    approve = SubmitField(_l("Approve"))
    approve_next = SubmitField(_l("Approve and open the next one"))
    request_changes = SubmitField(_l("Request changes"))
    reject = SubmitField(_l("Reject"))
    DECISIONS = ("approve", "approve_next", "request_changes", "reject")
    NEEDS_NOTE = ("request_changes", "reject")


class UnpublishForm(_NoteForm):
    """Take a published listing down."""

    note = TextAreaField(_l("Reason for unpublishing"), validators=[Optional(), *REASON_CHECKS],
                         description=_l("The owner sees this in an e-mail."))
    unpublish = SubmitField(_l("Unpublish"))
    DECISIONS = ("unpublish",)
    NEEDS_NOTE = ("unpublish",)


class ReportResolveForm(_NoteForm):
    """Close a report: dismiss it, ask the owner for an edit, or unpublish the listing."""

    note = TextAreaField(_l("Note"), validators=[Optional(), *REASON_CHECKS],
                         description=_l("Sent to the owner when you ask for an edit or unpublish."))
    dismiss = SubmitField(_l("Dismiss"))
    request_edit = SubmitField(_l("Ask the owner to edit"))
    unpublish = SubmitField(_l("Unpublish listing"))
    DECISIONS = ("dismiss", "request_edit", "unpublish")
    NEEDS_NOTE = ("request_edit", "unpublish")


class ReportForm(FlaskForm):
    """The public 'Report a problem' form: no account needed."""

    reason = RadioField(_l("What is wrong?"),
                        choices=[SelectChoice(*item) for item in REPORT_REASONS.items()],
                        validators=[InputRequired(message=_l("Please choose what is wrong."))])
    message = TextAreaField(_l("Anything else we should know?"),
                            validators=[Optional(), MaxLength(2000), PlainText()],
                            description=_l("Optional. Please don't include anyone's private details."))
    email = EmailField(_l("Your e-mail address"),
                       validators=[Optional(), SingleLine(), Email(), MaxLength(254)],
                       description=_l("Optional, only if you would like us to follow up. "
                                      "Never shown or shared."))
    submit = SubmitField(_l("Send report"))


class SuspendForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Please give a reason.")),
                                                 MaxLength(500), PlainText()],
                           description=_l("Sent to the user and kept in the audit log."))
    submit = SubmitField(_l("Suspend account"))


class UnsuspendForm(FlaskForm):
    submit = SubmitField(_l("Lift suspension"))


class AuditFilterForm(FlaskForm):
    """GET filters for the audit log (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    actor = SelectField(_l("Admin"), choices=[], validators=[Optional()])
    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    listing = StringField(_l("Listing (id or slug)"), validators=[Optional(), MaxLength(120), SingleLine()])


class StillMeetingForm(FlaskForm):
    """The reminder link's page: three buttons, all POST, so mail scanners that fetch links change nothing."""

    yes = SubmitField(_l("Yes, nothing changed"))
    change = SubmitField(_l("I need to change something"))
    stopped = SubmitField(_l("We stopped meeting"))

    def answer(self) -> str | None:
        for name in ("yes", "change", "stopped"):
            if getattr(self, name).data:
                return name
        return None


class TwoFactorForm(FlaskForm):
    code = StringField(_l("6-digit code"), validators=[
        DataRequired(message=_l("Please enter the code from your app.")),
        SingleLine(_l("The code is 6 digits.")),
        Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("The code is 6 digits.")),
    ], render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Verify"))
