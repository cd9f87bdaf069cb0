"""Forms: adding a source, claiming a listing, deciding a claim."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ...i18n import lazy_gettext as _l
from ...validators import MaxLength, PlainText, SingleLine
from .models import FORMATS


class SourceForm(FlaskForm):
    name = StringField(_l("Name"),
                       validators=[DataRequired(_l("Give the source a name.")), MaxLength(100), SingleLine()],
                       description=_l("Shown on each listing it brings: “From <name>, checked <date>”."))
    url = StringField(_l("Address (URL)"), validators=[Optional(), MaxLength(500), SingleLine()],
                      description=_l("The feed's address, or the HSDS API's base (the part before "
                                     "/services). Leave empty to upload a file instead."))
    upload = FileField(_l("Or a file"),
                       description=_l("A Meeting Guide JSON file, an HSDS JSON file or an HSDS data package "
                                      "(zip). Up to 20 MB."))
    format = SelectField(_l("Format"), choices=[SelectChoice(*item) for item in FORMATS.items()],
                         validators=[InputRequired()])
    all_types = BooleanField(_l("All meetings"),
                             description=_l("Meeting Guide: take every meeting, not only those of type M "
                                            "(men). For a source that lists men's groups only."))
    trusted = BooleanField(_l("Publish directly"),
                           description=_l("New and changed listings go public at once. Otherwise they wait "
                                          "in the review queue."))
    sync_hours = IntegerField(_l("Sync every (hours)"), default=24,
                              validators=[InputRequired(_l("A number of hours; 0 for only when asked.")),
                                          NumberRange(0, 8760)],
                              description=_l("How often the scheduled sync reads it again. "
                                             "0: only when asked."))
    submit = SubmitField(_l("Add source"))


class ClaimForm(FlaskForm):
    message = TextAreaField(_l("How are you connected to this group?"),
                            validators=[Optional(), MaxLength(2000), PlainText()],
                            description=_l("For the admin who checks the claim: your role, and how to "
                                           "verify it."))
    keep_following = BooleanField(_l("Keep following the source"),
                                  description=_l("Changes in the source keep updating the listing (fields "
                                                 "you edit here are never overwritten). Leave off to "
                                                 "manage it yourself."))
    address = SelectField(_l("Or prove it by e-mail"), choices=[], validate_choice=False,
                          description=_l("We send a link to the address the source lists for the group."))
    ask = SubmitField(_l("Ask an admin"))
    send_link = SubmitField(_l("Send the link"))


class FollowingForm(FlaskForm):
    following = BooleanField(_l("Keep following the source"),
                             description=_l("Changes in the source keep updating the listing; fields you "
                                            "edit here are never overwritten."))
    submit = SubmitField(_l("Save"))


class ClaimDecisionForm(FlaskForm):
    note = TextAreaField(_l("Reason (required to refuse)"),
                         validators=[Optional(), MaxLength(2000), PlainText()])
    approve = SubmitField(_l("Approve claim"))
    reject = SubmitField(_l("Refuse claim"))


class SourceActionForm(FlaskForm):
    """A CSRF token for the dry-run and sync buttons."""
