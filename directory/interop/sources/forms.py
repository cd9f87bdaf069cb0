"""Forms: adding a source, claiming a listing, deciding a claim."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ...validators import MaxLength, PlainText, SingleLine
from .models import FORMATS


class SourceForm(FlaskForm):
    name = StringField("Name",
                       validators=[DataRequired("Give the source a name."), MaxLength(100), SingleLine()],
                       description="Shown on each listing it brings: “From <name>, checked <date>”.")
    url = StringField("Address (URL)", validators=[Optional(), MaxLength(500), SingleLine()],
                      description="The feed's address, or the HSDS API's base (the part before /services). "
                                  "Leave empty to upload a file instead.")
    upload = FileField("Or a file", description="A Meeting Guide JSON file, an HSDS JSON file or an HSDS "
                                                "data package (zip). Up to 20 MB.")
    format = SelectField("Format", choices=[SelectChoice(*item) for item in FORMATS.items()],
                         validators=[InputRequired()])
    all_types = BooleanField("All meetings", description="Meeting Guide: take every meeting, not only those "
                                                         "of type M (men). For a source that lists men's "
                                                         "groups only.")
    trusted = BooleanField("Publish directly", description="New and changed listings go public at once. "
                                                           "Otherwise they wait in the review queue.")
    sync_hours = IntegerField("Sync every (hours)", default=24,
                              validators=[InputRequired("A number of hours; 0 for only when asked."),
                                          NumberRange(0, 8760)],
                              description="How often the scheduled sync reads it again. "
                                          "0: only when asked.")
    submit = SubmitField("Add source")


class ClaimForm(FlaskForm):
    message = TextAreaField("How are you connected to this group?", validators=[Optional(), MaxLength(2000),
                                                                                 PlainText()],
                            description="For the admin who checks the claim: your role, and how to "
                                        "verify it.")
    keep_following = BooleanField("Keep following the source",
                                  description="Changes in the source keep updating the listing (fields you "
                                              "edit here are never overwritten). Leave off to manage it "
                                              "yourself.")
    address = SelectField("Or prove it by e-mail", choices=[], validate_choice=False,
                          description="We send a link to the address the source lists for the group.")
    ask = SubmitField("Ask an admin")
    send_link = SubmitField("Send the link")


class FollowingForm(FlaskForm):
    following = BooleanField("Keep following the source",
                             description="Changes in the source keep updating the listing; fields you edit "
                                         "here are never overwritten.")
    submit = SubmitField("Save")


class ClaimDecisionForm(FlaskForm):
    note = TextAreaField("Reason (required to refuse)", validators=[Optional(), MaxLength(2000), PlainText()])
    approve = SubmitField("Approve claim")
    reject = SubmitField("Refuse claim")


class SourceActionForm(FlaskForm):
    """A CSRF token for the dry-run and sync buttons."""
